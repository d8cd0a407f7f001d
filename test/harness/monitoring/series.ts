/** Time series as the server holds them: epoch milliseconds, plain numbers, full bucket arrays. */
import type { Distribution } from './distribution.js';

export type MetricKind = 'DELTA' | 'GAUGE' | 'CUMULATIVE';
export type ValueType = 'INT64' | 'DOUBLE' | 'DISTRIBUTION';
export type PointValue = number | Distribution;

export interface Point {
  startMs: number;
  endMs: number;
  value: PointValue;
}

export interface LabelledObject {
  type: string;
  labels: Record<string, string>;
}

export interface SeriesHeader {
  metric: LabelledObject;
  resource: LabelledObject;
  metricKind: MetricKind;
  valueType: ValueType;
  unit: string;
}

export interface TimeSeries extends SeriesHeader {
  /** Newest first, as ListTimeSeries returns them. */
  points: Point[];
}

/** Identity of a series: metric and resource, types and labels. */
export function seriesKey(header: Pick<SeriesHeader, 'metric' | 'resource'>): string {
  return JSON.stringify([header.metric.type, sortedEntries(header.metric.labels), header.resource.type, sortedEntries(header.resource.labels)]);
}

function sortedEntries(labels: Record<string, string>): [string, string][] {
  return Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function newestFirst(points: Point[]): Point[] {
  return points.sort((a, b) => b.endMs - a.endMs);
}

/** Merges series with the same identity (from several sources or traffic segments). */
export function mergeSameSeries(series: readonly TimeSeries[]): TimeSeries[] {
  const byKey = new Map<string, TimeSeries>();
  for (const one of series) {
    const key = seriesKey(one);
    const known = byKey.get(key);
    if (known) known.points.push(...one.points);
    else byKey.set(key, { ...one, points: [...one.points] });
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, merged]) => ({ ...merged, points: newestFirst(merged.points) }));
}
