import { ERROR_CLASSES, type ErrorClassId } from './error-classes.js';
import type { ClassifiableEntry } from './log-entry.js';
import { denialFacts, type RemedyFacts } from './remedy-facts.js';

/**
 * What one log entry says about a migration: an error of a known class (with a one-line
 * sample for people, and what its remedy can fill in from the entry), a successful request
 * (for error rates), or nothing of interest.
 */
export type Classification =
  | { readonly kind: 'error'; readonly classId: ErrorClassId; readonly sample: string; readonly facts?: RemedyFacts | undefined }
  | { readonly kind: 'success' }
  | { readonly kind: 'ignored' };

/** Samples are at most this long (one line, under 300 characters). */
export const SAMPLE_MAX_LENGTH = 299;

const SUCCESS: Classification = Object.freeze({ kind: 'success' });
const IGNORED: Classification = Object.freeze({ kind: 'ignored' });

/* ------------------------------------------------------------------- lookups, built once */

const NO_FLAG = -1;
/** Envoy response flag → index in ERROR_CLASSES (the precedence: lower wins). */
const FLAG_RANK: ReadonlyMap<string, number> = new Map(ERROR_CLASSES.flatMap((c, rank) => c.flags.map((flag) => [flag, rank] as const)));
const CLASS_AT: readonly ErrorClassId[] = ERROR_CLASSES.map((c) => c.id);
/** Flags whose cause may be a failed TLS handshake, told by the failure reason / details. */
const TLS_REFINABLE: ReadonlySet<ErrorClassId> = new Set<ErrorClassId>(['upstream-connect-failure', 'upstream-reset', 'retry-limit', 'http-5xx']);

const TLS_MARKERS = ['CERTIFICATE_VERIFY_FAILED', 'TLS_error', 'TLS error', 'SSL routines', 'SSL_routines', 'TLSV1_ALERT', 'WRONG_VERSION_NUMBER'] as const;
const RBAC_DENIED = 'rbac_access_denied';

/** `StreamAggregatedResources gRPC config stream to trafficdirector.googleapis.com:443 closed: 7, …` (also the Delta variant). */
const XDS_STREAM = 'gRPC config stream';
const XDS_CLOSED = 'closed: ';
const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNAVAILABLE = 14;
const TD_PERMISSION = "Permission 'trafficdirector.";
const DENIED = ' denied';
/** `gRPC config for type.googleapis.com/… rejected: …` (SotW) and `delta config for type.googleapis.com/… rejected: …`. */
const XDS_NACK = 'config for type.googleapis.com/';
const REJECTED = ' rejected';

/** Envoy's / Istio's default TEXT access log: `[START] "METHOD PATH PROTO" CODE FLAGS DETAILS TERMINATION "TRANSPORT_FAILURE" …`. */
const TEXT_ACCESS_LOG = /^\[[^\]]*\] "[^"]*" (\d{1,3}) (\S+)(?: (\S+))?(?: \S+ "([^"]*)")?/;
const WHITESPACE = /\s+/g;
/** Cheap test (no allocation) before the replace: a line break, tab or double space. */
const NEEDS_COLLAPSE = /[^\S ]| {2}/;

/* --------------------------------------------------------------------------- classifier */

/**
 * Classifies one Envoy sidecar entry. Pure and allocation-free for successes and ignored
 * entries. Recognises:
 * - access logs: GKE istio-proxy JSON (`response_code`, `response_flags`), Cloud Run sidecar
 *   JSON (`response_flags`), CSM traffic logs (`labels.response_flag` + `httpRequest.status`),
 *   and Envoy's default text access log line;
 * - control-plane and TLS messages in textPayload (or jsonPayload.message), by substring.
 *
 * An access log with status < 400 and no error flag is a success; `closed: 13` and anything
 * unrecognised are ignored.
 */
export function classifyEntry(entry: ClassifiableEntry): Classification {
  const json = entry.jsonPayload;
  if (json != null) {
    const code = json['response_code'];
    const flags = json['response_flags'];
    if (code != null || flags != null) return classifyJsonAccessLog(entry, json, code, flags);
  }
  const labels = entry.labels;
  if (labels != null) {
    const flag = labels['response_flag'];
    if (typeof flag === 'string') return classifyCsmTrafficLog(entry, labels, flag);
  }
  const text = entry.textPayload;
  if (typeof text === 'string') return classifyText(entry, text);
  if (json != null) {
    const message = json['message'];
    if (typeof message === 'string') return classifyText(entry, message);
  }
  return IGNORED;
}

function classifyJsonAccessLog(entry: ClassifiableEntry, json: Readonly<Record<string, unknown>>, code: unknown, rawFlags: unknown): Classification {
  const status = toStatus(code);
  const flags = typeof rawFlags === 'string' ? rawFlags : '-';
  const details = stringField(json, 'response_code_details');
  const outcome = accessOutcome(status, flags, details, stringField(json, 'upstream_transport_failure_reason'), stringField(json, 'connection_termination_details'));
  if (typeof outcome !== 'string') return outcome;
  const upstream = stringField(json, 'upstream_cluster') ?? stringField(json, 'upstream_host');
  const target = joinDefined(stringField(json, 'authority'), stringField(json, 'path'));
  return errorOf(outcome, accessSample(entry, status, flags, stringField(json, 'method'), target, upstream, details));
}

function classifyCsmTrafficLog(entry: ClassifiableEntry, labels: Readonly<Record<string, string>>, flag: string): Classification {
  const request = entry.httpRequest;
  const status = toStatus(request?.status);
  const details = labels['response_details'];
  const outcome = accessOutcome(status, flag, details, labels['upstream_transport_failure_reason'], undefined);
  if (typeof outcome !== 'string') return outcome;
  const target = request?.requestUrl ?? labels['destination_service_host'];
  return errorOf(outcome, accessSample(entry, status, flag, request?.requestMethod, target, labels['upstream_cluster'], details));
}

function classifyText(entry: ClassifiableEntry, text: string): Classification {
  const outcome = textOutcome(text);
  if (outcome === undefined) return IGNORED;
  if (typeof outcome !== 'string') return outcome;
  const sample = withOrigin(entry, stripEnvoyPrefix(text));
  if (outcome === 'td-permission-denied') return { kind: 'error', classId: outcome, sample, facts: denialFacts(entry, text) };
  return errorOf(outcome, sample);
}

function textOutcome(text: string): ErrorClassId | Classification | undefined {
  const stream = text.indexOf(XDS_STREAM);
  if (stream >= 0) {
    const closed = text.indexOf(XDS_CLOSED, stream);
    if (closed >= 0) {
      const code = grpcCodeAt(text, closed + XDS_CLOSED.length);
      if (code === GRPC_PERMISSION_DENIED) return 'td-permission-denied';
      if (code === GRPC_UNAVAILABLE) return 'xds-unavailable';
      // 13 (the routine reconnect) and any other code: never an error, whatever else the line says.
      return undefined;
    }
  }
  if (text.includes(TD_PERMISSION) && text.includes(DENIED)) return 'td-permission-denied';
  if (text.includes(XDS_NACK) && text.includes(REJECTED)) return 'xds-nack';
  if (hasTlsMarker(text)) return 'tls-error';
  return textAccessLogOutcome(text);
}

/** Envoy's default text access log, as a Cloud Run or GKE sidecar with TEXT encoding writes it. */
function textAccessLogOutcome(text: string): ErrorClassId | Classification | undefined {
  if (text.charCodeAt(0) !== 91 /* [ */) return undefined;
  const close = text.indexOf(']');
  if (text.charCodeAt(close + 1) !== 32 /* space */ || text.charCodeAt(close + 2) !== 34 /* " */) return undefined;
  const match = TEXT_ACCESS_LOG.exec(text);
  if (match === null) return undefined;
  const details = match[3] === '-' ? undefined : match[3];
  return accessOutcome(Number(match[1]), match[2] ?? '-', details, match[4], undefined);
}

/**
 * The heart of access-log classification, shared by every shape: the highest-precedence known
 * flag wins (refined to tls-error when the failure reason is a TLS one); without one, 5xx is
 * http-5xx, 403 with rbac_access_denied is rbac-denied, 1xx–3xx is a success; the rest (other
 * 4xx: the application's answer; no status) is ignored.
 */
function accessOutcome(status: number, flags: string, details: string | undefined, transportFailure: string | undefined, termination: string | undefined): ErrorClassId | Classification {
  const rank = flagRank(flags);
  let id: ErrorClassId;
  if (rank !== NO_FLAG) id = CLASS_AT[rank]!;
  else if (status >= 500 && status < 600) id = 'http-5xx';
  else if (status >= 100 && status < 400) return SUCCESS;
  else if ((status === 403 || status === 0) && (details?.includes(RBAC_DENIED) === true || termination?.includes(RBAC_DENIED) === true)) return 'rbac-denied';
  else return IGNORED;
  if (TLS_REFINABLE.has(id) && (hasTlsMarker(transportFailure) || hasTlsMarker(details))) return 'tls-error';
  return id;
}

/** Index of the winning known flag in `UF,URX`-style lists; NO_FLAG for `-`, empty or unknown flags. */
function flagRank(flags: string): number {
  if (flags === '-' || flags.length === 0) return NO_FLAG;
  const single = FLAG_RANK.get(flags);
  if (single !== undefined) return single;
  if (!flags.includes(',')) return NO_FLAG;
  let best = NO_FLAG;
  let start = 0;
  while (start < flags.length) {
    let end = flags.indexOf(',', start);
    if (end < 0) end = flags.length;
    const rank = FLAG_RANK.get(flags.slice(start, end).trim());
    if (rank !== undefined && (best === NO_FLAG || rank < best)) best = rank;
    start = end + 1;
  }
  return best;
}

function hasTlsMarker(text: string | undefined): boolean {
  if (text === undefined) return false;
  for (const marker of TLS_MARKERS) if (text.includes(marker)) return true;
  return false;
}

/** The one- or two-digit gRPC status code at `at`, or -1. */
function grpcCodeAt(text: string, at: number): number {
  const first = text.charCodeAt(at) - 48;
  if (!(first >= 0 && first <= 9)) return -1;
  const second = text.charCodeAt(at + 1) - 48;
  return second >= 0 && second <= 9 ? first * 10 + second : first;
}

function toStatus(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : 0;
  if (typeof value === 'string' && value.length > 0) {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : 0;
  }
  return 0;
}

function stringField(json: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = json[key];
  return typeof value === 'string' && value.length > 0 && value !== '-' ? value : undefined;
}

/* ------------------------------------------------------------------------------ samples */

function errorOf(classId: ErrorClassId, sample: string): Classification {
  return { kind: 'error', classId, sample };
}

/** `frontend-7d9f…: 503 UH GET cr-gcpbackend.com/ → outbound|443||cr-gcpbackend.com (no_healthy_upstream)`. */
function accessSample(entry: ClassifiableEntry, status: number, flags: string, method: string | undefined, target: string | undefined, upstream: string | undefined, details: string | undefined): string {
  let line = `${status} ${flags}`;
  if (method !== undefined) line += ` ${method}`;
  if (target !== undefined) line += ` ${target}`;
  if (upstream !== undefined) line += ` → ${upstream}`;
  if (details !== undefined && details !== '-') line += ` (${details})`;
  return withOrigin(entry, line);
}

/** Prefixes the Cloud Run service or pod the entry comes from, and makes it one line under 300 characters. */
function withOrigin(entry: ClassifiableEntry, message: string): string {
  const labels = entry.resource?.labels;
  const origin = labels?.['service_name'] ?? labels?.['pod_name'];
  return oneLine(origin ? `${origin}: ${message}` : message);
}

/** Drops Envoy's `[time][thread][level][logger] [file:line] ` prefix. */
function stripEnvoyPrefix(text: string): string {
  let at = 0;
  for (let groups = 0; groups < 6; groups++) {
    while (text.charCodeAt(at) === 32) at++;
    if (text.charCodeAt(at) !== 91 /* [ */) break;
    const close = text.indexOf(']', at);
    if (close < 0) break;
    at = close + 1;
  }
  const rest = text.slice(at).trim();
  return rest.length > 0 ? rest : text;
}

function oneLine(text: string): string {
  const line = (NEEDS_COLLAPSE.test(text) ? text.replace(WHITESPACE, ' ') : text).trim();
  if (line.length <= SAMPLE_MAX_LENGTH) return line;
  let cut = SAMPLE_MAX_LENGTH - 1;
  const last = line.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--; // do not split a surrogate pair
  return `${line.slice(0, cut)}…`;
}

function joinDefined(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : a + b;
}
