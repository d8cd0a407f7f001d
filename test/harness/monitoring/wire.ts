/** TimeSeries in the proto-loader shape of google.monitoring.v3.TimeSeries (snake_case, oneof by field). */
import type { Distribution } from './distribution.js';
import type { Point, TimeSeries } from './series.js';
import { millisToTimestamp } from './time.js';
import type { ProtoTimestamp } from './time.js';

export interface ProtoTimeSeries {
  metric: { type: string; labels: Record<string, string> };
  resource: { type: string; labels: Record<string, string> };
  metric_kind: string;
  value_type: string;
  points: ProtoPoint[];
  unit: string;
}

export interface ProtoPoint {
  interval: { start_time: ProtoTimestamp; end_time: ProtoTimestamp };
  value: { int64_value: number } | { double_value: number } | { distribution_value: ProtoDistribution };
}

export interface ProtoDistribution {
  count: number;
  mean: number;
  sum_of_squared_deviation: number;
  bucket_options: { explicit_buckets: { bounds: number[] } };
  bucket_counts: number[];
}

export function toProtoSeries(series: TimeSeries): ProtoTimeSeries {
  return {
    metric: { type: series.metric.type, labels: { ...series.metric.labels } },
    resource: { type: series.resource.type, labels: { ...series.resource.labels } },
    metric_kind: series.metricKind,
    value_type: series.valueType,
    points: series.points.map((point) => toProtoPoint(point, series.valueType)),
    unit: series.unit,
  };
}

function toProtoPoint(point: Point, valueType: TimeSeries['valueType']): ProtoPoint {
  const interval = { start_time: millisToTimestamp(point.startMs), end_time: millisToTimestamp(point.endMs) };
  if (typeof point.value !== 'number') return { interval, value: { distribution_value: toProtoDistribution(point.value) } };
  return { interval, value: valueType === 'INT64' ? { int64_value: point.value } : { double_value: point.value } };
}

// Cloud Monitoring leaves out trailing empty buckets; readers must treat missing ones as 0.
function toProtoDistribution(distribution: Distribution): ProtoDistribution {
  const counts = [...distribution.bucketCounts];
  while (counts.length > 0 && counts.at(-1) === 0) counts.pop();
  return {
    count: distribution.count,
    mean: distribution.mean,
    sum_of_squared_deviation: 0,
    bucket_options: { explicit_buckets: { bounds: [...distribution.bounds] } },
    bucket_counts: counts,
  };
}
