/**
 * Distribution values with explicit bucket bounds, as Cloud Monitoring stores Istio latencies.
 * With N bounds there are N + 1 buckets: bucket 0 is the underflow (< bounds[0]), bucket i
 * holds [bounds[i-1], bounds[i]) and bucket N the overflow (≥ bounds[N-1]).
 */
import { invalidArgument } from '../logging/rpc-error.js';

export interface Distribution {
  count: number;
  mean: number;
  bounds: readonly number[];
  /** Always bounds.length + 1 entries here; the wire form drops trailing zeros as Google does. */
  bucketCounts: number[];
}

/** Istio's roundtrip latency buckets: 0, 1, 2, 4, … 2^19 ms. */
export const ISTIO_LATENCY_BOUNDS: readonly number[] = Object.freeze([0, ...Array.from({ length: 20 }, (_, i) => 2 ** i)]);

export function emptyDistribution(bounds: readonly number[]): Distribution {
  return { count: 0, mean: 0, bounds, bucketCounts: new Array<number>(bounds.length + 1).fill(0) };
}

export function bucketIndex(bounds: readonly number[], value: number): number {
  let index = 0;
  while (index < bounds.length && value >= bounds[index]!) index++;
  return index;
}

/** Sums bucket counts; the bucket options must be the same, as Cloud Monitoring requires. */
export function mergeDistributions(distributions: readonly Distribution[]): Distribution {
  const [first] = distributions;
  if (!first) return emptyDistribution([]);
  const merged = emptyDistribution(first.bounds);
  let weightedSum = 0;
  for (const distribution of distributions) {
    if (!sameBounds(distribution.bounds, first.bounds)) throw invalidArgument('Cannot combine distributions with different bucket options');
    distribution.bucketCounts.forEach((count, index) => (merged.bucketCounts[index]! += count));
    merged.count += distribution.count;
    weightedSum += distribution.mean * distribution.count;
  }
  merged.mean = merged.count > 0 ? weightedSum / merged.count : 0;
  return merged;
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a === b || (a.length === b.length && a.every((bound, index) => bound === b[index]));
}

/**
 * The value at `percent` (0..100), interpolated linearly within the bucket where the rank falls,
 * as Cloud Monitoring's percentile aligners do. The overflow bucket has no upper bound: its lower
 * bound is returned.
 */
export function distributionPercentile(distribution: Distribution, percent: number): number {
  const { bounds, bucketCounts } = distribution;
  if (distribution.count === 0) return 0;
  const rank = (percent / 100) * distribution.count;
  let below = 0;
  for (let index = 0; index < bucketCounts.length; index++) {
    const inBucket = bucketCounts[index]!;
    if (inBucket > 0 && below + inBucket >= rank) {
      const lower = index === 0 ? (bounds[0] ?? 0) : bounds[index - 1]!;
      const upper = index < bounds.length ? bounds[index]! : lower;
      return lower + ((upper - lower) * Math.max(0, rank - below)) / inBucket;
    }
    below += inBucket;
  }
  return bounds.at(-1) ?? 0;
}
