import type { ClassifiableEntry } from '../logs/log-entry.js';

/**
 * Something the project's one log watch reads entries for: a running bake (its operation) or a
 * migration's sentinel (control-plane errors outside bakes). Stored in Redis by whoever starts
 * it, read by the watcher, so any worker may hold the watch.
 */
export interface WatchSubject {
  /** `bake:<operationId>` or `sentinel:<migration>`: also names the subject's stream. */
  readonly id: string;
  readonly kind: 'bake' | 'sentinel';
  readonly migration: string;
  readonly from: string;
  readonly to: string;
  /** The migration's extra Cloud Logging filter (`logFilter`), ANDed to its own. */
  readonly extra?: string | undefined;
  /** Entries from here on belong to the subject (a bake's start or resume point). */
  readonly since: string;
  /** After this the watcher forgets the subject even if nobody removed it (a bake whose worker died at its end). */
  readonly until: string;
}

export const bakeSubjectId = (operationId: string): string => `bake:${operationId}`;
export const sentinelSubjectId = (migration: string): string => `sentinel:${migration}`;

const ACCESS_LOG_NAME = /(server|client)-accesslog-stackdriver$/;
const SIDECAR_LOG_NAME = /envoy_sidecar_log$/;
/** Lower-cased: Cloud Logging's `:` is a case-insensitive substring test. */
const PROJECT_WIDE_MARKERS = ['trafficdirector.googleapis.com', 'certificate_verify_failed', 'grpc config for type.googleapis.com'];

/**
 * Whether an entry names one of the hosts the way migrationLogFilter selects it: an istio-proxy
 * access log whose upstream cluster contains the host or whose authority is the host, or a CSM
 * traffic log whose destination host is the host or whose upstream cluster contains it.
 */
export function namesHost(entry: ClassifiableEntry, hosts: readonly string[]): boolean {
  const resource = entry.resource;
  if (resource?.type === 'k8s_container' && resource.labels?.['container_name'] === 'istio-proxy') {
    const json = entry.jsonPayload;
    const cluster = lowered(json?.['upstream_cluster']);
    const authority = json?.['authority'];
    if (hosts.some((host) => authority === host || (cluster !== undefined && cluster.includes(host.toLowerCase())))) return true;
  }
  if (entry.logName !== undefined && ACCESS_LOG_NAME.test(entry.logName)) {
    const labels = entry.labels;
    const cluster = lowered(labels?.['upstream_cluster']);
    if (hosts.some((host) => labels?.['destination_service_host'] === host || (cluster !== undefined && cluster.includes(host.toLowerCase())))) return true;
  }
  return false;
}

/**
 * Entries every migration of the project reads, because they do not say which host they are
 * about: Cloud Run's Envoy sidecar log and Traffic Director / xDS / TLS messages.
 */
export function isProjectWide(entry: ClassifiableEntry): boolean {
  if (entry.resource?.type === 'cloud_run_revision' && entry.logName !== undefined && SIDECAR_LOG_NAME.test(entry.logName)) return true;
  const text = entry.textPayload;
  if (typeof text !== 'string') return false;
  const lower = text.toLowerCase();
  return PROJECT_WIDE_MARKERS.some((marker) => lower.includes(marker));
}

/** Lower-cased once per entry and field, not once per host it is compared with. */
function lowered(value: unknown): string | undefined {
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}
