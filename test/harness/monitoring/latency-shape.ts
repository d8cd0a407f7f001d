/**
 * Latency samples for the traffic model. Latencies follow a quantile function that is linear in
 * log(latency) between anchors: p0 = p50/4, p50, p99, p100 = 2·p99, so that half the requests
 * are at most p50, 49 % lie between p50 and p99 and 1 % above. Percentiles computed from the
 * buckets land in the bucket that holds the profile's value (Istio's buckets double in width).
 */
import { bucketIndex, emptyDistribution } from './distribution.js';
import type { Distribution } from './distribution.js';

export interface LatencyShape {
  p50Ms: number;
  p99Ms: number;
}

const GOLDEN_FRACTION = 0.6180339887498949;
// Above this many requests in one point, bucket counts come from the distribution function directly.
const MAX_SAMPLED_REQUESTS = 2000;

/** Latency in ms at quantile u (0..1). */
export function latencyAtQuantile(shape: LatencyShape, u: number): number {
  const anchors: [number, number][] = [
    [0, shape.p50Ms / 4],
    [0.5, shape.p50Ms],
    [0.99, shape.p99Ms],
    [1, shape.p99Ms * 2],
  ];
  const upper = anchors.findIndex(([quantile]) => quantile >= u);
  if (upper <= 0) return anchors[0]![1];
  const [u0, v0] = anchors[upper - 1]!;
  const [u1, v1] = anchors[upper]!;
  return Math.exp(Math.log(v0) + ((u - u0) / (u1 - u0)) * (Math.log(v1) - Math.log(v0)));
}

/**
 * The latencies of requests number firstRequest … firstRequest + count − 1 of one series.
 * Request k sits at quantile frac((k + 1)·φ), a low-discrepancy sequence: any run of requests,
 * however short, covers the shape evenly, so merged points keep the profile's percentiles.
 */
export function latencyDistribution(shape: LatencyShape, firstRequest: number, count: number, bounds: readonly number[]): Distribution {
  if (count > MAX_SAMPLED_REQUESTS) return distributionFromQuantiles(shape, count, bounds);
  const distribution = emptyDistribution(bounds);
  let sum = 0;
  for (let k = firstRequest; k < firstRequest + count; k++) {
    const latency = latencyAtQuantile(shape, ((k + 1) * GOLDEN_FRACTION) % 1);
    distribution.bucketCounts[bucketIndex(bounds, latency)]!++;
    sum += latency;
  }
  distribution.count = count;
  distribution.mean = count > 0 ? sum / count : 0;
  return distribution;
}

const QUANTILE_STEPS = 1000;

function distributionFromQuantiles(shape: LatencyShape, count: number, bounds: readonly number[]): Distribution {
  const distribution = emptyDistribution(bounds);
  let sum = 0;
  let assigned = 0;
  for (let step = 0; step < QUANTILE_STEPS; step++) {
    const latency = latencyAtQuantile(shape, (step + 0.5) / QUANTILE_STEPS);
    // Cumulative rounding keeps the total exact.
    const upTo = Math.round(((step + 1) * count) / QUANTILE_STEPS);
    distribution.bucketCounts[bucketIndex(bounds, latency)]! += upTo - assigned;
    sum += latency * (upTo - assigned);
    assigned = upTo;
  }
  distribution.count = count;
  distribution.mean = sum / count;
  return distribution;
}
