import { describe, expect, it } from 'vitest';
import { compileLogFilter } from '../../../../src/domain/logs/filter/compile-log-filter.js';
import type { ClassifiableEntry } from '../../../../src/domain/logs/log-entry.js';
import { migrationLogFilter } from '../../../../src/domain/logs/migration-filter.js';
import { MAX_FILTER_CHARS, sessionFilter, watchSessions } from '../../../../src/domain/watch/watch-filter.js';
import type { WatchSubject } from '../../../../src/domain/watch/watch-subject.js';
import { csmTrafficLog, istioProxyAccessLog, tdPermissionDenied } from '../../../harness/log-samples.js';
import { normalizeEntry, type LogEntryInput } from '../../../harness/logging/entries.js';

let sequence = 0;
const entryOf = (input: LogEntryInput): ClassifiableEntry => {
  const stored = normalizeEntry(input, { now: () => new Date('2026-03-02T10:00:00Z'), nextInsertId: () => `id-${++sequence}` });
  return { ...stored, timestamp: new Date(stored.timestamp).toISOString() };
};

const subject = (n: number | string, over: Partial<WatchSubject> = {}): WatchSubject => ({
  id: `bake:op-${n}`,
  kind: 'bake',
  migration: `m-${n}`,
  from: `svc-${n}.service-entry.example.com`,
  to: `svc-${n}.gcpbackend.example.com`,
  since: '2026-03-02T09:00:00.000Z',
  until: '2026-03-02T11:00:00.000Z',
  ...over,
});
const ownFilter = (s: WatchSubject) => compileLogFilter(migrationLogFilter({ from: s.from, to: s.to, extra: s.extra }));
/** The entries that tell one migration's hosts apart: a GKE access log and a CSM log per host. */
const entriesNaming = (host: string): ClassifiableEntry[] => [
  entryOf(istioProxyAccessLog({ authority: host })),
  entryOf(istioProxyAccessLog({ authority: 'elsewhere.io', upstreamCluster: `outbound|443||${host.toUpperCase()}` })),
  entryOf(csmTrafficLog({ destinationServiceHost: host, upstreamCluster: 'inbound|8080||' })),
];

describe('watchSessions', () => {
  it('has nothing to watch without subjects', () => {
    expect(watchSessions([], 4)).toEqual({ filters: [], covers: [], unwatched: [] });
  });

  it('puts subjects that fit into one session, whose filter is their sessionFilter', () => {
    const subjects = [subject(1), subject(2), subject(3)];
    const plan = watchSessions(subjects, 4);
    expect(plan.covers).toEqual([subjects.map((s) => s.id)]);
    expect(plan.filters).toEqual([sessionFilter(subjects)]);
    expect(plan.unwatched).toEqual([]);
  });

  it('opens another session when the next subject would make the filter longer than maxChars', () => {
    const [a, b, c, d] = [subject('a'), subject('b'), subject('c'), subject('d')];
    const maxChars = sessionFilter([a, b]).length;
    expect(sessionFilter([a, b, c]).length).toBeGreaterThan(maxChars);
    const plan = watchSessions([a, b, c, d], 10, maxChars);
    expect(plan.covers).toEqual([[a.id, b.id], [c.id, d.id]]);
    expect(plan.filters).toEqual([sessionFilter([a, b]), sessionFilter([c, d])]);
    for (const filter of plan.filters) expect(filter.length).toBeLessThanOrEqual(maxChars);
  });

  it('uses no more than maxSessions sessions and leaves the newest subjects unwatched', () => {
    const subjects = [1, 2, 3, 4, 5].map((n) => subject(n));
    const maxChars = sessionFilter([subjects[0]!]).length; // one subject per session
    const plan = watchSessions(subjects, 2, maxChars);
    expect(plan.filters).toHaveLength(2);
    expect(plan.covers).toEqual([[subjects[0]!.id], [subjects[1]!.id]]);
    expect(plan.unwatched).toEqual([subjects[2]!.id, subjects[3]!.id, subjects[4]!.id]);
  });

  it('never lets a newcomer push an older subject out', () => {
    const older = [1, 2, 3].map((n) => subject(n));
    const maxChars = sessionFilter(older.slice(0, 2)).length;
    const before = watchSessions(older, 2, maxChars);
    const after = watchSessions([...older, subject(4), subject(5)], 2, maxChars);
    expect(after.covers.flat().slice(0, 3)).toEqual(before.covers.flat());
    expect(after.unwatched).toEqual([subject(5).id]);
  });

  it('covers every subject exactly once, in the order given, each filter within maxChars', () => {
    const subjects = Array.from({ length: 17 }, (_, n) => subject(n, n % 5 === 0 ? { extra: `resource.labels.namespace_name="ns-${n}"` } : {}));
    const maxChars = 1800;
    const plan = watchSessions(subjects, 100, maxChars);
    expect(plan.unwatched).toEqual([]);
    expect(plan.covers.flat()).toEqual(subjects.map((s) => s.id));
    expect(plan.filters.length).toBeGreaterThan(1);
    for (const filter of plan.filters) expect(filter.length).toBeLessThanOrEqual(maxChars);
    // Greedy packing: no session could have taken the first subject of the next one.
    const byId = new Map(subjects.map((s) => [s.id, s]));
    for (let i = 0; i + 1 < plan.covers.length; i++) {
      const grown = [...plan.covers[i]!, plan.covers[i + 1]![0]!].map((id) => byId.get(id)!);
      expect(sessionFilter(grown).length).toBeGreaterThan(maxChars);
    }
  });

  it('leaves unwatched a subject that fits in no session alone, and still watches later ones', () => {
    const huge = subject('huge', { extra: `labels.k="${'x'.repeat(3000)}"` });
    const plan = watchSessions([subject(1), huge, subject(2)], 5, 2000);
    expect(plan.unwatched).toEqual([huge.id]);
    expect(plan.covers.flat()).toEqual([subject(1).id, subject(2).id]);
  });

  it(`keeps 50 migrations with distinct ~30-character hosts in ONE session under ${MAX_FILTER_CHARS} characters`, () => {
    const subjects = Array.from({ length: 50 }, (_, n) => {
      const id = String(n).padStart(2, '0');
      return subject(n, { from: `pay-${id}.svc-entry.example.com`, to: `pay-${id}.gcpbackend.example.io` });
    });
    expect(subjects.every((s) => s.from.length >= 28 && s.from.length <= 32 && s.to.length >= 28 && s.to.length <= 32)).toBe(true);
    expect(new Set(subjects.flatMap((s) => [s.from, s.to])).size).toBe(100);
    const plan = watchSessions(subjects, 1);
    expect(plan.unwatched).toEqual([]);
    expect(plan.filters).toHaveLength(1);
    const filter = plan.filters[0]!;
    expect(filter.length).toBeLessThanOrEqual(MAX_FILTER_CHARS);
    const matches = compileLogFilter(filter);
    for (const s of subjects) for (const entry of [...entriesNaming(s.from), ...entriesNaming(s.to)]) expect(matches(entry)).toBe(true);
    expect(matches(entryOf(istioProxyAccessLog({ authority: 'pay-50.svc-entry.example.com' })))).toBe(false);
  });
});

describe('sessionFilter', () => {
  it('is what the one subject’s own filter selects, on the usual samples', () => {
    const s = subject(1);
    const matches = compileLogFilter(sessionFilter([s]));
    const own = ownFilter(s);
    const samples = [...entriesNaming(s.from), ...entriesNaming(s.to), ...entriesNaming('svc-1.example.com'), entryOf(tdPermissionDenied()), entryOf(istioProxyAccessLog())];
    for (const entry of samples) expect(matches(entry)).toBe(own(entry));
    expect(samples.filter(matches)).toHaveLength(7);
  });

  it('shares one clause per field between subjects without an extra filter, and does not repeat hosts', () => {
    const [a, b] = [subject('a'), subject('b')];
    const both = sessionFilter([a, b]);
    expect(both.match(/istio-proxy/g)).toHaveLength(1);
    expect(both.match(/envoy_sidecar_log/g)).toHaveLength(1);
    expect(sessionFilter([a, { ...a, id: 'sentinel:m-a', kind: 'sentinel' }])).toBe(sessionFilter([a]));
  });

  it('gives a subject with an extra filter its own clause, so the extra filter restricts only its hosts', () => {
    const plain = subject('plain');
    const scoped = subject('scoped', { extra: 'resource.labels.namespace_name="payments"' });
    const filter = sessionFilter([plain, scoped]);
    expect(filter).toContain(`(${migrationLogFilter({ from: scoped.from, to: scoped.to, extra: scoped.extra })})`);
    const matches = compileLogFilter(filter);
    expect(matches(entryOf(istioProxyAccessLog({ authority: scoped.to, namespace: 'payments' })))).toBe(true);
    expect(matches(entryOf(istioProxyAccessLog({ authority: scoped.to, namespace: 'default' })))).toBe(false);
    expect(matches(entryOf(istioProxyAccessLog({ authority: plain.to, namespace: 'default' })))).toBe(true);
  });

  it('with only extra-filtered subjects, does not select project-wide entries the extra filters refuse', () => {
    const scoped = subject('scoped', { extra: 'resource.labels.namespace_name="payments"' });
    const matches = compileLogFilter(sessionFilter([scoped]));
    expect(matches(entryOf(tdPermissionDenied()))).toBe(false);
    expect(matches(entryOf(istioProxyAccessLog({ authority: scoped.from, namespace: 'payments' })))).toBe(true);
  });

  it('escapes hosts: `a.b` does not select `aXb`, in the authority or the upstream cluster', () => {
    const matches = compileLogFilter(sessionFilter([subject('x', { from: 'a.b', to: 'c+d(e)' })]));
    expect(matches(entryOf(istioProxyAccessLog({ authority: 'a.b', upstreamCluster: '-' })))).toBe(true);
    expect(matches(entryOf(istioProxyAccessLog({ authority: 'aXb', upstreamCluster: 'outbound|443||aXb' })))).toBe(false);
    expect(matches(entryOf(istioProxyAccessLog({ authority: 'c+d(e)', upstreamCluster: '-' })))).toBe(true);
    expect(matches(entryOf(istioProxyAccessLog({ authority: 'cd(e)', upstreamCluster: 'outbound|443||cdde' })))).toBe(false);
    expect(matches(entryOf(csmTrafficLog({ destinationServiceHost: 'aXb', upstreamCluster: 'outbound|443||C+D(E)' })))).toBe(true);
  });
});

describe('an extra filter that ends in a comment', () => {
  it('still leaves the migration filter and the session filter whole', () => {
    const extra = 'severity>=ERROR -- prod only';
    expect(() => compileLogFilter(migrationLogFilter({ from: 'a.example.com', to: 'b.example.com', extra }))).not.toThrow();
    const subject = { id: 'bake:x', kind: 'bake' as const, migration: 'm', from: 'a.example.com', to: 'b.example.com', extra, since: '2026-01-01T00:00:00.000Z', until: '2027-01-01T00:00:00.000Z' };
    expect(() => compileLogFilter(sessionFilter([subject]))).not.toThrow();
  });
});
