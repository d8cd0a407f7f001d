/** What the Cloud Logging filter of a migration is built from. */
export interface FilterSubject {
  readonly projectId?: string | undefined;
  readonly from: string;
  readonly to: string;
  /** Extra filter from the migration's config, ANDed to the rest. */
  readonly extra?: string | undefined;
}

/**
 * The Envoy sidecar entries that tell how a migration is going (see the domain notes):
 * GKE `istio-proxy` access logs and CSM traffic logs whose upstream or destination is one of
 * the migration's hosts, Cloud Run's `envoy_sidecar_log`, and Traffic Director / xDS errors.
 *
 * Example: migrationLogFilter({from: 'cr-service-entry.com', to: 'cr-gcpbackend.com'})
 */
export function migrationLogFilter(subject: FilterSubject): string {
  const hosts = [subject.from, subject.to].map(quoted);
  const anyHost = (field: string, op: ':' | '=') => hosts.map((h) => `${field}${op}${h}`).join(' OR ');
  const parts = [
    `(resource.type="k8s_container" AND resource.labels.container_name="istio-proxy" AND (${anyHost('jsonPayload.upstream_cluster', ':')} OR ${anyHost('jsonPayload.authority', '=')}))`,
    `(logName=~"(server|client)-accesslog-stackdriver$" AND (${anyHost('labels.destination_service_host', '=')} OR ${anyHost('labels.upstream_cluster', ':')}))`,
    `(resource.type="cloud_run_revision" AND logName=~"envoy_sidecar_log$")`,
    `(textPayload:"trafficdirector.googleapis.com" OR textPayload:"CERTIFICATE_VERIFY_FAILED" OR textPayload:"gRPC config for type.googleapis.com")`,
  ];
  const base = `(${parts.join(' OR ')})`;
  // The line break ends a `--` comment the extra filter may end with, before the closing parenthesis.
  return subject.extra ? `${base} AND (${subject.extra}\n)` : base;
}

/** The Logs Explorer page showing a filter over a time window, for people to look for themselves. */
export function logsExplorerUrl(projectId: string | undefined, filter: string, start: string, end: string): string {
  const query = encodeURIComponent(filter).replaceAll('(', '%28').replaceAll(')', '%29');
  const project = projectId ? `?project=${encodeURIComponent(projectId)}` : '';
  return `https://console.cloud.google.com/logs/query;query=${query};timeRange=${start}%2F${end}${project}`;
}

function quoted(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
