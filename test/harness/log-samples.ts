/**
 * Builders of log entries shaped like the ones Envoy sidecars leave in Cloud Logging (see
 * /work/shared/reference/DOMAIN.md). Every builder takes overrides; each entry gets a fresh
 * insertId and, unless given one, the timestamp `now` (default: the current time).
 */
import { DEFAULT_PROJECT_ID } from './logging/entries.js';
import type { HttpRequestInput, JsonObject, LogEntryInput, Severity } from './logging/entries.js';

export { DEFAULT_PROJECT_ID } from './logging/entries.js';

export interface SampleOptions {
  projectId?: string;
  /** The clock reading; used as the timestamp unless `timestamp` is given. */
  now?: Date;
  timestamp?: Date | string;
  insertId?: string;
  severity?: Severity;
  labels?: Record<string, string>;
}

export interface GkeWorkloadOptions {
  cluster?: string;
  location?: string;
  namespace?: string;
  podName?: string;
  /** The `app` label of the pod that sends the traffic. */
  app?: string;
}

let insertIdSequence = 0;

/** Unique in this process; zero-padded so that insertId order is creation order. */
export function nextSampleInsertId(prefix = 'sample'): string {
  insertIdSequence++;
  return `${prefix}-${String(insertIdSequence).padStart(8, '0')}`;
}

export function logNameOf(projectId: string, logId: string): string {
  return `projects/${projectId}/logs/${encodeURIComponent(logId)}`;
}

function timestampOf(options: SampleOptions): Date | string {
  return options.timestamp ?? options.now ?? new Date();
}

function gkeWorkload(options: GkeWorkloadOptions): Required<GkeWorkloadOptions> {
  const app = options.app ?? 'frontend';
  return {
    cluster: options.cluster ?? 'mesh-cluster',
    location: options.location ?? 'us-central1',
    namespace: options.namespace ?? 'default',
    podName: options.podName ?? `${app}-7d9f8c6b5-x2k4p`,
    app,
  };
}

/* ------------------------------------------------------------------ Envoy access logs (GKE) */

interface ResponseShape {
  code: number;
  details: string;
}

/** What Envoy usually reports with each response flag, so that a flag alone gives a realistic entry. */
export const RESPONSE_FLAG_DEFAULTS: Readonly<Record<string, ResponseShape>> = {
  '-': { code: 200, details: 'via_upstream' },
  UH: { code: 503, details: 'no_healthy_upstream' },
  UF: { code: 503, details: 'upstream_reset_before_response_started{connection_failure}' },
  URX: { code: 503, details: 'upstream_reset_before_response_started{connection_failure}' },
  UO: { code: 503, details: 'upstream_reset_before_response_started{overflow}' },
  UR: { code: 503, details: 'upstream_reset_before_response_started{remote_reset}' },
  UC: { code: 503, details: 'upstream_reset_before_response_started{connection_termination}' },
  LR: { code: 503, details: 'upstream_reset_before_response_started{local_reset}' },
  UT: { code: 504, details: 'response_timeout' },
  NR: { code: 404, details: 'route_not_found' },
  DC: { code: 0, details: 'downstream_remote_disconnect' },
  UAEX: { code: 403, details: 'ext_authz_denied' },
};

const RBAC_DENIED_DETAILS = 'rbac_access_denied_matched_policy[none]';

function responseShape(flags: string, code: number | undefined, details: string | undefined): ResponseShape {
  const byFlag = RESPONSE_FLAG_DEFAULTS[flags.split(',')[0]!] ?? RESPONSE_FLAG_DEFAULTS['-']!;
  const finalCode = code ?? byFlag.code;
  if (details !== undefined) return { code: finalCode, details };
  if (flags === '-' && finalCode === 403) return { code: finalCode, details: RBAC_DENIED_DETAILS };
  return { code: finalCode, details: byFlag.details };
}

export interface IstioProxyAccessLogOptions extends SampleOptions, GkeWorkloadOptions {
  /** `IP:PORT` of the chosen endpoint; '-' when none was chosen (e.g. UH, NR). */
  upstreamHost?: string;
  upstreamCluster?: string;
  authority?: string;
  path?: string;
  method?: string;
  /** Default from the flag: 200 for '-', 503 for UH/UF/…, 504 for UT, 404 for NR. */
  responseCode?: number;
  /** Envoy's RESPONSE_FLAGS: '-' (none), 'UH', 'UF', 'URX', 'NR', 'UT', 'UO', 'DC', 'UAEX'… */
  responseFlags?: string;
  /** Default from the flag; a 403 without flags gets `rbac_access_denied_matched_policy[none]`. */
  responseCodeDetails?: string;
  durationMs?: number;
  requestId?: string;
  /** Extra or replacing jsonPayload fields. */
  payload?: JsonObject;
}

/**
 * An Envoy access log line of a GKE sidecar as Cloud Logging stores it: stdout of the
 * `istio-proxy` container, parsed into jsonPayload. Severity is INFO whatever the status,
 * because the agent takes stdout as INFO.
 */
export function istioProxyAccessLog(options: IstioProxyAccessLogOptions = {}): LogEntryInput {
  const projectId = options.projectId ?? DEFAULT_PROJECT_ID;
  const workload = gkeWorkload(options);
  const flags = options.responseFlags ?? '-';
  const response = responseShape(flags, options.responseCode, options.responseCodeDetails);
  const authority = options.authority ?? 'cr-gcpbackend.com';
  const timestamp = timestampOf(options);
  const durationMs = options.durationMs ?? 12;
  const noUpstream = ['UH', 'NR', 'UAEX', 'DC'].includes(flags) || response.details === RBAC_DENIED_DETAILS;
  return {
    logName: logNameOf(projectId, 'stdout'),
    resource: {
      type: 'k8s_container',
      labels: {
        project_id: projectId,
        location: workload.location,
        cluster_name: workload.cluster,
        namespace_name: workload.namespace,
        pod_name: workload.podName,
        container_name: 'istio-proxy',
      },
    },
    timestamp,
    severity: options.severity ?? 'INFO',
    insertId: options.insertId ?? nextSampleInsertId('istio'),
    labels: {
      'compute.googleapis.com/resource_name': `gke-${workload.cluster}-default-pool-1a2b3c4d-9xkq`,
      'k8s-pod/app': workload.app,
      'k8s-pod/service_istio_io/canonical-name': workload.app,
      'k8s-pod/security_istio_io/tlsMode': 'istio',
      ...options.labels,
    },
    jsonPayload: {
      start_time: new Date(timestamp).toISOString(),
      method: options.method ?? 'GET',
      path: options.path ?? '/',
      protocol: 'HTTP/1.1',
      response_code: response.code,
      response_flags: flags,
      response_code_details: response.details,
      connection_termination_details: null,
      upstream_transport_failure_reason: null,
      bytes_received: 0,
      bytes_sent: response.code === 200 ? 1532 : 19,
      duration: durationMs,
      upstream_service_time: noUpstream ? null : String(Math.max(durationMs - 1, 0)),
      x_forwarded_for: null,
      user_agent: 'curl/8.5.0',
      request_id: options.requestId ?? crypto.randomUUID(),
      authority,
      upstream_host: options.upstreamHost ?? (noUpstream ? null : '34.149.12.7:443'),
      upstream_cluster: options.upstreamCluster ?? `outbound|443||${authority}`,
      upstream_local_address: noUpstream ? null : '10.8.0.14:52344',
      downstream_local_address: '34.149.12.7:443',
      downstream_remote_address: '10.8.0.14:41790',
      requested_server_name: null,
      route_name: flags === 'NR' ? null : 'default',
      ...options.payload,
    },
  };
}

/* --------------------------------------------------------- Cloud Service Mesh traffic logs */

export interface CsmTrafficLogOptions extends SampleOptions, GkeWorkloadOptions {
  /** client: outbound, `client-accesslog-stackdriver` on k8s_pod; server: inbound, `server-accesslog-stackdriver` on k8s_container. */
  kind?: 'client' | 'server';
  destinationServiceHost?: string;
  /** Envoy response flag, '-' for none. */
  responseFlag?: string;
  /** HTTP status; default from the flag. */
  status?: number;
  /** Seconds, or Duration JSON like "0.012s". */
  latency?: number | string;
  upstreamHost?: string;
  upstreamCluster?: string;
  sourceWorkload?: string;
  destinationWorkload?: string;
  path?: string;
  method?: string;
  /** Extra or replacing httpRequest fields. */
  httpRequest?: HttpRequestInput;
}

/**
 * A Cloud Service Mesh (Istio Stackdriver) access log. Labels carry the mesh view; severity
 * is ERROR when status ≥ 400 or a response flag is set, as the Istio Stackdriver logger does.
 */
export function csmTrafficLog(options: CsmTrafficLogOptions = {}): LogEntryInput {
  const projectId = options.projectId ?? DEFAULT_PROJECT_ID;
  const workload = gkeWorkload(options);
  const kind = options.kind ?? 'client';
  const flag = options.responseFlag ?? '-';
  const response = responseShape(flag, options.status, undefined);
  const host = options.destinationServiceHost ?? 'cr-gcpbackend.com';
  const sourceWorkload = options.sourceWorkload ?? workload.app;
  const destinationWorkload = options.destinationWorkload ?? host.split('.')[0]!;
  const path = options.path ?? '/';
  const upstreamHost = options.upstreamHost ?? (['UH', 'NR'].includes(flag) ? undefined : '34.149.12.7:443');
  const resourceLabels = {
    project_id: projectId,
    location: workload.location,
    cluster_name: workload.cluster,
    namespace_name: workload.namespace,
    pod_name: workload.podName,
  };
  return {
    logName: logNameOf(projectId, `${kind}-accesslog-stackdriver`),
    resource: kind === 'client' ? { type: 'k8s_pod', labels: resourceLabels } : { type: 'k8s_container', labels: { ...resourceLabels, container_name: 'istio-proxy' } },
    timestamp: timestampOf(options),
    severity: options.severity ?? (response.code >= 400 || flag !== '-' ? 'ERROR' : 'INFO'),
    insertId: options.insertId ?? nextSampleInsertId('csm'),
    labels: withoutUndefined({
      mesh_uid: 'proj-123456789012',
      source_workload: sourceWorkload,
      source_namespace: workload.namespace,
      source_name: workload.podName,
      source_app: workload.app,
      source_canonical_service: sourceWorkload,
      source_principal: `spiffe://${projectId}.svc.id.goog/ns/${workload.namespace}/sa/default`,
      destination_service_host: host,
      destination_service_name: destinationWorkload,
      destination_workload: destinationWorkload,
      destination_principal: '',
      response_flag: flag,
      response_details: response.details,
      service_authentication_policy: kind === 'server' ? 'MUTUAL_TLS' : 'unknown',
      protocol: 'http',
      log_sampled: 'false',
      connection_id: '4242',
      route_name: flag === 'NR' ? undefined : 'default',
      upstream_host: upstreamHost,
      upstream_cluster: options.upstreamCluster ?? (kind === 'client' ? `outbound|443||${host}` : 'inbound|8080||'),
      request_id: crypto.randomUUID(),
      ...options.labels,
    }),
    httpRequest: {
      requestMethod: options.method ?? 'GET',
      requestUrl: `http://${host}${path}`,
      requestSize: 112,
      status: response.code,
      responseSize: response.code === 200 ? 1532 : 19,
      userAgent: 'curl/8.5.0',
      remoteIp: '10.8.0.14:41790',
      serverIp: upstreamHost ?? '',
      latency: options.latency ?? 0.012,
      protocol: 'http',
      ...options.httpRequest,
    },
  };
}

function withoutUndefined(record: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((pair): pair is [string, string] => pair[1] !== undefined));
}

/* ---------------------------------------------------------------- Cloud Run Envoy sidecar */

export interface CloudRunSidecarBaseOptions extends SampleOptions {
  service?: string;
  revision?: string;
  region?: string;
  /** Unencoded log id; default `run.googleapis.com/envoy_sidecar_log` (exact id unverified). */
  logId?: string;
}

export type CloudRunSidecarLogOptions = CloudRunSidecarBaseOptions & ({ text: string; json?: never } | { json: JsonObject; text?: never });

export const CLOUD_RUN_SIDECAR_LOG_ID = 'run.googleapis.com/envoy_sidecar_log';

/** A line from the managed Envoy sidecar of a Cloud Run revision: textPayload or jsonPayload. */
export function cloudRunSidecarLog(options: CloudRunSidecarLogOptions): LogEntryInput {
  const projectId = options.projectId ?? DEFAULT_PROJECT_ID;
  const service = options.service ?? 'backend';
  const payload = options.json !== undefined ? { jsonPayload: options.json } : { textPayload: options.text };
  return {
    logName: logNameOf(projectId, options.logId ?? CLOUD_RUN_SIDECAR_LOG_ID),
    resource: {
      type: 'cloud_run_revision',
      labels: {
        project_id: projectId,
        service_name: service,
        revision_name: options.revision ?? `${service}-00042-xub`,
        configuration_name: service,
        location: options.region ?? 'us-central1',
      },
    },
    timestamp: timestampOf(options),
    severity: options.severity ?? 'INFO',
    insertId: options.insertId ?? nextSampleInsertId('run'),
    labels: { instanceId: '0069c7a9881c2a43b5a4f6c9b1e2', ...options.labels },
    ...payload,
  };
}

export interface CloudRunSidecarAccessLogOptions extends CloudRunSidecarBaseOptions {
  upstreamHost?: string;
  responseFlags?: string;
  responseCode?: number;
  durationMs?: number;
  authority?: string;
  path?: string;
  payload?: JsonObject;
}

/** A JSON access log line of the Cloud Run sidecar (fields `upstream_host`, `response_flags`, `duration`). */
export function cloudRunSidecarAccessLog(options: CloudRunSidecarAccessLogOptions = {}): LogEntryInput {
  const flags = options.responseFlags ?? '-';
  const response = responseShape(flags, options.responseCode, undefined);
  const authority = options.authority ?? 'service-entry.com';
  return cloudRunSidecarLog({
    ...options,
    json: {
      method: 'GET',
      path: options.path ?? '/',
      authority,
      response_code: response.code,
      response_flags: flags,
      response_code_details: response.details,
      upstream_host: options.upstreamHost ?? (flags === '-' ? '10.128.0.7:8080' : null),
      upstream_cluster: `outbound|80||${authority}`,
      duration: options.durationMs ?? 9,
      ...options.payload,
    },
  });
}

/* ------------------------------------------------------- control-plane (xDS) and TLS errors */

export interface EnvoyMessageOptions extends CloudRunSidecarBaseOptions {
  /** Wrap the message in Envoy's default log prefix `[time][thread][level][logger] [file:line]` (default true). */
  envoyPrefix?: boolean;
}

const TRAFFIC_DIRECTOR = 'trafficdirector.googleapis.com:443';

/** Envoy's default text log format: `[%Y-%m-%d %T.%e][%t][%l][%n] [%g:%#] %v`. */
export function envoyLogLine(message: string, at: Date, level = 'warning', logger = 'config', source = 'source/extensions/config_subscription/grpc/grpc_stream.h:152'): string {
  const time = at.toISOString().replace('T', ' ').replace('Z', '');
  return `[${time}][14][${level}][${logger}] [${source}] ${message}`;
}

function envoyMessage(message: string, severity: Severity, options: EnvoyMessageOptions, logger = 'config', source?: string): LogEntryInput {
  const at = new Date(timestampOf(options));
  const level = severity === 'ERROR' ? 'error' : 'warning';
  const text = options.envoyPrefix === false ? message : envoyLogLine(message, at, level, logger, source);
  return cloudRunSidecarLog({ ...options, severity: options.severity ?? severity, text });
}

export interface TdPermissionDeniedOptions extends EnvoyMessageOptions {
  /** Project number in the denied resource; default 123 as in the seed. */
  meshProjectNumber?: string;
  network?: string;
}

/** The seed's Traffic Director permission error: the Cloud Run service account lacks roles/trafficdirector.client. */
export function tdPermissionDenied(options: TdPermissionDeniedOptions = {}): LogEntryInput {
  const resource = `projects/${options.meshProjectNumber ?? '123'}/global/networks/${options.network ?? 'default'}`;
  return envoyMessage(
    `StreamAggregatedResources gRPC config stream to ${TRAFFIC_DIRECTOR} closed: 7, Permission 'trafficdirector.networks.getConfigs' denied on resource '${resource}' (or it may not exist).`,
    'WARNING',
    options,
  );
}

/** The routine reconnect (about every 30 minutes): not a problem on its own. */
export function xdsClosed13(options: EnvoyMessageOptions = {}): LogEntryInput {
  return envoyMessage(`StreamAggregatedResources gRPC config stream to ${TRAFFIC_DIRECTOR} closed: 13, `, 'WARNING', options);
}

/** The control plane is unreachable; repeated, it means the proxy cannot get config. */
export function xdsClosed14(options: EnvoyMessageOptions = {}): LogEntryInput {
  return envoyMessage(
    `StreamAggregatedResources gRPC config stream to ${TRAFFIC_DIRECTOR} closed: 14, upstream connect error or disconnect/reset before headers. reset reason: connection failure`,
    'WARNING',
    options,
  );
}

export interface XdsNackOptions extends EnvoyMessageOptions {
  typeUrl?: string;
  reason?: string;
}

/** Envoy rejected (NACKed) a pushed config: a bad VirtualService/DestinationRule or GCPBackend. */
export function xdsNack(options: XdsNackOptions = {}): LogEntryInput {
  const typeUrl = options.typeUrl ?? 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
  const reason =
    options.reason ?? "Error adding/updating cluster(s) outbound|443||cr-gcpbackend.com: Proto constraint validation failed (ClusterValidationError.LoadAssignment: value is required)";
  return envoyMessage(`gRPC config for ${typeUrl} rejected: ${reason}`, 'WARNING', options, 'config', 'source/extensions/config_subscription/grpc/grpc_subscription_impl.cc:138');
}

/** The upstream's certificate did not verify: mTLS or CA mismatch. */
export function tlsVerifyFailed(options: EnvoyMessageOptions = {}): LogEntryInput {
  return envoyMessage(
    'upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end',
    'ERROR',
    options,
    'connection',
    'source/common/tls/ssl_socket.cc:248',
  );
}
