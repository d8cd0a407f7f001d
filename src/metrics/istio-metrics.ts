/** Cloud Service Mesh's client-side metrics: every request counted, successes included (DOMAIN.md). */
export const REQUEST_COUNT = 'istio.io/service/client/request_count';
export const ROUNDTRIP_LATENCIES = 'istio.io/service/client/roundtrip_latencies';

export const DESTINATION_LABEL = 'metric.labels.destination_service_name';
export const RESPONSE_CODE_LABEL = 'metric.labels.response_code';
export const SOURCE_NAMESPACE_LABEL = 'metric.labels.source_workload_namespace';

/** 5xx, and code 0 (no response: reset, timeout before headers): what counts as a failed request. 4xx are the application's answers. */
export const isFailedResponseCode = (code: string): boolean => code === '0' || /^5\d\d$/.test(code);

/** A Monitoring filter for one metric from the callers' namespace to any of `services`. */
export function istioFilter(metricType: string, callerNamespace: string, services: readonly string[]): string {
  const destinations = services.map((s) => `${DESTINATION_LABEL}=${quoted(s)}`).join(' OR ');
  return `metric.type=${quoted(metricType)} AND ${SOURCE_NAMESPACE_LABEL}=${quoted(callerNamespace)}${services.length > 0 ? ` AND (${destinations})` : ''}`;
}

function quoted(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
