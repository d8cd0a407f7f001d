import { describe, expect, it } from 'vitest';
import { classifyEntry, SAMPLE_MAX_LENGTH, type Classification } from '../../../../src/domain/logs/classify.js';
import { ERROR_CLASSES, ERROR_CLASS_IDS, errorClass, isErrorClassId, type ErrorClassId } from '../../../../src/domain/logs/error-classes.js';
import type { ClassifiableEntry } from '../../../../src/domain/logs/log-entry.js';
import {
  cloudRunSidecarAccessLog,
  cloudRunSidecarLog,
  csmTrafficLog,
  envoyLogLine,
  istioProxyAccessLog,
  tdPermissionDenied,
  tlsVerifyFailed,
  xdsClosed13,
  xdsClosed14,
  xdsNack,
} from '../../../harness/log-samples.js';
import { normalizeEntry, type LogEntryInput } from '../../../harness/logging/entries.js';

let sequence = 0;
/** The API's JSON shape, as the harness server stores it: what an adapter hands the classifier. */
const stored = (input: LogEntryInput): ClassifiableEntry => normalizeEntry(input, { now: () => new Date('2026-03-02T10:00:00Z'), nextInsertId: () => `id-${++sequence}` });
const classify = (input: LogEntryInput): Classification => classifyEntry(stored(input));
const classOf = (input: LogEntryInput): ErrorClassId | 'success' | 'ignored' => {
  const c = classify(input);
  return c.kind === 'error' ? c.classId : c.kind;
};
const sampleOf = (input: LogEntryInput): string => {
  const c = classify(input);
  if (c.kind !== 'error') throw new Error(`expected an error, got ${c.kind}`);
  return c.sample;
};

const FLAG_CLASSES: [string, ErrorClassId][] = [
  ['UH', 'no-healthy-upstream'],
  ['UF', 'upstream-connect-failure'],
  ['URX', 'retry-limit'],
  ['NR', 'no-route'],
  ['NC', 'no-route'],
  ['UT', 'upstream-timeout'],
  ['UO', 'upstream-overflow'],
  ['UR', 'upstream-reset'],
  ['UC', 'upstream-reset'],
  ['LR', 'upstream-reset'],
  ['DC', 'downstream-closed'],
  ['UAEX', 'ext-authz-denied'],
];

const ACCESS_LOG_SHAPES = {
  'GKE istio-proxy JSON': (flags: string, code?: number) => istioProxyAccessLog({ responseFlags: flags, ...(code === undefined ? {} : { responseCode: code }) }),
  'CSM client traffic log': (flags: string, code?: number) => csmTrafficLog({ responseFlag: flags, ...(code === undefined ? {} : { status: code }) }),
  'CSM server traffic log': (flags: string, code?: number) => csmTrafficLog({ kind: 'server', responseFlag: flags, ...(code === undefined ? {} : { status: code }) }),
  'Cloud Run sidecar JSON': (flags: string, code?: number) => cloudRunSidecarAccessLog({ responseFlags: flags, ...(code === undefined ? {} : { responseCode: code }) }),
};

describe('classifyEntry: access logs', () => {
  for (const [shape, build] of Object.entries(ACCESS_LOG_SHAPES)) {
    describe(shape, () => {
      it('is a success with status < 400 and no flag', () => {
        expect(classify(build('-'))).toEqual({ kind: 'success' });
        expect(classOf(build('-', 204))).toBe('success');
        expect(classOf(build('-', 302))).toBe('success');
      });

      it.each(FLAG_CLASSES)('flag %s → %s', (flag, id) => {
        expect(classOf(build(flag, flag === 'NC' ? 503 : undefined))).toBe(id);
      });

      it('5xx without a known flag → http-5xx', () => {
        expect(classOf(build('-', 500))).toBe('http-5xx');
        expect(classOf(build('-', 503))).toBe('http-5xx');
      });

      it('403 with rbac_access_denied → rbac-denied; other 4xx (the application\'s answer) are ignored', () => {
        expect(classOf(build('-', 403))).toBe('rbac-denied');
        expect(classOf(build('-', 404))).toBe('ignored');
        expect(classOf(build('-', 429))).toBe('ignored');
      });

      it('picks the most specific of comma-separated flags, whatever their order', () => {
        expect(classOf(build('UF,URX'))).toBe('upstream-connect-failure');
        expect(classOf(build('URX,UF'))).toBe('upstream-connect-failure');
        expect(classOf(build('URX,UH'))).toBe('no-healthy-upstream');
        expect(classOf(build('DC,UT', 504))).toBe('upstream-timeout');
        expect(classOf(build('UC,URX'))).toBe('upstream-reset');
      });

      it('ignores flags it does not know: the status decides', () => {
        expect(classOf(build('DI', 200))).toBe('success');
        expect(classOf(build('DI,UT', 504))).toBe('upstream-timeout');
        expect(classOf(build('FI', 503))).toBe('http-5xx');
        expect(classOf(build('RL', 429))).toBe('ignored');
      });
    });
  }

  it('reads a response code given as a string', () => {
    expect(classOf(istioProxyAccessLog({ payload: { response_code: '200' } }))).toBe('success');
    expect(classOf(istioProxyAccessLog({ payload: { response_code: '502', response_code_details: 'via_upstream' } }))).toBe('http-5xx');
  });

  it('a 403 from an AuthorizationPolicy in a CSM traffic log (details in labels) is rbac-denied', () => {
    const entry = csmTrafficLog({ status: 403, labels: { response_details: 'rbac_access_denied_matched_policy[ns[payments]-policy[deny-all]-rule[0]]' } });
    expect(classOf(entry)).toBe('rbac-denied');
  });

  it('a connection failure whose reason is a TLS one is tls-error', () => {
    const reason = 'TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end';
    expect(classOf(istioProxyAccessLog({ responseFlags: 'UF', payload: { upstream_transport_failure_reason: reason } }))).toBe('tls-error');
    expect(classOf(istioProxyAccessLog({ responseFlags: 'UF,URX', responseCodeDetails: `upstream_reset_before_response_started{connection_failure,${reason}}` }))).toBe('tls-error');
    // a UH is about endpoints, whatever else the line says
    expect(classOf(istioProxyAccessLog({ responseFlags: 'UH', payload: { upstream_transport_failure_reason: reason } }))).toBe('no-healthy-upstream');
  });

  it('gives a one-line sample naming status, flag, host and upstream', () => {
    const sample = sampleOf(istioProxyAccessLog({ responseFlags: 'UH', podName: 'frontend-abc' }));
    expect(sample).toBe('frontend-abc: 503 UH GET cr-gcpbackend.com/ → outbound|443||cr-gcpbackend.com (no_healthy_upstream)');
    const csm = sampleOf(csmTrafficLog({ responseFlag: 'UF', destinationServiceHost: 'cr-service-entry.com', path: '/pay' }));
    expect(csm).toContain('503 UF GET http://cr-service-entry.com/pay → outbound|443||cr-service-entry.com');
    const run = sampleOf(cloudRunSidecarAccessLog({ responseFlags: 'UT', service: 'checkout' }));
    expect(run).toMatch(/^checkout: 504 UT GET service-entry\.com\/ → outbound\|80\|\|service-entry\.com/);
  });

  it('keeps samples of long lines under 300 characters, on one line', () => {
    const sample = sampleOf(istioProxyAccessLog({ responseFlags: 'UF', path: `/${'x'.repeat(500)}\nsecond line` }));
    expect(sample.length).toBeLessThanOrEqual(SAMPLE_MAX_LENGTH);
    expect(sample).not.toContain('\n');
    expect(sample.endsWith('…')).toBe(true);
  });
});

describe('classifyEntry: Envoy text access log (TEXT encoding)', () => {
  const line = (code: number, flags: string, details: string, request = 'GET /pay HTTP/1.1', failure = '-') =>
    cloudRunSidecarLog({
      text: `[2026-03-02T10:00:00.123Z] "${request}" ${code} ${flags} ${details} - "${failure}" 0 91 3 - "-" "curl/8.5.0" "5f2c9a1e-0b7e-4a53-9a4e-0d9d4f7e3b1a" "cr-gcpbackend.com" "34.149.12.7:443" outbound|443||cr-gcpbackend.com 10.8.0.14:52344 34.149.12.7:443 10.8.0.14:41790 - default`,
    });

  it('is classified like the JSON one', () => {
    expect(classOf(line(200, '-', 'via_upstream'))).toBe('success');
    expect(classOf(line(503, 'UH', 'no_healthy_upstream'))).toBe('no-healthy-upstream');
    expect(classOf(line(503, 'UF,URX', 'upstream_reset_before_response_started{connection_failure}'))).toBe('upstream-connect-failure');
    expect(classOf(line(503, '-', 'via_upstream'))).toBe('http-5xx');
    expect(classOf(line(403, '-', 'rbac_access_denied_matched_policy[none]'))).toBe('rbac-denied');
    expect(classOf(line(0, 'UF', '-', '- - -'))).toBe('upstream-connect-failure');
    expect(classOf(line(503, 'UF', 'upstream_reset_before_response_started{connection_failure}', undefined, 'TLS_error:|268435581:SSL_routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end'))).toBe('tls-error');
  });

  it('samples the line itself without its start time (the entry has it), cut under 300 characters', () => {
    const sample = sampleOf(line(503, 'UH', 'no_healthy_upstream'));
    expect(sample).toMatch(/^backend: "GET \/pay HTTP\/1.1" 503 UH no_healthy_upstream - "-" 0 91 3/);
    expect(sample.length).toBeLessThanOrEqual(SAMPLE_MAX_LENGTH);
  });
});

describe('classifyEntry: control plane and TLS messages', () => {
  it('the Traffic Director permission error → td-permission-denied, sample without the Envoy prefix', () => {
    const c = classify(tdPermissionDenied({ service: 'payments-api' }));
    expect(c).toMatchObject({ kind: 'error', classId: 'td-permission-denied' });
    expect(c.kind === 'error' && c.sample).toBe(
      "payments-api: StreamAggregatedResources gRPC config stream to trafficdirector.googleapis.com:443 closed: 7, Permission 'trafficdirector.networks.getConfigs' denied on resource 'projects/123/global/networks/default' (or it may not exist).",
    );
    expect(classOf(tdPermissionDenied({ envoyPrefix: false }))).toBe('td-permission-denied');
  });

  it('closed: 14 → xds-unavailable (also when it says no healthy upstream)', () => {
    expect(classOf(xdsClosed14())).toBe('xds-unavailable');
    expect(classOf(xdsClosed14({ envoyPrefix: false }))).toBe('xds-unavailable');
    const noHealthy = cloudRunSidecarLog({ text: envoyLogLine('StreamAggregatedResources gRPC config stream to trafficdirector.googleapis.com:443 closed: 14, no healthy upstream', new Date()) });
    expect(classOf(noHealthy)).toBe('xds-unavailable');
  });

  it('closed: 13 alone (the routine reconnect) is ignored, never a class', () => {
    expect(classify(xdsClosed13())).toEqual({ kind: 'ignored' });
    expect(classify(xdsClosed13({ envoyPrefix: false, severity: 'ERROR' }))).toEqual({ kind: 'ignored' });
    const withTlsWords = cloudRunSidecarLog({ text: envoyLogLine('StreamAggregatedResources gRPC config stream to trafficdirector.googleapis.com:443 closed: 13, TLS error after reconnect', new Date()) });
    expect(classOf(withTlsWords)).toBe('ignored');
    expect(ERROR_CLASS_IDS.some((id) => id.includes('13'))).toBe(false);
  });

  it('an xDS NACK → xds-nack, for SotW and delta streams', () => {
    expect(classOf(xdsNack())).toBe('xds-nack');
    expect(classOf(xdsNack({ typeUrl: 'type.googleapis.com/envoy.config.listener.v3.Listener', reason: 'duplicate listener' }))).toBe('xds-nack');
    const delta = cloudRunSidecarLog({ text: envoyLogLine('delta config for type.googleapis.com/envoy.config.route.v3.RouteConfiguration rejected: bad route', new Date()) });
    expect(classOf(delta)).toBe('xds-nack');
    expect(sampleOf(xdsNack())).toMatch(/^backend: gRPC config for type\.googleapis\.com\/envoy\.config\.cluster\.v3\.Cluster rejected: /);
  });

  it('CERTIFICATE_VERIFY_FAILED → tls-error', () => {
    expect(classOf(tlsVerifyFailed())).toBe('tls-error');
    expect(classOf(tlsVerifyFailed({ envoyPrefix: false }))).toBe('tls-error');
  });

  it('reads a JSON line\'s message like a text line', () => {
    const json = cloudRunSidecarLog({ json: { message: "StreamAggregatedResources gRPC config stream to trafficdirector.googleapis.com:443 closed: 7, Permission 'trafficdirector.networks.getConfigs' denied on resource 'projects/9/global/networks/default'" } });
    expect(classOf(json)).toBe('td-permission-denied');
  });

  it('ignores anything unrecognised', () => {
    expect(classOf(cloudRunSidecarLog({ text: envoyLogLine('all dependencies initialized. starting workers', new Date(), 'info', 'main') }))).toBe('ignored');
    expect(classOf(cloudRunSidecarLog({ text: '' }))).toBe('ignored');
    expect(classOf(cloudRunSidecarLog({ json: { level: 'info', msg: 'ready' } }))).toBe('ignored');
    expect(classifyEntry({ insertId: 'x', timestamp: '2026-03-02T10:00:00Z' })).toEqual({ kind: 'ignored' });
    expect(classifyEntry({ insertId: 'x', timestamp: '2026-03-02T10:00:00Z', httpRequest: { status: 503 } })).toEqual({ kind: 'ignored' });
    expect(classifyEntry({ insertId: 'x', timestamp: '2026-03-02T10:00:00Z', jsonPayload: { response_code: null, response_flags: null } })).toEqual({ kind: 'ignored' });
  });

  it('truncates a long text sample under 300 characters', () => {
    const sample = sampleOf(xdsNack({ reason: 'r'.repeat(1000) }));
    expect(sample.length).toBeLessThanOrEqual(SAMPLE_MAX_LENGTH);
  });
});

describe('the error class table', () => {
  it('has unique kebab-case ids and short remedies', () => {
    expect(new Set(ERROR_CLASS_IDS).size).toBe(ERROR_CLASSES.length);
    for (const c of ERROR_CLASSES) {
      expect(c.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(c.remedy.length, c.id).toBeLessThan(300);
      expect(c.remedy.length, c.id).toBeGreaterThan(40);
      expect(errorClass(c.id)).toBe(c);
      expect(isErrorClassId(c.id)).toBe(true);
    }
    expect(isErrorClassId('closed-13')).toBe(false);
  });

  it('maps each Envoy flag to one class', () => {
    const flags = ERROR_CLASSES.flatMap((c) => c.flags);
    expect(new Set(flags).size).toBe(flags.length);
  });

  it('tells how to grant Traffic Director access, and does not count a client going away', () => {
    expect(errorClass('td-permission-denied').remedy).toContain('gcloud projects add-iam-policy-binding PROJECT --member=serviceAccount:SA --role=roles/trafficdirector.client');
    expect(errorClass('td-permission-denied').plane).toBe('control');
    expect(errorClass('downstream-closed').counts).toBe(false);
    expect(ERROR_CLASSES.filter((c) => !c.counts).map((c) => c.id)).toEqual(['downstream-closed']);
    expect(errorClass('no-route').remedy).toMatch(/VirtualService/);
    expect(errorClass('no-route').remedy).toMatch(/DestinationRule/);
    expect(errorClass('no-healthy-upstream').remedy).toMatch(/GCPBackend/);
    expect(errorClass('upstream-connect-failure').remedy).toMatch(/GCPBackend/);
  });
});

describe('classifyEntry: speed', () => {
  it('classifies 100,000 realistic entries well under a second (catches pathological slowness only)', () => {
    const kinds = [
      istioProxyAccessLog(),
      istioProxyAccessLog({ responseFlags: 'UH' }),
      istioProxyAccessLog({ responseFlags: 'UF,URX' }),
      csmTrafficLog(),
      csmTrafficLog({ responseFlag: 'UT' }),
      cloudRunSidecarAccessLog(),
      cloudRunSidecarAccessLog({ responseFlags: 'DC' }),
      tdPermissionDenied(),
      xdsClosed13(),
      xdsNack(),
      tlsVerifyFailed(),
      cloudRunSidecarLog({ text: envoyLogLine('all dependencies initialized. starting workers', new Date(), 'info', 'main') }),
    ].map(stored);
    const entries = Array.from({ length: 100_000 }, (_, i) => kinds[i % kinds.length]!);
    const started = performance.now();
    let errors = 0;
    for (const entry of entries) if (classifyEntry(entry).kind === 'error') errors++;
    const elapsed = performance.now() - started;
    expect(errors).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(2000);
  });
});
