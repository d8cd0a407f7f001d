import type { LatencyHistogram } from '../domain/rates/latency-histogram.js';
import { mergeHistograms } from '../domain/rates/latency-histogram.js';
import type { HostCounts } from '../domain/rates/traffic-window.js';
import { isFailedResponseCode } from './istio-metrics.js';
import type { TimeSeries } from './list-time-series.js';

export interface WindowGrid {
  readonly startMs: number;
  readonly windowMs: number;
  readonly count: number;
}

type Timestamp = { seconds?: unknown; nanos?: unknown } | null | undefined;

export function timestampMs(t: Timestamp): number {
  return Number(String(t?.seconds ?? 0)) * 1000 + Math.floor(Number(t?.nanos ?? 0) / 1e6);
}

export const asNumber = (value: unknown): number => Number(String(value ?? 0));

/** The window an aligned point belongs to: points end at window ends (start exclusive, end inclusive). */
function windowIndex(grid: WindowGrid, endMs: number): number | undefined {
  const index = Math.ceil((endMs - grid.startMs) / grid.windowMs) - 1;
  return index >= 0 && index < grid.count ? index : undefined;
}

const labelOf = (series: TimeSeries, key: string): string => String(series.metric?.labels?.[key] ?? '');

/** request_count series (summed by destination × response code) → per-destination requests and failures per window. */
export function countsByDestination(series: readonly TimeSeries[], grid: WindowGrid): Map<string, { requests: number[]; failed: number[] }> {
  const out = new Map<string, { requests: number[]; failed: number[] }>();
  for (const s of series) {
    const destination = labelOf(s, 'destination_service_name');
    const failed = isFailedResponseCode(labelOf(s, 'response_code'));
    const host = out.get(destination) ?? { requests: new Array<number>(grid.count).fill(0), failed: new Array<number>(grid.count).fill(0) };
    out.set(destination, host);
    for (const point of s.points ?? []) {
      const i = windowIndex(grid, timestampMs(point.interval?.endTime));
      if (i === undefined) continue;
      const value = asNumber(point.value?.int64Value ?? point.value?.doubleValue);
      host.requests[i] = (host.requests[i] ?? 0) + value;
      if (failed) host.failed[i] = (host.failed[i] ?? 0) + value;
    }
  }
  return out;
}

/** roundtrip_latencies series (distributions summed by destination) → per-destination histograms per window. */
export function latencyByDestination(series: readonly TimeSeries[], grid: WindowGrid): Map<string, (LatencyHistogram | undefined)[]> {
  const out = new Map<string, (LatencyHistogram | undefined)[]>();
  for (const s of series) {
    const destination = labelOf(s, 'destination_service_name');
    const host = out.get(destination) ?? new Array<LatencyHistogram | undefined>(grid.count).fill(undefined);
    out.set(destination, host);
    for (const point of s.points ?? []) {
      const i = windowIndex(grid, timestampMs(point.interval?.endTime));
      const histogram = toHistogram(point.value?.distributionValue);
      if (i !== undefined && histogram) host[i] = mergeHistograms([host[i], histogram]);
    }
  }
  return out;
}

type Distribution = { bucketOptions?: { explicitBuckets?: { bounds?: number[] | null } | null } | null; bucketCounts?: unknown[] | null } | null | undefined;

/** Cloud Monitoring leaves trailing empty buckets out: pad to bounds + 1. Only explicit buckets (Istio's) are read. */
function toHistogram(distribution: Distribution): LatencyHistogram | undefined {
  const bounds = distribution?.bucketOptions?.explicitBuckets?.bounds;
  if (!bounds || bounds.length === 0) return undefined;
  const counts = new Array<number>(bounds.length + 1).fill(0);
  (distribution.bucketCounts ?? []).forEach((count, i) => {
    if (i < counts.length) counts[i] = asNumber(count);
  });
  return { bounds: bounds.map(Number), counts };
}

/** One host's counts in window `i`. */
export function hostWindow(counts: { requests: number[]; failed: number[] } | undefined, latency: (LatencyHistogram | undefined)[] | undefined, i: number): HostCounts {
  return { requests: counts?.requests[i] ?? 0, failed: counts?.failed[i] ?? 0, latency: latency?.[i] };
}
