import { describe, expect, it } from 'vitest';
import { classifyEntry } from '../../../../src/domain/logs/classify.js';
import { compileLogFilter } from '../../../../src/domain/logs/filter/compile-log-filter.js';
import type { ClassifiableEntry } from '../../../../src/domain/logs/log-entry.js';
import { markFor, routeEntries, routeOf, type SubjectBatch } from '../../../../src/domain/watch/route-entries.js';
import type { WatchSubject } from '../../../../src/domain/watch/watch-subject.js';
import { cloudRunSidecarAccessLog, csmTrafficLog, istioProxyAccessLog, tdPermissionDenied, tlsVerifyFailed, xdsClosed13, xdsClosed14, xdsNack } from '../../../harness/log-samples.js';
import { normalizeEntry, type LogEntryInput } from '../../../harness/logging/entries.js';

const START = '2026-03-02T10:00:00.000Z';
let sequence = 0;
/** As the watcher sees an entry: stored JSON shape, timestamp as toClassifiable writes it (toISOString). */
const entryOf = (input: LogEntryInput, at = '2026-03-02T10:00:05.000Z'): ClassifiableEntry => {
  const stored = normalizeEntry({ ...input, timestamp: at }, { now: () => new Date(at), nextInsertId: () => `id-${++sequence}` });
  return { ...stored, timestamp: new Date(stored.timestamp).toISOString() };
};

const subject = (id: string, over: Partial<WatchSubject> = {}): WatchSubject => ({
  id,
  kind: id.startsWith('sentinel:') ? 'sentinel' : 'bake',
  migration: id.split(':')[1]!,
  from: 'cr-service-entry.com',
  to: 'cr-gcpbackend.com',
  since: START,
  until: '2026-03-02T11:00:00.000Z',
  ...over,
});
const routes = (...subjects: WatchSubject[]) => subjects.map((s) => routeOf(s, compileLogFilter));
const batchOf = (batches: SubjectBatch[], id: string) => batches.find((b) => b.subjectId === id);
const ids = (batch: SubjectBatch | undefined) => ({ records: batch?.records.map((r) => r.id) ?? [], quiet: batch?.quiet.map((q) => q.id) ?? [] });

describe('routeOf', () => {
  it('takes the subject’s hosts and compiles its extra filter, if any', () => {
    const plain = routeOf(subject('bake:a'), compileLogFilter);
    expect(plain.hosts).toEqual(['cr-service-entry.com', 'cr-gcpbackend.com']);
    expect(plain.extra).toBeUndefined();
    const scoped = routeOf(subject('bake:b', { extra: 'resource.labels.namespace_name="payments"' }), compileLogFilter);
    expect(scoped.extra?.(entryOf(istioProxyAccessLog({ namespace: 'payments' })))).toBe(true);
    expect(scoped.extra?.(entryOf(istioProxyAccessLog({ namespace: 'default' })))).toBe(false);
  });
});

describe('routeEntries', () => {
  it('files errors one by one and counts successes and ignored entries as quiet, with their span', () => {
    const uh = entryOf(istioProxyAccessLog({ responseFlags: 'UH' }), '2026-03-02T10:00:03.000Z');
    const ok1 = entryOf(istioProxyAccessLog(), '2026-03-02T10:00:09.000Z');
    const ok2 = entryOf(csmTrafficLog(), '2026-03-02T10:00:01.000Z');
    const ignored = entryOf(xdsClosed13(), '2026-03-02T10:00:05.000Z');
    const [batch, ...rest] = routeEntries([uh, ok1, ok2, ignored], routes(subject('bake:op-1')));
    expect(rest).toEqual([]);
    const classification = classifyEntry(uh);
    if (classification.kind !== 'error') throw new Error('the UH sample should be an error');
    expect(batch).toEqual({
      subjectId: 'bake:op-1',
      records: [{ id: uh.insertId, ts: uh.timestamp, record: { k: 'e', id: uh.insertId, ts: uh.timestamp, c: 'no-healthy-upstream', s: classification.sample } }],
      quiet: [
        { id: ok1.insertId, ts: ok1.timestamp, ok: true },
        { id: ok2.insertId, ts: ok2.timestamp, ok: true },
        { id: ignored.insertId, ts: ignored.timestamp, ok: false },
      ],
      quietFirst: '2026-03-02T10:00:01.000Z',
      quietLast: '2026-03-02T10:00:09.000Z',
    });
  });

  it('leaves the quiet span empty for a batch of errors only', () => {
    const [batch] = routeEntries([entryOf(istioProxyAccessLog({ responseFlags: 'UF' }))], routes(subject('bake:op-1')));
    expect(batch?.quiet).toEqual([]);
    expect([batch?.quietFirst, batch?.quietLast]).toEqual(['', '']);
  });

  it('drops entries logged before the subject’s since, keeps those at since and after', () => {
    const before = entryOf(istioProxyAccessLog({ responseFlags: 'UH' }), '2026-03-02T09:59:59.999Z');
    const at = entryOf(istioProxyAccessLog({ responseFlags: 'UH' }), START);
    const after = entryOf(istioProxyAccessLog(), '2026-03-02T10:00:00.001Z');
    const oldQuiet = entryOf(istioProxyAccessLog(), '2026-03-02T09:00:00.000Z');
    const batches = routeEntries([before, at, after, oldQuiet], routes(subject('bake:op-1')));
    expect(ids(batchOf(batches, 'bake:op-1'))).toEqual({ records: [at.insertId], quiet: [after.insertId] });
    expect(batchOf(batches, 'bake:op-1')?.quietFirst).toBe(after.timestamp);
    expect(routeEntries([before, oldQuiet], routes(subject('bake:op-1')))).toEqual([]);
  });

  it('files an entry under every subject it belongs to, each with its own since', () => {
    const early = entryOf(istioProxyAccessLog({ responseFlags: 'UH' }), '2026-03-02T10:00:10.000Z');
    const late = entryOf(istioProxyAccessLog({ responseFlags: 'UH' }), '2026-03-02T10:00:30.000Z');
    const a = subject('bake:a');
    const b = subject('bake:b', { since: '2026-03-02T10:00:20.000Z' });
    const other = subject('bake:c', { from: 'x.example', to: 'y.example' });
    const batches = routeEntries([early, late], routes(a, b, other));
    expect(ids(batchOf(batches, 'bake:a')).records).toEqual([early.insertId, late.insertId]);
    expect(ids(batchOf(batches, 'bake:b')).records).toEqual([late.insertId]);
    expect(batchOf(batches, 'bake:c')).toBeUndefined();
  });

  it('gives project-wide entries (Cloud Run sidecar, Traffic Director) to every bake, whatever its hosts', () => {
    const run = entryOf(cloudRunSidecarAccessLog({ authority: 'unrelated.example' }));
    const td = entryOf(tdPermissionDenied());
    const batches = routeEntries([run, td], routes(subject('bake:a'), subject('bake:b', { from: 'x.example', to: 'y.example' })));
    for (const id of ['bake:a', 'bake:b']) expect(ids(batchOf(batches, id))).toEqual({ records: [td.insertId], quiet: [run.insertId] });
  });

  it('applies the subject’s extra filter', () => {
    const payments = entryOf(istioProxyAccessLog({ namespace: 'payments', responseFlags: 'UH' }));
    const other = entryOf(istioProxyAccessLog({ namespace: 'default', responseFlags: 'UH' }));
    const batches = routeEntries([payments, other], routes(subject('bake:a', { extra: 'resource.labels.namespace_name="payments"' }), subject('bake:b')));
    expect(ids(batchOf(batches, 'bake:a')).records).toEqual([payments.insertId]);
    expect(ids(batchOf(batches, 'bake:b')).records).toEqual([payments.insertId, other.insertId]);
  });

  it('gives sentinels control-plane errors only: no data-plane errors, no successes, no ignored entries', () => {
    const controlPlane = [entryOf(tdPermissionDenied()), entryOf(xdsClosed14()), entryOf(xdsNack())];
    const dataPlane = [entryOf(istioProxyAccessLog({ responseFlags: 'UH' })), entryOf(csmTrafficLog({ responseFlag: 'UF' })), entryOf(tlsVerifyFailed()), entryOf(cloudRunSidecarAccessLog({ responseFlags: 'UH' }))];
    const quiet = [entryOf(istioProxyAccessLog()), entryOf(xdsClosed13()), entryOf(cloudRunSidecarAccessLog())];
    const batches = routeEntries([...controlPlane, ...dataPlane, ...quiet], routes(subject('sentinel:m'), subject('bake:op')));
    expect(ids(batchOf(batches, 'sentinel:m'))).toEqual({ records: controlPlane.map((e) => e.insertId), quiet: [] });
    expect(batchOf(batches, 'sentinel:m')?.records.map((r) => r.record.k === 'e' && r.record.c)).toEqual(['td-permission-denied', 'xds-unavailable', 'xds-nack']);
    expect(ids(batchOf(batches, 'bake:op'))).toEqual({ records: [...controlPlane, ...dataPlane].map((e) => e.insertId), quiet: quiet.map((e) => e.insertId) });
  });

  it('makes no batch for a sentinel that got nothing', () => {
    expect(routeEntries([entryOf(istioProxyAccessLog({ responseFlags: 'UH' })), entryOf(istioProxyAccessLog())], routes(subject('sentinel:m')))).toEqual([]);
  });

  it('with `only`, files under those subjects alone', () => {
    const uh = entryOf(istioProxyAccessLog({ responseFlags: 'UH' }));
    const batches = routeEntries([uh], routes(subject('bake:a'), subject('bake:b'), subject('bake:c')), new Set(['bake:b']));
    expect(batches.map((b) => b.subjectId)).toEqual(['bake:b']);
    expect(routeEntries([uh], routes(subject('bake:a')), new Set())).toEqual([]);
  });

  it('has nothing to file without entries or without routes', () => {
    expect(routeEntries([], routes(subject('bake:a')))).toEqual([]);
    expect(routeEntries([entryOf(istioProxyAccessLog())], [])).toEqual([]);
  });
});

describe('markFor', () => {
  it('writes the mark to each subject as a record with no insertId and no quiet entries', () => {
    expect(markFor(['bake:a', 'sentinel:m'], { k: 's', n: 12 })).toEqual([
      { subjectId: 'bake:a', records: [{ id: '', ts: '', record: { k: 's', n: 12 } }], quiet: [], quietFirst: '', quietLast: '' },
      { subjectId: 'sentinel:m', records: [{ id: '', ts: '', record: { k: 's', n: 12 } }], quiet: [], quietFirst: '', quietLast: '' },
    ]);
    expect(markFor([], { k: 'r' })).toEqual([]);
  });
});
