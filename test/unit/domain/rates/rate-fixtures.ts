import type { LatencyHistogram } from '../../../../src/domain/rates/latency-histogram.js';
import type { HostCounts, TrafficWindow } from '../../../../src/domain/rates/traffic-window.js';

/** Istio's latency bucket bounds: 0, 1, 2, 4 … 2^19 ms. */
export const ISTIO_BOUNDS: readonly number[] = [0, ...Array.from({ length: 20 }, (_, i) => 2 ** i)];

export const hostCounts = (requests: number, failed: number, latency?: LatencyHistogram): HostCounts => ({ requests, failed, ...(latency ? { latency } : {}) });

/** `n` one-minute windows from 10:00, each from `make(i)`. */
export function minutes(n: number, make: (i: number) => Pick<TrafficWindow, 'to' | 'from'>): TrafficWindow[] {
  const start = Date.parse('2026-12-01T10:00:00Z');
  return Array.from({ length: n }, (_, i) => ({ startMs: start + i * 60_000, endMs: start + (i + 1) * 60_000, ...make(i) }));
}

/** `count` requests: half just under p50, 48 % between p50 and p99, 2 % just under p99 (so the 99th percentile falls in p99's bucket), in Istio's buckets. */
export function istioHistogram(count: number, p50Ms: number, p99Ms: number): LatencyHistogram {
  const counts = new Array<number>(ISTIO_BOUNDS.length + 1).fill(0);
  const bucketOf = (ms: number) => ISTIO_BOUNDS.findIndex((bound) => ms < bound);
  const add = (ms: number, n: number) => {
    const i = bucketOf(ms);
    const at = i < 0 ? ISTIO_BOUNDS.length : i;
    counts[at] = (counts[at] ?? 0) + n;
  };
  const top = Math.round(count * 0.02);
  const low = Math.round(count * 0.5);
  add(p50Ms * 0.9, low);
  add((p50Ms + p99Ms) / 2, count - low - top);
  add(p99Ms * 0.99, top);
  return { bounds: ISTIO_BOUNDS, counts };
}
