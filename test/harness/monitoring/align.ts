/**
 * Per-series alignment. Windows end at interval.end_time, end_time − P, end_time − 2P, … and
 * hold the raw points whose end time falls in (t − P, t]; a window without points is left out.
 * DELTA results carry the interval (t − P, t], GAUGE results the instant t.
 */
import { alignedType, percentileOf } from './aggregation-spec.js';
import type { Aligner, AggregationPlan } from './aggregation-spec.js';
import { distributionPercentile, mergeDistributions } from './distribution.js';
import type { Distribution } from './distribution.js';
import type { Point, PointValue, TimeSeries } from './series.js';

export function alignSeries(series: TimeSeries, plan: AggregationPlan, intervalEndMs: number): TimeSeries {
  const type = alignedType(plan.aligner, series);
  const windows = new Map<number, Point[]>();
  for (const point of series.points) {
    const window = Math.floor((intervalEndMs - point.endMs) / plan.alignmentMs);
    const inWindow = windows.get(window);
    if (inWindow) inWindow.push(point);
    else windows.set(window, [point]);
  }
  const points = [...windows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([window, inWindow]): Point => {
      const endMs = intervalEndMs - window * plan.alignmentMs;
      const startMs = type.metricKind === 'DELTA' ? endMs - plan.alignmentMs : endMs;
      return { startMs, endMs, value: alignValues(plan.aligner, inWindow.map((point) => point.value), plan.alignmentMs) };
    });
  return { ...series, ...type, points };
}

function alignValues(aligner: Aligner, values: PointValue[], alignmentMs: number): PointValue {
  const numbers = values.filter((value): value is number => typeof value === 'number');
  const distributions = values.filter((value): value is Distribution => typeof value !== 'number');
  const sum = () => (distributions.length > 0 ? mergeDistributions(distributions) : numbers.reduce((total, value) => total + value, 0));
  switch (aligner) {
    case 'ALIGN_DELTA':
    case 'ALIGN_SUM':
      return sum();
    case 'ALIGN_RATE':
      return (sum() as number) / (alignmentMs / 1000);
    case 'ALIGN_MEAN':
      return distributions.length > 0 ? mergeDistributions(distributions).mean : (sum() as number) / numbers.length;
    case 'ALIGN_MIN':
      return Math.min(...numbers);
    case 'ALIGN_MAX':
      return Math.max(...numbers);
    case 'ALIGN_COUNT':
      return values.length;
    default:
      return distributionPercentile(mergeDistributions(distributions), percentileOf(aligner)!);
  }
}
