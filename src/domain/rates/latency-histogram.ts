/**
 * A latency distribution as Cloud Monitoring gives it: explicit bucket bounds in ms and a count
 * per bucket (`counts.length === bounds.length + 1`: underflow below bounds[0], bucket i is
 * [bounds[i-1], bounds[i]), the last one overflow). Istio's bounds are 0, 1, 2, 4 … 2^19 ms.
 */
export interface LatencyHistogram {
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
}

/** The sum of histograms that share bounds; those with other bounds are left out (never mixed). */
export function mergeHistograms(histograms: readonly (LatencyHistogram | undefined)[]): LatencyHistogram | undefined {
  const present = histograms.filter((h): h is LatencyHistogram => h !== undefined && h.counts.length > 0);
  const first = present[0];
  if (!first) return undefined;
  const counts = new Array<number>(first.counts.length).fill(0);
  for (const h of present) {
    if (!sameBounds(h.bounds, first.bounds)) continue;
    h.counts.forEach((count, i) => (counts[i] = (counts[i] ?? 0) + count));
  }
  return { bounds: first.bounds, counts };
}

/** `total` without `part`, one of the histograms merged into it (same bounds, else `total` unchanged). */
export function subtractHistogram(total: LatencyHistogram | undefined, part: LatencyHistogram | undefined): LatencyHistogram | undefined {
  if (!total || !part || !sameBounds(total.bounds, part.bounds)) return total;
  return { bounds: total.bounds, counts: total.counts.map((count, i) => Math.max(0, count - (part.counts[i] ?? 0))) };
}

/**
 * The q-quantile (0 < q < 1) in ms, interpolated linearly inside its bucket as Cloud Monitoring's
 * percentile aligners do; undefined for an empty histogram. Overflow answers the last bound.
 */
export function histogramQuantile(histogram: LatencyHistogram | undefined, q: number): number | undefined {
  if (!histogram) return undefined;
  const total = histogram.counts.reduce((sum, c) => sum + c, 0);
  if (total <= 0) return undefined;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < histogram.counts.length; i++) {
    const count = histogram.counts[i] ?? 0;
    if (count > 0 && below + count >= rank) {
      const lower = i === 0 ? 0 : (histogram.bounds[i - 1] ?? 0);
      const upper = histogram.bounds[i] ?? lower;
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  return histogram.bounds.at(-1);
}

/** How many requests took longer than `ms`, counting a bucket's share above `ms` as if spread evenly within it. */
export function countAbove(histogram: LatencyHistogram | undefined, ms: number): number {
  if (!histogram) return 0;
  let above = 0;
  histogram.counts.forEach((count, i) => {
    const lower = i === 0 ? Number.NEGATIVE_INFINITY : (histogram.bounds[i - 1] ?? 0);
    const upper = histogram.bounds[i] ?? Number.POSITIVE_INFINITY;
    if (lower >= ms) above += count;
    else if (upper > ms) above += Number.isFinite(lower) && Number.isFinite(upper) ? (count * (upper - ms)) / (upper - lower) : 0;
  });
  return above;
}

export function histogramCount(histogram: LatencyHistogram | undefined): number {
  return histogram?.counts.reduce((sum, c) => sum + c, 0) ?? 0;
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((bound, i) => bound === b[i]);
}
