import type { MetricServiceClient, protos } from '@google-cloud/monitoring';
import { MetricsError, toMetricsError } from './metrics-error.js';

export type TimeSeries = protos.google.monitoring.v3.ITimeSeries;
export type ListRequest = protos.google.monitoring.v3.IListTimeSeriesRequest;

export interface CallPolicy {
  /** Per call (one page). */
  readonly timeoutMs: number;
  /** Attempts per page, the first included; transient codes only. */
  readonly attempts: number;
  readonly backoffMs: number;
  /** Pages read at most: a bound on what one query may cost; a query with more fails rather than judge part of the data. */
  readonly maxPages: number;
  /** The whole query, every page and retry included. */
  readonly deadlineMs: number;
}

export const DEFAULT_CALL_POLICY: CallPolicy = { timeoutMs: 10_000, attempts: 3, backoffMs: 250, maxPages: 20, deadlineMs: 30_000 };

/**
 * Every page of one ListTimeSeries query. The client's own retry is off (`retry: null`) so
 * that the timeout, the attempts and the backoff are ours, and a failure reads as one clear
 * MetricsError naming what was asked.
 */
export async function listAllTimeSeries(client: MetricServiceClient, request: ListRequest, what: string, policy: CallPolicy = DEFAULT_CALL_POLICY, stop?: AbortSignal): Promise<TimeSeries[]> {
  const out: TimeSeries[] = [];
  const deadline = Date.now() + policy.deadlineMs;
  let pageToken: string | undefined;
  for (let page = 0; page < policy.maxPages; page++) {
    const [series, , response] = await withRetries(
      () => client.listTimeSeries({ ...request, ...(pageToken ? { pageToken } : {}) }, { autoPaginate: false, timeout: Math.max(1, Math.min(policy.timeoutMs, deadline - Date.now())), retry: null }),
      what,
      policy,
      { deadline, stop },
    );
    out.push(...series);
    pageToken = response?.nextPageToken || undefined;
    if (!pageToken) return out;
  }
  throw new MetricsError(`Cloud Monitoring ${what}: more than ${policy.maxPages} pages; nothing was judged on part of the data`, undefined, false);
}

async function withRetries<T>(call: () => Promise<T>, what: string, policy: CallPolicy, bounds: { deadline: number; stop: AbortSignal | undefined }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const failure = toMetricsError(error, what);
      const wait = policy.backoffMs * 2 ** (attempt - 1);
      if (!failure.transient || attempt >= policy.attempts || bounds.stop?.aborted || Date.now() + wait >= bounds.deadline) throw failure;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
