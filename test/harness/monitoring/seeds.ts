/** Raw series that tests write directly, next to (or instead of) the traffic model. */
import { ISTIO_LATENCY_BOUNDS } from './distribution.js';
import type { Distribution } from './distribution.js';
import { ISTIO_METRICS, POD_RESOURCE_TYPE } from './metrics.js';
import { mergeSameSeries } from './series.js';
import type { MetricKind, Point, TimeSeries, ValueType } from './series.js';
import { toMillis } from './time.js';

export interface DistributionInput {
  /** bounds.length + 1 counts or fewer (missing trailing buckets are empty). */
  bucketCounts: number[];
  /** Explicit bucket bounds; default Istio's 0, 1, 2, 4 … 2^19 ms. */
  bounds?: number[];
  /** Default: bucket midpoints weighted by their counts. */
  mean?: number;
}

export interface SeedPoint {
  /** Default for DELTA: endTime minus the sample period; for GAUGE: endTime. */
  startTime?: Date | number | string;
  endTime: Date | number | string;
  value: number | DistributionInput;
}

export interface SeedSeries {
  metricType: string;
  metricLabels?: Record<string, string>;
  /** Default 'k8s_pod'. */
  resourceType?: string;
  /** project_id defaults to the server's project. */
  resourceLabels?: Record<string, string>;
  /** Defaults from the Istio descriptors for their types, else GAUGE and INT64/DOUBLE/DISTRIBUTION by value. */
  metricKind?: MetricKind;
  valueType?: ValueType;
  unit?: string;
  points: SeedPoint[];
}

export class SeedStore {
  private stored: TimeSeries[] = [];

  constructor(
    private readonly projectId: string,
    private readonly samplePeriodMs: number,
  ) {}

  add(seeds: readonly SeedSeries[]): void {
    this.stored = mergeSameSeries([...this.stored, ...seeds.map((seed) => this.normalize(seed))]);
  }

  clear(): void {
    this.stored = [];
  }

  /** The metric kind the store knows for a type, if any series of it was seeded. */
  kindOf(metricType: string): MetricKind | undefined {
    return this.stored.find((series) => series.metric.type === metricType)?.metricKind;
  }

  valueTypeOf(metricType: string): ValueType | undefined {
    return this.stored.find((series) => series.metric.type === metricType)?.valueType;
  }

  series(metricType: string, fromMs: number, toMs: number): TimeSeries[] {
    return this.stored
      .filter((series) => series.metric.type === metricType)
      .map((series) => ({ ...series, points: series.points.filter((point) => point.endMs > fromMs && point.endMs <= toMs) }));
  }

  private normalize(seed: SeedSeries): TimeSeries {
    const descriptor = ISTIO_METRICS[seed.metricType];
    const firstValue = seed.points[0]?.value;
    const valueType = seed.valueType ?? descriptor?.valueType ?? inferValueType(firstValue);
    const metricKind = seed.metricKind ?? descriptor?.metricKind ?? 'GAUGE';
    return {
      metric: { type: seed.metricType, labels: { ...seed.metricLabels } },
      resource: { type: seed.resourceType ?? POD_RESOURCE_TYPE, labels: { project_id: this.projectId, ...seed.resourceLabels } },
      metricKind,
      valueType,
      unit: seed.unit ?? descriptor?.unit ?? '',
      points: seed.points.map((point) => this.normalizePoint(point, metricKind, valueType)),
    };
  }

  private normalizePoint(point: SeedPoint, kind: MetricKind, valueType: ValueType): Point {
    const endMs = toMillis(point.endTime);
    const defaultStart = kind === 'GAUGE' ? endMs : endMs - this.samplePeriodMs;
    const startMs = point.startTime === undefined ? defaultStart : toMillis(point.startTime);
    if (startMs > endMs) throw new Error('a point must not start after it ends');
    const { value } = point;
    if ((valueType === 'DISTRIBUTION') !== (typeof value === 'object')) throw new Error(`a ${valueType} series needs ${valueType === 'DISTRIBUTION' ? 'distribution' : 'numeric'} values`);
    return { startMs, endMs, value: typeof value === 'number' ? value : toDistribution(value) };
  }
}

function inferValueType(value: SeedPoint['value'] | undefined): ValueType {
  if (typeof value === 'object') return 'DISTRIBUTION';
  return value !== undefined && !Number.isInteger(value) ? 'DOUBLE' : 'INT64';
}

function toDistribution(input: DistributionInput): Distribution {
  const bounds = input.bounds ?? ISTIO_LATENCY_BOUNDS;
  if (input.bucketCounts.length > bounds.length + 1) throw new Error(`at most ${bounds.length + 1} bucket counts for ${bounds.length} bounds`);
  const bucketCounts = Array.from({ length: bounds.length + 1 }, (_, index) => input.bucketCounts[index] ?? 0);
  const count = bucketCounts.reduce((sum, one) => sum + one, 0);
  return { count, mean: input.mean ?? midpointMean(bounds, bucketCounts, count), bounds, bucketCounts };
}

function midpointMean(bounds: readonly number[], bucketCounts: readonly number[], count: number): number {
  if (count === 0) return 0;
  const weighted = bucketCounts.reduce((sum, inBucket, index) => {
    const lower = index === 0 ? (bounds[0] ?? 0) : bounds[index - 1]!;
    const upper = index < bounds.length ? bounds[index]! : lower;
    return sum + inBucket * ((lower + upper) / 2);
  }, 0);
  return weighted / count;
}
