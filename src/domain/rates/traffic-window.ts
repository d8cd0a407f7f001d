import { mergeHistograms, subtractHistogram, type LatencyHistogram } from './latency-histogram.js';

/** One host's traffic in one window: requests, failed requests (5xx and code 0), latency. */
export interface HostCounts {
  readonly requests: number;
  readonly failed: number;
  readonly latency?: LatencyHistogram | undefined;
}

/** Both hosts in the same window (`[startMs, endMs)`, epoch ms): the old host is the new one's concurrent baseline. */
export interface TrafficWindow {
  readonly startMs: number;
  readonly endMs: number;
  readonly to: HostCounts;
  readonly from: HostCounts;
}

export const NO_TRAFFIC: HostCounts = Object.freeze({ requests: 0, failed: 0 });

/** The sum of a host's counts over windows. */
export function sumCounts(counts: readonly HostCounts[]): HostCounts {
  let requests = 0;
  let failed = 0;
  for (const c of counts) {
    requests += c.requests;
    failed += c.failed;
  }
  return { requests, failed, latency: mergeHistograms(counts.map((c) => c.latency)) };
}

/** `total` without `part` (one of the windows summed into it): leaving one window out costs no re-summing. */
export function withoutCounts(total: HostCounts, part: HostCounts): HostCounts {
  return { requests: total.requests - part.requests, failed: total.failed - part.failed, latency: subtractHistogram(total.latency, part.latency) };
}

/** Failed share, or undefined without requests. */
export function failedShare(counts: HostCounts): number | undefined {
  return counts.requests > 0 ? counts.failed / counts.requests : undefined;
}
