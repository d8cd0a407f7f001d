/**
 * Exact, stateless request counts for the traffic model. Every count is cumulative since the
 * start of a traffic segment and every split is monotone in its input, so the count of a single
 * point is a difference of two cumulative counts: fractions carry forward from point to point
 * (2,000 rpm at 0.05 % errors gives exactly one 503 a minute, 3 rpm gives 3 requests a minute),
 * no count is ever negative, and any point can be computed without the ones before it.
 */

export interface CodeShares {
  errorShare: number;
  resetShare: number;
  clientErrorShare: number;
}

export type ResponseCode = '200' | '503' | '0' | '404';
export const RESPONSE_CODES: readonly ResponseCode[] = ['200', '503', '0', '404'];

const EPSILON = 1e-9;

/** Requests in the first `points` sample periods of a segment. */
export function cumulativeRequests(requestsPerMinute: number, periodMs: number, points: number): number {
  return Math.floor((requestsPerMinute * periodMs * points) / 60_000 + EPSILON);
}

/** floor(total × share): non-decreasing in total, and so is its complement. */
function takeShare(total: number, share: number): number {
  if (share <= 0) return 0;
  if (share >= 1) return total;
  return Math.floor(total * share + EPSILON);
}

/** The first `total` requests by response code: failures first split from successes, then among themselves. */
export function cumulativeByCode(total: number, shares: CodeShares): Record<ResponseCode, number> {
  const { errorShare, resetShare, clientErrorShare } = shares;
  const notOkShare = errorShare + resetShare + clientErrorShare;
  const notOk = takeShare(total, notOkShare);
  const errors = notOkShare > 0 ? takeShare(notOk, errorShare / notOkShare) : 0;
  const rest = notOk - errors;
  const restShare = resetShare + clientErrorShare;
  const resets = restShare > 0 ? takeShare(rest, resetShare / restShare) : 0;
  return { '200': total - notOk, '503': errors, '0': resets, '404': rest - resets };
}

/** Requests of the first `total` that went to pod `pod` of `pods`, round robin. */
export function cumulativeForPod(total: number, pod: number, pods: number): number {
  return Math.max(0, Math.ceil((total - pod) / pods));
}

/** The cumulative count of one (pod, code) series after `points` sample periods. */
export function cumulativeForSeries(
  profile: { requestsPerMinute: number } & CodeShares,
  periodMs: number,
  points: number,
  code: ResponseCode,
  pod: number,
  pods: number,
): number {
  const byCode = cumulativeByCode(cumulativeRequests(profile.requestsPerMinute, periodMs, points), profile);
  return cumulativeForPod(byCode[code], pod, pods);
}
