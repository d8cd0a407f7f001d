/**
 * Cross-series reduction of aligned series: series are grouped by the values of
 * group_by_fields, and within a group the points at the same aligned time are combined. The
 * result keeps the metric and resource types and only the grouped labels.
 */
import { percentileOf, reducedType } from './aggregation-spec.js';
import type { AggregationPlan, GroupField, Reducer } from './aggregation-spec.js';
import { mergeDistributions } from './distribution.js';
import type { Distribution } from './distribution.js';
import { mergeSameSeries } from './series.js';
import type { LabelledObject, Point, PointValue, TimeSeries } from './series.js';

export function reduceSeries(aligned: readonly TimeSeries[], plan: AggregationPlan & { reducer: Reducer }): TimeSeries[] {
  const groups = new Map<string, TimeSeries[]>();
  for (const series of aligned) {
    const key = JSON.stringify(plan.groupBy.map((field) => labelOf(series, field) ?? null));
    const members = groups.get(key);
    if (members) members.push(series);
    else groups.set(key, [series]);
  }
  return mergeSameSeries([...groups.values()].map((members) => reduceGroup(members, plan)));
}

function labelOf(series: TimeSeries, field: GroupField): string | undefined {
  return series[field.object].labels[field.key];
}

function reduceGroup(members: TimeSeries[], plan: AggregationPlan & { reducer: Reducer }): TimeSeries {
  const [first] = members as [TimeSeries];
  const byTime = new Map<number, Point[]>();
  for (const point of members.flatMap((series) => series.points)) {
    const atTime = byTime.get(point.endMs);
    if (atTime) atTime.push(point);
    else byTime.set(point.endMs, [point]);
  }
  const points = [...byTime.values()].map((atTime): Point => ({
    startMs: atTime[0]!.startMs,
    endMs: atTime[0]!.endMs,
    value: reduceValues(plan.reducer, atTime.map((point) => point.value)),
  }));
  return {
    ...first,
    ...reducedType(plan.reducer, first),
    metric: keepGrouped(first.metric, members, 'metric', plan.groupBy),
    resource: keepGrouped(first.resource, members, 'resource', plan.groupBy),
    points,
  };
}

function keepGrouped(object: LabelledObject, members: TimeSeries[], which: GroupField['object'], groupBy: GroupField[]): LabelledObject {
  const labels: Record<string, string> = {};
  for (const field of groupBy.filter((one) => one.object === which)) {
    const value = members.map((series) => labelOf(series, field)).find((one) => one !== undefined);
    if (value !== undefined) labels[field.key] = value;
  }
  return { type: object.type, labels };
}

function reduceValues(reducer: Reducer, values: PointValue[]): PointValue {
  const numbers = values.filter((value): value is number => typeof value === 'number');
  const distributions = values.filter((value): value is Distribution => typeof value !== 'number');
  switch (reducer) {
    case 'REDUCE_SUM':
      return distributions.length > 0 ? mergeDistributions(distributions) : numbers.reduce((total, value) => total + value, 0);
    case 'REDUCE_COUNT':
      return values.length;
    case 'REDUCE_MEAN':
      return distributions.length > 0 ? mergeDistributions(distributions).mean : numbers.reduce((total, value) => total + value, 0) / numbers.length;
    case 'REDUCE_MIN':
      return Math.min(...numbers);
    case 'REDUCE_MAX':
      return Math.max(...numbers);
    default:
      return percentileOfValues(numbers, percentileOf(reducer)!);
  }
}

/** Linear interpolation between the closest ranks. */
export function percentileOfValues(values: readonly number[], percent: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return 0;
  const rank = (percent / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (rank - lower);
}
