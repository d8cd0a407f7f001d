import { describe, expect, it } from 'vitest';
import type { ClassifiableEntry } from '../../../../src/domain/logs/log-entry.js';
import { bakeSubjectId, isProjectWide, namesHost, sentinelSubjectId } from '../../../../src/domain/watch/watch-subject.js';
import { cloudRunSidecarAccessLog, cloudRunSidecarLog, csmTrafficLog, istioProxyAccessLog, logNameOf, tdPermissionDenied, tlsVerifyFailed, xdsClosed13, xdsNack } from '../../../harness/log-samples.js';
import { normalizeEntry, type LogEntryInput } from '../../../harness/logging/entries.js';

let sequence = 0;
/** As the watcher sees an entry: the stored JSON shape, its timestamp as toClassifiable writes it (toISOString). */
const entryOf = (input: LogEntryInput): ClassifiableEntry => {
  const stored = normalizeEntry(input, { now: () => new Date('2026-03-02T10:00:00Z'), nextInsertId: () => `id-${++sequence}` });
  return { ...stored, timestamp: new Date(stored.timestamp).toISOString() };
};

const FROM = 'cr-service-entry.com';
const TO = 'cr-gcpbackend.com';
const HOSTS = [FROM, TO];

describe('subject ids', () => {
  it('name the subject kind and its operation or migration', () => {
    expect(bakeSubjectId('op-1')).toBe('bake:op-1');
    expect(sentinelSubjectId('payments')).toBe('sentinel:payments');
  });
});

describe('namesHost: istio-proxy access logs (k8s_container)', () => {
  it('matches an upstream cluster that contains a host, in any case', () => {
    expect(namesHost(entryOf(istioProxyAccessLog({ authority: 'other.com', upstreamCluster: `outbound|443||${TO}` })), HOSTS)).toBe(true);
    expect(namesHost(entryOf(istioProxyAccessLog({ authority: 'other.com', upstreamCluster: 'outbound|443||CR-GCPBACKEND.COM' })), HOSTS)).toBe(true);
    expect(namesHost(entryOf(istioProxyAccessLog({ authority: 'other.com', upstreamCluster: 'outbound|443||cr-service-entry.com.internal' })), HOSTS)).toBe(true);
  });

  it('matches an authority equal to a host, and only equal (case and extra characters count)', () => {
    const other = 'outbound|443||elsewhere.io';
    expect(namesHost(entryOf(istioProxyAccessLog({ authority: FROM, upstreamCluster: other })), HOSTS)).toBe(true);
    expect(namesHost(entryOf(istioProxyAccessLog({ authority: 'CR-SERVICE-ENTRY.COM', upstreamCluster: other })), HOSTS)).toBe(false);
    expect(namesHost(entryOf(istioProxyAccessLog({ authority: `${FROM}:443`, upstreamCluster: other })), HOSTS)).toBe(false);
    expect(namesHost(entryOf(istioProxyAccessLog({ authority: `x${FROM}`, upstreamCluster: other })), HOSTS)).toBe(false);
  });

  it('does not match an entry that names other hosts', () => {
    expect(namesHost(entryOf(istioProxyAccessLog({ authority: 'elsewhere.io' })), HOSTS)).toBe(false);
  });

  it('treats the host as text, not a pattern: `a.b` does not match `aXb`', () => {
    expect(namesHost(entryOf(istioProxyAccessLog({ authority: 'aXb', upstreamCluster: 'outbound|443||aXb' })), ['a.b'])).toBe(false);
    expect(namesHost(entryOf(istioProxyAccessLog({ authority: 'a.b', upstreamCluster: 'x' })), ['a.b'])).toBe(true);
  });

  it('needs the istio-proxy container of a k8s_container', () => {
    const proxy = istioProxyAccessLog({ authority: TO });
    const app: LogEntryInput = { ...proxy, resource: { type: 'k8s_container', labels: { ...proxy.resource!.labels, container_name: 'app' } } };
    const pod: LogEntryInput = { ...proxy, resource: { type: 'k8s_pod', labels: { ...proxy.resource!.labels } } };
    expect(namesHost(entryOf(proxy), HOSTS)).toBe(true);
    expect(namesHost(entryOf(app), HOSTS)).toBe(false);
    expect(namesHost(entryOf(pod), HOSTS)).toBe(false);
  });

  it('does not read a non-string upstream cluster', () => {
    expect(namesHost(entryOf(istioProxyAccessLog({ authority: 'elsewhere.io', payload: { upstream_cluster: null } })), HOSTS)).toBe(false);
  });
});

describe('namesHost: CSM traffic logs (server-/client-accesslog-stackdriver)', () => {
  it('matches a destination_service_host equal to a host, client and server logs alike', () => {
    expect(namesHost(entryOf(csmTrafficLog({ kind: 'client', destinationServiceHost: TO, upstreamCluster: 'x' })), HOSTS)).toBe(true);
    expect(namesHost(entryOf(csmTrafficLog({ kind: 'server', destinationServiceHost: FROM })), HOSTS)).toBe(true);
  });

  it('compares destination_service_host exactly (case counts)', () => {
    expect(namesHost(entryOf(csmTrafficLog({ destinationServiceHost: 'CR-GCPBACKEND.COM', upstreamCluster: 'x' })), HOSTS)).toBe(false);
    expect(namesHost(entryOf(csmTrafficLog({ destinationServiceHost: `${TO}.x`, upstreamCluster: 'x' })), HOSTS)).toBe(false);
  });

  it('matches an upstream_cluster label that contains a host, in any case', () => {
    expect(namesHost(entryOf(csmTrafficLog({ destinationServiceHost: 'elsewhere.io', upstreamCluster: 'outbound|443||Cr-GcpBackend.Com' })), HOSTS)).toBe(true);
    expect(namesHost(entryOf(csmTrafficLog({ destinationServiceHost: 'elsewhere.io', upstreamCluster: 'outbound|443||elsewhere.io' })), HOSTS)).toBe(false);
  });

  it('needs a logName that ends in the access log id', () => {
    const csm = csmTrafficLog({ destinationServiceHost: TO });
    expect(namesHost(entryOf({ ...csm, logName: logNameOf('p', 'client-accesslog-stackdriver-old') }), HOSTS)).toBe(false);
    expect(namesHost(entryOf({ ...csm, logName: logNameOf('p', 'accesslog-stackdriver') }), HOSTS)).toBe(false);
    expect(namesHost(entryOf({ ...csm, logName: logNameOf('p', 'server-accesslog-stackdriver') }), HOSTS)).toBe(true);
  });
});

describe('isProjectWide', () => {
  it("takes every line of Cloud Run's Envoy sidecar log", () => {
    expect(isProjectWide(entryOf(cloudRunSidecarAccessLog({ authority: 'anything.example' })))).toBe(true);
    expect(isProjectWide(entryOf(cloudRunSidecarLog({ text: 'hello' })))).toBe(true);
  });

  it('needs both the cloud_run_revision resource and the envoy_sidecar_log logName', () => {
    expect(isProjectWide(entryOf(cloudRunSidecarLog({ text: 'hello', logId: 'run.googleapis.com/stdout' })))).toBe(false);
    const onGke: LogEntryInput = { ...cloudRunSidecarLog({ text: 'hello' }), resource: { type: 'k8s_container', labels: {} } };
    expect(isProjectWide(entryOf(onGke))).toBe(false);
  });

  it('takes Traffic Director, TLS and xDS messages wherever they come from, in any case', () => {
    const elsewhere = (text: string): ClassifiableEntry => entryOf({ logName: logNameOf('p', 'stdout'), resource: { type: 'k8s_container', labels: { container_name: 'app' } }, textPayload: text });
    expect(isProjectWide(entryOf({ ...tdPermissionDenied(), logName: logNameOf('p', 'stdout'), resource: { type: 'gce_instance' } }))).toBe(true);
    expect(isProjectWide(elsewhere('stream to TrafficDirector.GoogleApis.com:443 closed'))).toBe(true);
    expect(isProjectWide(elsewhere('TLS_error: certificate_verify_failed'))).toBe(true);
    expect(isProjectWide(elsewhere('GRPC CONFIG FOR TYPE.GOOGLEAPIS.COM/envoy.config.cluster.v3.Cluster rejected'))).toBe(true);
    expect(isProjectWide(elsewhere('gRPC config for envoy rejected'))).toBe(false);
    expect(isProjectWide(elsewhere('trafficdirector.googleapis'))).toBe(false);
    expect(isProjectWide(elsewhere('an ordinary line'))).toBe(false);
  });

  it('recognises the harness control-plane samples', () => {
    for (const input of [tdPermissionDenied(), xdsClosed13(), xdsNack(), tlsVerifyFailed()]) expect(isProjectWide(entryOf(input))).toBe(true);
  });

  it('does not take an access log (or a jsonPayload) of a GKE sidecar', () => {
    expect(isProjectWide(entryOf(istioProxyAccessLog({ path: '/trafficdirector.googleapis.com' })))).toBe(false);
    expect(isProjectWide(entryOf(csmTrafficLog()))).toBe(false);
  });
});
