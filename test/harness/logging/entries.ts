/**
 * Log entries as tests write them (LogEntryInput), as the server keeps them (StoredLogEntry:
 * the API's JSON shape, which the filter evaluates) and as they go on the wire (the
 * snake_case protobuf shape that @grpc/proto-loader encodes with keepCase).
 */
import { formatDuration, formatTimestamp, parseDuration, parseTimestamp } from '../../../src/domain/logs/filter/timestamps.js';
import type { TimestampParts } from '../../../src/domain/logs/filter/timestamps.js';

/** The project that the server and the sample builders use unless told otherwise. */
export const DEFAULT_PROJECT_ID = 'meshbot-test';

export const SEVERITIES = ['DEFAULT', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface MonitoredResource {
  type: string;
  labels?: Record<string, string>;
}

export interface HttpRequestInput {
  requestMethod?: string;
  requestUrl?: string;
  requestSize?: number | string;
  status?: number;
  responseSize?: number | string;
  userAgent?: string;
  remoteIp?: string;
  serverIp?: string;
  referer?: string;
  /** Duration JSON ("0.25s") or seconds. */
  latency?: string | number;
  cacheLookup?: boolean;
  cacheHit?: boolean;
  cacheValidatedWithOriginServer?: boolean;
  cacheFillBytes?: number | string;
  protocol?: string;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface LogEntryInput {
  /** `projects/P/logs/LOG_ID` (LOG_ID URL-encoded, e.g. `run.googleapis.com%2Fstderr`). */
  logName: string;
  resource?: MonitoredResource;
  /** Defaults to the server's clock. */
  timestamp?: Date | string;
  /** Defaults to the timestamp. */
  receiveTimestamp?: Date | string;
  severity?: Severity;
  /** Generated when missing. */
  insertId?: string;
  labels?: Record<string, string>;
  httpRequest?: HttpRequestInput;
  jsonPayload?: JsonObject;
  textPayload?: string;
  trace?: string;
  spanId?: string;
  traceSampled?: boolean;
}

export interface StoredLogEntry {
  logName: string;
  resource: { type: string; labels: Record<string, string> };
  /** RFC 3339 UTC with nine fraction digits: string order is time order. */
  timestamp: string;
  receiveTimestamp: string;
  severity: Severity;
  insertId: string;
  labels: Record<string, string>;
  httpRequest?: Omit<HttpRequestInput, 'latency'> & { latency?: string };
  jsonPayload?: JsonObject;
  textPayload?: string;
  trace?: string;
  spanId?: string;
  traceSampled?: boolean;
}

export interface NormalizeContext {
  now: () => Date;
  nextInsertId: () => string;
}

const LOG_NAME = /^projects\/([^/]+)\/logs\/[^/]+$/;

export function projectOfLogName(logName: string): string | undefined {
  return LOG_NAME.exec(logName)?.[1];
}

/** Throws on inputs that Cloud Logging would refuse to store: a test bug, not a scenario. */
export function normalizeEntry(input: LogEntryInput, context: NormalizeContext): StoredLogEntry {
  if (!projectOfLogName(input.logName)) throw new Error(`logName must look like projects/P/logs/ID: ${input.logName}`);
  if (input.jsonPayload !== undefined && input.textPayload !== undefined) {
    throw new Error('a log entry has one payload: jsonPayload or textPayload, not both');
  }
  if (input.severity !== undefined && !SEVERITIES.includes(input.severity)) throw new Error(`unknown severity ${input.severity}`);
  const timestamp = requireTimestamp(input.timestamp ?? context.now(), 'timestamp');
  return withoutUndefined({
    logName: input.logName,
    resource: { type: input.resource?.type ?? 'global', labels: { ...input.resource?.labels } },
    timestamp,
    receiveTimestamp: input.receiveTimestamp === undefined ? timestamp : requireTimestamp(input.receiveTimestamp, 'receiveTimestamp'),
    severity: input.severity ?? 'DEFAULT',
    insertId: input.insertId ?? context.nextInsertId(),
    labels: { ...input.labels },
    httpRequest: input.httpRequest && normalizeHttpRequest(input.httpRequest),
    jsonPayload: input.jsonPayload && structuredClone(input.jsonPayload),
    textPayload: input.textPayload,
    trace: input.trace,
    spanId: input.spanId,
    traceSampled: input.traceSampled,
  });
}

function requireTimestamp(value: Date | string, field: string): string {
  const parts = value instanceof Date ? dateParts(value) : parseTimestamp(value);
  if (!parts) throw new Error(`invalid ${field}: ${String(value)}`);
  return formatTimestamp(parts);
}

function dateParts(date: Date): TimestampParts | undefined {
  const ms = date.getTime();
  if (Number.isNaN(ms)) return undefined;
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

function normalizeHttpRequest(input: HttpRequestInput): StoredLogEntry['httpRequest'] {
  const { latency, ...rest } = input;
  if (latency === undefined) return { ...rest };
  const parts = parseDuration(latency);
  if (!parts) throw new Error(`invalid httpRequest.latency: ${latency}`);
  return { ...rest, latency: formatDuration(parts) };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/** The google.logging.v2.LogEntry message in proto-loader's keepCase object form. */
export function toProtoLogEntry(entry: StoredLogEntry): Record<string, unknown> {
  return withoutUndefined({
    log_name: entry.logName,
    resource: entry.resource,
    timestamp: timestampMessage(entry.timestamp),
    receive_timestamp: timestampMessage(entry.receiveTimestamp),
    severity: entry.severity,
    insert_id: entry.insertId,
    labels: entry.labels,
    http_request: entry.httpRequest && httpRequestMessage(entry.httpRequest),
    json_payload: entry.jsonPayload && toStruct(entry.jsonPayload),
    text_payload: entry.textPayload,
    trace: entry.trace,
    span_id: entry.spanId,
    trace_sampled: entry.traceSampled,
  });
}

function timestampMessage(rfc3339: string): TimestampParts {
  return parseTimestamp(rfc3339)!;
}

function httpRequestMessage(request: NonNullable<StoredLogEntry['httpRequest']>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(request).map(([key, value]) => [camelToSnake(key), key === 'latency' ? parseDuration(value as string) : value]),
  );
}

function camelToSnake(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** google.protobuf.Struct for a plain JSON object. */
export function toStruct(object: JsonObject): { fields: Record<string, unknown> } {
  return { fields: Object.fromEntries(Object.entries(object).map(([key, value]) => [key, toStructValue(value)])) };
}

// camelCase despite keepCase: protobufjs serves struct.proto from its built-in, camelCase copy.
function toStructValue(value: JsonValue): Record<string, unknown> {
  if (value === null) return { nullValue: 'NULL_VALUE' };
  if (Array.isArray(value)) return { listValue: { values: value.map(toStructValue) } };
  switch (typeof value) {
    case 'number':
      return { numberValue: value };
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    default:
      return { structValue: toStruct(value) };
  }
}
