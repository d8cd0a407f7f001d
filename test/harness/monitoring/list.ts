/** ListTimeSeries semantics over the series sources, without any gRPC plumbing. */
import { status } from '@grpc/grpc-js';
import { invalidArgument, RpcError } from '../logging/rpc-error.js';
import { queryDigest } from '../page-token.js';
import { alignedType, planAggregation, reducedType } from './aggregation-spec.js';
import type { AggregationPlan, AggregationRequest, Reducer, SeriesType } from './aggregation-spec.js';
import { alignSeries } from './align.js';
import { compileTimeSeriesFilter, MetricTypeError } from './filter-match.js';
import type { CompiledFilter } from './filter-match.js';
import { MonitoringFilterError } from './filter-parser.js';
import { decodePageToken, effectivePageSize, encodePageToken, pageOfHeaders, pageOfPoints } from './paging.js';
import type { Page } from './paging.js';
import { reduceSeries } from './reduce.js';
import type { TimeSeries } from './series.js';
import { timestampToMillis } from './time.js';
import type { ProtoTimestamp } from './time.js';
import { toProtoSeries } from './wire.js';
import type { ProtoTimeSeries } from './wire.js';

/** As decoded by proto-loader (keepCase, defaults): absent strings are '', absent messages null. */
export interface ListTimeSeriesRequest {
  name: string;
  filter: string;
  interval: { start_time: ProtoTimestamp | null; end_time: ProtoTimestamp | null } | null;
  aggregation: AggregationRequest | null;
  secondary_aggregation: AggregationRequest | null;
  order_by: string;
  view: 'FULL' | 'HEADERS';
  page_size: number;
  page_token: string;
}

export interface ListTimeSeriesResponse {
  time_series: ProtoTimeSeries[];
  next_page_token: string;
  execution_errors: never[];
  unit: string;
}

export interface SeriesSource {
  /** Raw series of a metric type with the points whose end time lies in (fromMs, toMs]. */
  series(metricType: string, fromMs: number, toMs: number): TimeSeries[];
  /** The descriptor's kind and value type, when the type is known. */
  describe(metricType: string): SeriesType | undefined;
}

export interface ListContext {
  projectId: string;
  nowMs: number;
  minAlignmentSeconds: number;
  visibilityDelayMs: number;
  source: SeriesSource;
}

export function listTimeSeries(request: ListTimeSeriesRequest, context: ListContext): ListTimeSeriesResponse {
  checkName(request.name, context.projectId);
  const filter = compileFilter(request.filter);
  const descriptor = context.source.describe(filter.metricType);
  const interval = parseInterval(request.interval, descriptor);
  const plan = planAggregation(request.aggregation, context.minAlignmentSeconds);
  if (plan && descriptor) checkApplicable(plan, descriptor);
  checkUnsupportedFields(request);
  const pageSize = effectivePageSize(request.page_size);
  const digest = queryDigest([request.name, request.filter, request.interval, request.aggregation, request.view]);
  const cursor = request.page_token ? decodePageToken(request.page_token, digest) : { offset: 0, asOfMs: context.nowMs };

  const visibleToMs = Math.min(interval.endMs, cursor.asOfMs - context.visibilityDelayMs);
  const raw = context.source.series(filter.metricType, interval.startMs, visibleToMs).filter((series) => filter.matches(series));
  const results = aggregate(withPoints(raw), plan, interval.endMs);
  const page: Page = request.view === 'HEADERS' ? pageOfHeaders(results, cursor.offset, pageSize) : pageOfPoints(results, cursor.offset, pageSize);
  return {
    time_series: page.series.map(toProtoSeries),
    next_page_token: page.nextOffset === undefined ? '' : encodePageToken({ offset: page.nextOffset, asOfMs: cursor.asOfMs }, digest),
    execution_errors: [],
    unit: commonUnit(page.series),
  };
}

const PERMISSION_DENIED = 'Permission monitoring.timeSeries.list denied (or the resource may not exist).';

function checkName(name: string, projectId: string): void {
  const project = /^projects\/([^/]+)$/.exec(name)?.[1];
  if (project === projectId) return;
  if (project !== undefined || /^(organizations|folders)\/[^/]+$/.test(name)) throw new RpcError(status.PERMISSION_DENIED, PERMISSION_DENIED);
  throw invalidArgument(`Field name had an invalid value of "${name}": expected projects/[PROJECT_ID_OR_NUMBER].`);
}

function compileFilter(filter: string): CompiledFilter {
  if (filter.trim() === '') throw invalidArgument('Field filter is required: it must name a metric type (metric.type = "...").');
  try {
    return compileTimeSeriesFilter(filter);
  } catch (error) {
    if (error instanceof MonitoringFilterError || error instanceof MetricTypeError) {
      throw invalidArgument(`Field filter had an invalid value of "${filter}": ${error.message}.`);
    }
    throw error;
  }
}

interface Interval {
  /** Exclusive. Without a start time the interval is the instant end_time. */
  startMs: number;
  endMs: number;
}

function parseInterval(interval: ListTimeSeriesRequest['interval'], descriptor: SeriesType | undefined): Interval {
  if (!interval?.end_time) throw invalidArgument('Field interval.endTime is required.');
  const endMs = timestampToMillis(interval.end_time);
  if (!interval.start_time) {
    if (descriptor?.metricKind === 'DELTA') throw invalidArgument('Field interval.startTime is required for metrics of kind DELTA.');
    return { startMs: endMs - 1, endMs };
  }
  const startMs = timestampToMillis(interval.start_time);
  if (startMs > endMs) throw invalidArgument('Field interval.startTime had an invalid value: the start time must not be after the end time.');
  return { startMs, endMs };
}

function checkApplicable(plan: AggregationPlan, descriptor: SeriesType): void {
  const aligned = alignedType(plan.aligner, descriptor);
  if (plan.reducer) reducedType(plan.reducer, aligned);
}

function checkUnsupportedFields(request: ListTimeSeriesRequest): void {
  if (request.order_by !== '') throw invalidArgument('Field orderBy is unsupported and must be left blank.');
  const secondary = request.secondary_aggregation;
  if (secondary && (secondary.per_series_aligner !== 'ALIGN_NONE' || secondary.cross_series_reducer !== 'REDUCE_NONE')) {
    throw new RpcError(status.UNIMPLEMENTED, 'secondaryAggregation is not supported by the local Cloud Monitoring server');
  }
}

function aggregate(raw: TimeSeries[], plan: AggregationPlan | undefined, intervalEndMs: number): TimeSeries[] {
  if (!plan) return raw;
  const aligned = withPoints(raw.map((series) => alignSeries(series, plan, intervalEndMs)));
  return plan.reducer ? withPoints(reduceSeries(aligned, plan as AggregationPlan & { reducer: Reducer })) : aligned;
}

// Only series with data in the interval are listed, in either view.
function withPoints(series: TimeSeries[]): TimeSeries[] {
  return series.filter((one) => one.points.length > 0);
}

function commonUnit(series: readonly TimeSeries[]): string {
  const units = new Set(series.map((one) => one.unit));
  if (units.size === 0) return '';
  return units.size === 1 ? [...units][0]! : '{not_a_unit}';
}
