/**
 * The shared log watch must not change what any migration sees: one session's filter selects
 * exactly what the migrations' own filters (migrationLogFilter) select between them, and the
 * watcher files an entry under a subject exactly when that subject's own filter selects it.
 * Both are checked with the filter compiler on many generated entries, near misses included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyEntry } from '../../../../src/domain/logs/classify.js';
import { errorClass } from '../../../../src/domain/logs/error-classes.js';
import { compileLogFilter } from '../../../../src/domain/logs/filter/compile-log-filter.js';
import type { ClassifiableEntry } from '../../../../src/domain/logs/log-entry.js';
import { migrationLogFilter } from '../../../../src/domain/logs/migration-filter.js';
import { routeEntries, routeOf } from '../../../../src/domain/watch/route-entries.js';
import { sessionFilter, watchSessions } from '../../../../src/domain/watch/watch-filter.js';
import type { WatchSubject } from '../../../../src/domain/watch/watch-subject.js';

/** Hosts of the migrations: regex metacharacters, hosts that contain each other, near-identical names. */
const HOSTS = ['a.b', 'ab', 'cr-service-entry.com', 'cr-gcpbackend.com', 'svc.ns.svc.cluster.local', 'api+v2.example.io', 'pay(ments).io', 'x.y.z', 'backend.com', 'my-backend.com'];
const OTHER_HOSTS = ['aXb', 'a-b', 'elsewhere.io', 'cr-gcpbackend.co', 'crXservice-entry.com', 'apiv2.example.io', 'payments.io', 'xXyXz'];
const EXTRAS = [
  'resource.labels.namespace_name="payments"',
  'severity>=ERROR',
  'NOT labels.source_app="batch"',
  'jsonPayload.response_code>=500 OR textPayload:"closed"',
  'resource.type="cloud_run_revision"',
];
const TIMES = ['2026-03-02T10:00:00.000Z', '2026-03-02T10:00:00.001Z', '2026-03-02T10:00:30.500Z', '2026-03-02T10:01:00.000Z', '2026-03-02T10:59:59.999Z'];

const hostArb = fc.constantFrom(...HOSTS);
/** What an entry's field says: one of the hosts, a variant of one (case, prefix, suffix, cut, dots replaced), or another host. */
const fieldValueArb: fc.Arbitrary<string | undefined> = fc.oneof(
  hostArb,
  hostArb.map((h) => h.toUpperCase()),
  hostArb.map((h) => h.replace(/^./, (c) => c.toUpperCase())),
  fc.tuple(hostArb, fc.constantFrom('x', 'outbound|443||', 'www.')).map(([h, p]) => p + h),
  fc.tuple(hostArb, fc.constantFrom('x', ':443', '.internal', '|')).map(([h, s]) => h + s),
  hostArb.map((h) => h.slice(1)),
  hostArb.map((h) => h.slice(0, -1)),
  hostArb.map((h) => h.replaceAll('.', 'X')),
  hostArb.map((h) => h.replaceAll('.', '')),
  fc.constantFrom(...OTHER_HOSTS),
  fc.constant(undefined),
);

const TEXTS = [
  "[2026-03-02 10:00:00.000][14][warning][config] [source/grpc_stream.h:152] StreamAggregatedResources gRPC config stream to trafficdirector.googleapis.com:443 closed: 7, Permission 'trafficdirector.networks.getConfigs' denied on resource 'projects/123/global/networks/default' (or it may not exist).",
  '[2026-03-02 10:00:00.000][14][warning][config] [source/grpc_stream.h:152] StreamAggregatedResources gRPC config stream to trafficdirector.googleapis.com:443 closed: 13, ',
  '[2026-03-02 10:00:00.000][14][warning][config] [source/grpc_stream.h:152] StreamAggregatedResources gRPC config stream to TRAFFICDIRECTOR.GOOGLEAPIS.COM:443 closed: 14, upstream connect error',
  "[2026-03-02 10:00:00.000][14][warning][config] [grpc_subscription_impl.cc:138] gRPC config for type.googleapis.com/envoy.config.cluster.v3.Cluster rejected: Error adding/updating cluster(s) outbound|443||cr-gcpbackend.com: bad",
  'upstream connect error or disconnect/reset before headers. reset reason: connection failure, transport failure reason: TLS_error:|268435581:SSL routines:OPENSSL_internal:certificate_verify_failed:TLS_error_end',
  '[2026-03-02T10:00:00.000Z] "GET / HTTP/1.1" 503 UH no_healthy_upstream - "-" 0 19 1 - "-" "curl/8.5.0" "id" "cr-gcpbackend.com" "-"',
  '[2026-03-02T10:00:00.000Z] "GET / HTTP/1.1" 200 - via_upstream - "-" 0 1532 9 8 "-" "curl/8.5.0" "id" "a.b" "10.0.0.1:8080"',
  'an ordinary application line about cr-gcpbackend.com',
  'GRPC CONFIG FOR envoy: nothing to see',
];
const LOG_IDS = ['stdout', 'server-accesslog-stackdriver', 'client-accesslog-stackdriver', 'run.googleapis.com%2Fenvoy_sidecar_log', 'run.googleapis.com%2Fstdout', 'client-accesslog-stackdriver-v2', 'envoy_sidecar_log.old', 'accesslog-stackdriver'];
const FLAGS = ['-', 'UH', 'UF,URX', 'DC', 'UT', 'NR'];

const entryArb = (insertId: string): fc.Arbitrary<ClassifiableEntry> =>
  fc
    .record({
      timestamp: fc.constantFrom(...TIMES),
      resourceType: fc.constantFrom('k8s_container', 'k8s_pod', 'cloud_run_revision', 'gce_instance'),
      container: fc.constantFrom('istio-proxy', 'app', 'Istio-Proxy'),
      namespace: fc.constantFrom('payments', 'default'),
      logId: fc.constantFrom(...LOG_IDS),
      severity: fc.constantFrom('INFO', 'WARNING', 'ERROR'),
      payload: fc.oneof(
        fc.record({ kind: fc.constant('json' as const), cluster: fieldValueArb, authority: fieldValueArb, flags: fc.constantFrom(...FLAGS), code: fc.constantFrom(200, 404, 503, 0) }),
        fc.record({ kind: fc.constant('text' as const), text: fc.constantFrom(...TEXTS) }),
        fc.constant({ kind: 'none' as const }),
      ),
      destination: fieldValueArb,
      labelCluster: fieldValueArb,
      sourceApp: fc.constantFrom('frontend', 'batch'),
      labelFlag: fc.option(fc.constantFrom(...FLAGS), { nil: undefined }),
      status: fc.constantFrom(200, 503, 403, 0),
    })
    .map((g): ClassifiableEntry => {
      const labels: Record<string, string> = { source_app: g.sourceApp };
      if (g.labelFlag !== undefined) labels['response_flag'] = g.labelFlag;
      if (g.destination !== undefined) labels['destination_service_host'] = g.destination;
      if (g.labelCluster !== undefined) labels['upstream_cluster'] = g.labelCluster;
      const resourceLabels: Record<string, string> = { project_id: 'p', namespace_name: g.namespace };
      if (g.resourceType === 'k8s_container') resourceLabels['container_name'] = g.container;
      if (g.resourceType === 'cloud_run_revision') resourceLabels['service_name'] = 'backend';
      const entry: ClassifiableEntry = {
        insertId,
        timestamp: g.timestamp,
        severity: g.severity,
        logName: `projects/p/logs/${g.logId}`,
        resource: { type: g.resourceType, labels: resourceLabels },
        labels,
        httpRequest: { status: g.status, requestMethod: 'GET' },
      };
      if (g.payload.kind === 'text') return { ...entry, textPayload: g.payload.text };
      if (g.payload.kind === 'none') return entry;
      const json: Record<string, unknown> = { response_flags: g.payload.flags, response_code: g.payload.code };
      if (g.payload.cluster !== undefined) json['upstream_cluster'] = g.payload.cluster;
      if (g.payload.authority !== undefined) json['authority'] = g.payload.authority;
      return { ...entry, jsonPayload: json };
    });

const entriesArb = fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => entryArb(`e-${i}`))));

const subjectsArb = (max: number): fc.Arbitrary<WatchSubject[]> =>
  fc
    .array(
      fc.record({
        from: hostArb,
        to: hostArb,
        extra: fc.option(fc.constantFrom(...EXTRAS), { nil: undefined, freq: 3 }),
        kind: fc.constantFrom('bake' as const, 'sentinel' as const),
        since: fc.constantFrom(...TIMES),
      }),
      { minLength: 1, maxLength: max },
    )
    .map((raw) => raw.map((r, i): WatchSubject => ({ id: `${r.kind}:${i}`, kind: r.kind, migration: `m-${i}`, from: r.from, to: r.to, extra: r.extra, since: r.since, until: '2026-03-02T12:00:00.000Z' })));

const compiled = new Map<string, (entry: object) => boolean>();
const compile = (filter: string) => {
  let predicate = compiled.get(filter);
  if (!predicate) compiled.set(filter, (predicate = compileLogFilter(filter)));
  return predicate;
};
const ownFilter = (s: WatchSubject) => compile(migrationLogFilter({ from: s.from, to: s.to, extra: s.extra }));
const describeEntry = (entry: ClassifiableEntry) => JSON.stringify(entry);

describe('sessionFilter selects what the union of the migrations’ own filters selects', () => {
  it('on generated entries: hosts, near-miss hosts, resource types and logNames', () => {
    let selected = 0;
    let refused = 0;
    fc.assert(
      fc.property(subjectsArb(6), entriesArb, (subjects, entries) => {
        const session = compile(sessionFilter(subjects));
        for (const entry of entries) {
          const expected = subjects.some((s) => ownFilter(s)(entry));
          expect(session(entry), describeEntry(entry)).toBe(expected);
          if (expected) selected++;
          else refused++;
        }
      }),
      { numRuns: 400 },
    );
    // Both sides of the equivalence were exercised, not just the easy one.
    expect(selected).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(500);
  });

  it('host by host: a single field naming a host or a near miss of it', () => {
    // Each entry has exactly one field set, so a clause selecting the wrong field cannot hide behind another.
    const shapes: ((value: string) => ClassifiableEntry)[] = [
      (v) => ({ insertId: 'i', timestamp: TIMES[0]!, logName: 'projects/p/logs/stdout', resource: { type: 'k8s_container', labels: { container_name: 'istio-proxy' } }, jsonPayload: { upstream_cluster: v } }),
      (v) => ({ insertId: 'i', timestamp: TIMES[0]!, logName: 'projects/p/logs/stdout', resource: { type: 'k8s_container', labels: { container_name: 'istio-proxy' } }, jsonPayload: { authority: v } }),
      (v) => ({ insertId: 'i', timestamp: TIMES[0]!, logName: 'projects/p/logs/server-accesslog-stackdriver', resource: { type: 'k8s_container' }, labels: { destination_service_host: v } }),
      (v) => ({ insertId: 'i', timestamp: TIMES[0]!, logName: 'projects/p/logs/client-accesslog-stackdriver', resource: { type: 'k8s_pod' }, labels: { upstream_cluster: v } }),
    ];
    fc.assert(
      fc.property(subjectsArb(4), fieldValueArb, fc.integer({ min: 0, max: shapes.length - 1 }), (subjects, value, shape) => {
        const entry = shapes[shape]!(value ?? '');
        expect(compile(sessionFilter(subjects))(entry), describeEntry(entry)).toBe(subjects.some((s) => ownFilter(s)(entry)));
      }),
      { numRuns: 1000 },
    );
  });

  it('across the sessions of watchSessions, when small filters force a split', () => {
    fc.assert(
      fc.property(subjectsArb(8), entriesArb, fc.integer({ min: 900, max: 3000 }), (subjects, entries, maxChars) => {
        const plan = watchSessions(subjects, 100, maxChars);
        expect([...plan.covers.flat(), ...plan.unwatched].sort()).toEqual(subjects.map((s) => s.id).sort());
        for (const filter of plan.filters) expect(filter.length).toBeLessThanOrEqual(maxChars);
        const sessions = plan.filters.map(compile);
        const watched = subjects.filter((s) => !plan.unwatched.includes(s.id));
        for (const entry of entries) expect(sessions.some((session) => session(entry)), describeEntry(entry)).toBe(watched.some((s) => ownFilter(s)(entry)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('routeEntries files an entry under a subject exactly when the subject’s own filter selects it', () => {
  it('given ts ≥ since, and for sentinels control-plane errors only', () => {
    const filed = { bake: 0, sentinel: 0, skipped: 0 };
    fc.assert(
      fc.property(subjectsArb(6), entriesArb, (subjects, entries) => {
        const batches = routeEntries(entries, subjects.map((s) => routeOf(s, compile)));
        const bySubject = new Map(batches.map((b) => [b.subjectId, b]));
        expect(bySubject.size).toBe(batches.length);
        for (const entry of entries) {
          const classification = classifyEntry(entry);
          const isError = classification.kind === 'error';
          for (const s of subjects) {
            const batch = bySubject.get(s.id);
            const asRecord = batch?.records.filter((r) => r.id === entry.insertId) ?? [];
            const asQuiet = batch?.quiet.filter((q) => q.id === entry.insertId) ?? [];
            const wanted = entry.timestamp >= s.since && ownFilter(s)(entry) && (s.kind === 'bake' || (isError && errorClass(classification.classId).plane === 'control'));
            const context = `${s.kind} ${s.from}/${s.to} extra=${s.extra} since=${s.since}: ${describeEntry(entry)}`;
            if (!wanted) {
              expect(asRecord.length + asQuiet.length, context).toBe(0);
              filed.skipped++;
              continue;
            }
            filed[s.kind]++;
            if (isError) {
              expect(asRecord, context).toEqual([{ id: entry.insertId, ts: entry.timestamp, record: { k: 'e', id: entry.insertId, ts: entry.timestamp, c: classification.classId, s: classification.sample, ...(classification.facts ? { f: classification.facts } : {}) } }]);
              expect(asQuiet, context).toEqual([]);
            } else {
              expect(asQuiet, context).toEqual([{ id: entry.insertId, ts: entry.timestamp, ok: classification.kind === 'success' }]);
              expect(asRecord, context).toEqual([]);
            }
          }
        }
        for (const batch of batches) {
          expect(batch.records.length + batch.quiet.length).toBeGreaterThan(0);
          const times = batch.quiet.map((q) => q.ts).sort();
          expect([batch.quietFirst, batch.quietLast]).toEqual(times.length ? [times[0], times.at(-1)] : ['', '']);
        }
      }),
      { numRuns: 400 },
    );
    expect(filed.bake).toBeGreaterThan(300);
    expect(filed.sentinel).toBeGreaterThan(20);
    expect(filed.skipped).toBeGreaterThan(300);
  });
});
