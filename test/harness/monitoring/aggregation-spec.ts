/**
 * The `aggregation` of a ListTimeSeries request, checked as Cloud Monitoring checks it, and the
 * kinds and value types that each aligner and reducer turns its input into.
 */
import { status } from '@grpc/grpc-js';
import { invalidArgument, RpcError } from '../logging/rpc-error.js';
import type { MetricKind, ValueType } from './series.js';
import type { ProtoDuration } from './time.js';
import { durationToMillis } from './time.js';

/** As decoded by proto-loader (keepCase, defaults, enums as names). */
export interface AggregationRequest {
  alignment_period: ProtoDuration | null;
  per_series_aligner: string;
  cross_series_reducer: string;
  group_by_fields: string[];
}

export type Aligner =
  | 'ALIGN_DELTA'
  | 'ALIGN_RATE'
  | 'ALIGN_SUM'
  | 'ALIGN_MEAN'
  | 'ALIGN_MIN'
  | 'ALIGN_MAX'
  | 'ALIGN_COUNT'
  | 'ALIGN_PERCENTILE_99'
  | 'ALIGN_PERCENTILE_95'
  | 'ALIGN_PERCENTILE_50'
  | 'ALIGN_PERCENTILE_05';

export type Reducer =
  | 'REDUCE_SUM'
  | 'REDUCE_COUNT'
  | 'REDUCE_MEAN'
  | 'REDUCE_MIN'
  | 'REDUCE_MAX'
  | 'REDUCE_PERCENTILE_99'
  | 'REDUCE_PERCENTILE_95'
  | 'REDUCE_PERCENTILE_50'
  | 'REDUCE_PERCENTILE_05';

export interface GroupField {
  object: 'metric' | 'resource';
  key: string;
}

export interface AggregationPlan {
  alignmentMs: number;
  aligner: Aligner;
  reducer?: Reducer;
  groupBy: GroupField[];
}

export interface SeriesType {
  metricKind: MetricKind;
  valueType: ValueType;
}

const ALIGNERS = new Set<string>(['ALIGN_DELTA', 'ALIGN_RATE', 'ALIGN_SUM', 'ALIGN_MEAN', 'ALIGN_MIN', 'ALIGN_MAX', 'ALIGN_COUNT', 'ALIGN_PERCENTILE_99', 'ALIGN_PERCENTILE_95', 'ALIGN_PERCENTILE_50', 'ALIGN_PERCENTILE_05']);
const REDUCERS = new Set<string>(['REDUCE_SUM', 'REDUCE_COUNT', 'REDUCE_MEAN', 'REDUCE_MIN', 'REDUCE_MAX', 'REDUCE_PERCENTILE_99', 'REDUCE_PERCENTILE_95', 'REDUCE_PERCENTILE_50', 'REDUCE_PERCENTILE_05']);
const GROUP_FIELD = /^(metric|resource)\.labels?\.([A-Za-z0-9_.-]+)$/;

/** Undefined when the request asks for raw points (no aggregation, or ALIGN_NONE without a reducer). */
export function planAggregation(aggregation: AggregationRequest | null, minAlignmentSeconds: number): AggregationPlan | undefined {
  if (!aggregation) return undefined;
  const { per_series_aligner: aligner, cross_series_reducer: reducer } = aggregation;
  if (aligner === 'ALIGN_NONE') {
    if (reducer === 'REDUCE_NONE') return undefined;
    throw invalidArgument(
      `Field aggregation.perSeriesAligner had an invalid value of "ALIGN_NONE": a per-series aligner other than ALIGN_NONE is required when aggregation.crossSeriesReducer is ${reducer}.`,
    );
  }
  if (!ALIGNERS.has(aligner)) throw unsupported(`aggregation.perSeriesAligner ${aligner}`);
  if (reducer !== 'REDUCE_NONE' && !REDUCERS.has(reducer)) throw unsupported(`aggregation.crossSeriesReducer ${reducer}`);
  return {
    alignmentMs: alignmentPeriodMs(aggregation.alignment_period, aligner, minAlignmentSeconds),
    aligner: aligner as Aligner,
    ...(reducer === 'REDUCE_NONE' ? {} : { reducer: reducer as Reducer }),
    groupBy: reducer === 'REDUCE_NONE' ? [] : aggregation.group_by_fields.map(parseGroupField),
  };
}

function alignmentPeriodMs(period: ProtoDuration | null, aligner: string, minAlignmentSeconds: number): number {
  if (!period || durationToMillis(period) === 0) {
    throw invalidArgument(`Field aggregation.alignmentPeriod is required when aggregation.perSeriesAligner is ${aligner}.`);
  }
  const ms = durationToMillis(period);
  if (ms < minAlignmentSeconds * 1000) {
    throw invalidArgument(
      `Field aggregation.alignmentPeriod had an invalid value of "${ms / 1000}s": the alignment period must be at least ${minAlignmentSeconds} seconds.`,
    );
  }
  return ms;
}

function parseGroupField(field: string, index: number): GroupField {
  const match = GROUP_FIELD.exec(field);
  if (!match) {
    throw invalidArgument(`Field aggregation.groupByFields[${index}] had an invalid value of "${field}": use metric.labels.KEY or resource.labels.KEY.`);
  }
  return { object: match[1] as GroupField['object'], key: match[2]! };
}

function unsupported(what: string): RpcError {
  return new RpcError(status.UNIMPLEMENTED, `${what} is not supported by the local Cloud Monitoring server`);
}

/** The kind and value type an aligner produces, or INVALID_ARGUMENT where Cloud Monitoring refuses it. */
export function alignedType(aligner: Aligner, input: SeriesType): SeriesType {
  const { metricKind, valueType } = input;
  const numeric = valueType !== 'DISTRIBUTION';
  const refuse = () =>
    invalidArgument(`Field aggregation.perSeriesAligner had an invalid value of "${aligner}": the aligner cannot be applied to metrics with kind ${metricKind} and value type ${valueType}.`);
  switch (aligner) {
    case 'ALIGN_DELTA':
      if (metricKind === 'GAUGE') throw refuse();
      return { metricKind: 'DELTA', valueType };
    case 'ALIGN_RATE':
      if (metricKind === 'GAUGE' || !numeric) throw refuse();
      return { metricKind: 'GAUGE', valueType: 'DOUBLE' };
    case 'ALIGN_SUM':
      if (metricKind === 'CUMULATIVE') throw refuse();
      return { metricKind, valueType };
    case 'ALIGN_MEAN':
      if (metricKind === 'CUMULATIVE') throw refuse();
      return { metricKind: 'GAUGE', valueType: 'DOUBLE' };
    case 'ALIGN_MIN':
    case 'ALIGN_MAX':
      if (metricKind === 'CUMULATIVE' || !numeric) throw refuse();
      return { metricKind: 'GAUGE', valueType };
    case 'ALIGN_COUNT':
      if (metricKind === 'CUMULATIVE') throw refuse();
      return { metricKind: 'GAUGE', valueType: 'INT64' };
    default:
      if (metricKind === 'CUMULATIVE' || numeric) throw refuse();
      return { metricKind: 'GAUGE', valueType: 'DOUBLE' };
  }
}

/** The kind and value type a cross-series reducer produces from aligned series. */
export function reducedType(reducer: Reducer, aligned: SeriesType): SeriesType {
  const numeric = aligned.valueType !== 'DISTRIBUTION';
  switch (reducer) {
    case 'REDUCE_SUM':
      return aligned;
    case 'REDUCE_COUNT':
      return { metricKind: aligned.metricKind, valueType: 'INT64' };
    case 'REDUCE_MEAN':
      return { metricKind: aligned.metricKind, valueType: 'DOUBLE' };
    case 'REDUCE_MIN':
    case 'REDUCE_MAX':
      if (!numeric) throw refuseReducer(reducer, aligned);
      return aligned;
    default:
      if (!numeric) throw refuseReducer(reducer, aligned);
      return { metricKind: aligned.metricKind, valueType: 'DOUBLE' };
  }
}

function refuseReducer(reducer: Reducer, aligned: SeriesType): RpcError {
  return invalidArgument(
    `Field aggregation.crossSeriesReducer had an invalid value of "${reducer}": the reducer cannot be applied to aligned values of type ${aligned.valueType}.`,
  );
}

/** 99 for ALIGN_PERCENTILE_99 / REDUCE_PERCENTILE_99, and so on. */
export function percentileOf(name: string): number | undefined {
  const match = /_PERCENTILE_(\d\d)$/.exec(name);
  return match ? Number(match[1]) : undefined;
}
