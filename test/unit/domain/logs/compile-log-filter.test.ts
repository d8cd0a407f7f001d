import { describe, expect, it } from 'vitest';
import { compileLogFilter, FilterSyntaxError } from '../../../../src/domain/logs/filter/compile-log-filter.js';
import type { ClassifiableEntry } from '../../../../src/domain/logs/log-entry.js';

const paymentsError: ClassifiableEntry = {
  insertId: 'a1',
  timestamp: '2026-03-01T12:00:00.250Z',
  severity: 'ERROR',
  logName: 'projects/p1/logs/stdout',
  resource: { type: 'k8s_container', labels: { namespace_name: 'payments', container_name: 'istio-proxy' } },
  labels: { 'k8s-pod/app': 'checkout' },
  httpRequest: { status: 503, requestMethod: 'GET' },
  jsonPayload: { response_flags: 'UH', upstream_cluster: 'outbound|443||cr-gcpbackend.com' },
};
const paymentsInfo: ClassifiableEntry = { ...paymentsError, insertId: 'a2', severity: 'INFO', httpRequest: { status: 200 }, jsonPayload: { response_flags: '-' } };
const shopWarning: ClassifiableEntry = {
  insertId: 'b1',
  timestamp: '2026-03-01T12:00:01Z',
  severity: 'WARNING',
  logName: 'projects/p1/logs/run.googleapis.com%2Fenvoy_sidecar_log',
  resource: { type: 'cloud_run_revision', labels: { service_name: 'shop' } },
  textPayload: "closed: 7, Permission 'trafficdirector.networks.getConfigs' denied",
};
const minimal: ClassifiableEntry = { insertId: 'c1', timestamp: '2026-03-01T12:00:02Z' };
const entries = [paymentsError, paymentsInfo, shopWarning, minimal];

function selected(filter: string): string[] {
  const matches = compileLogFilter(filter);
  return entries.filter(matches).map((entry) => entry.insertId);
}

describe('compileLogFilter', () => {
  it('selects entries by resource label, severity, payload and HTTP status', () => {
    expect(selected('resource.labels.namespace_name="payments"')).toEqual(['a1', 'a2']);
    expect(selected('severity>=ERROR')).toEqual(['a1']);
    expect(selected('severity>=WARNING')).toEqual(['a1', 'b1']);
    expect(selected('resource.labels.namespace_name="payments" AND jsonPayload.response_flags!="-"')).toEqual(['a1']);
    expect(selected('http_request.status>=500 OR textPayload:"trafficdirector"')).toEqual(['a1', 'b1']);
    expect(selected('timestamp>="2026-03-01T12:00:01Z" AND NOT logName=~"envoy_sidecar_log$"')).toEqual(['c1']);
  });

  it('treats a missing field as matching only negations', () => {
    expect(selected('resource.labels.namespace_name!="payments"')).toEqual(['b1', 'c1']);
    expect(selected('jsonPayload.upstream_cluster:*')).toEqual(['a1']);
  });

  it('throws a FilterSyntaxError that says where the filter goes wrong', () => {
    expect(() => compileLogFilter('severity>=ERROR AND (textPayload:"x"')).toThrow(FilterSyntaxError);
    expect(() => compileLogFilter('severity>=ERROR AND (textPayload:"x"')).toThrow("unbalanced '(' at position 20");
    expect(() => compileLogFilter('resource.labels.namespace_name=')).toThrow("expected a value after '=' at position 31");
    expect(() => compileLogFilter('timestamp>="yesterday"')).toThrow('invalid timestamp "yesterday" at position 11');
  });
});
