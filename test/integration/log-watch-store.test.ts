import { beforeEach, describe, expect, it } from 'vitest';
import type { FeedRecord } from '../../src/domain/watch/feed-record.js';
import { markFor, type SubjectBatch } from '../../src/domain/watch/route-entries.js';
import type { WatchSubject } from '../../src/domain/watch/watch-subject.js';
import { Lease } from '../../src/store/lease.js';
import { LogWatchStore } from '../../src/store/log-watch-store.js';
import { useRedisPair } from '../support/redis-pair.js';

const redis = useRedisPair();

let project = 0;
let store: LogWatchStore;
let lease: Lease;
let leaseValue: string;
beforeEach(async () => {
  store = new LogWatchStore(redis.one, '{lw-test}', `project-${++project}`);
  lease = new Lease(redis.one, store.key('lease'), 'watcher-a', 30_000);
  leaseValue = lease.value((await lease.acquire())!);
});

const T = (second: number) => new Date(Date.parse('2026-03-02T10:00:00.000Z') + second * 1000).toISOString();
const errorRecord = (id: string, ts: string): { id: string; ts: string; record: FeedRecord } => ({ id, ts, record: { k: 'e', id, ts, c: 'no-healthy-upstream', s: `503 UH ${id}` } });
const batch = (subjectId: string, records: string[], quiet: [id: string, ok: boolean][] = [], at = T(1)): SubjectBatch => ({
  subjectId,
  records: records.map((id) => errorRecord(id, at)),
  quiet: quiet.map(([id, ok]) => ({ id, ts: at, ok })),
  quietFirst: quiet.length ? at : '',
  quietLast: quiet.length ? at : '',
});
const all = async (subjectId: string) => (await store.read(subjectId, '0-0', 1000)).records;
const subject = (id: string, over: Partial<WatchSubject> = {}): WatchSubject => ({ id, kind: 'bake', migration: 'm', from: 'a.com', to: 'b.com', since: T(0), until: T(3600), ...over });

describe('LogWatchStore.deliver', () => {
  it('writes records and returns how many were added', async () => {
    expect(await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['e1', 'e2']), batch('bake:b', ['e1'])], T(1))).toBe(3);
    expect(await all('bake:a')).toEqual([errorRecord('e1', T(1)).record, errorRecord('e2', T(1)).record]);
    expect(await all('bake:b')).toEqual([errorRecord('e1', T(1)).record]);
  });

  it("returns 'lost' for a stale lease value and writes nothing: no records, no seen ids, no resume point", async () => {
    const stale = `${leaseValue.split(':')[0]}:${Number(leaseValue.split(':')[1]) - 1}`;
    expect(await store.deliver(lease.leaseKey, stale, [batch('bake:a', ['e1'], [['q1', true]])], T(5))).toBe('lost');
    expect(await store.deliver(lease.leaseKey, 'watcher-b:999', [batch('bake:a', ['e1'])], T(5))).toBe('lost');
    expect(await all('bake:a')).toEqual([]);
    expect(await store.resumePoint()).toBeUndefined();
    expect(await redis.one.keys(`${store.key('seen')}*`)).toEqual([]);
    // The ids were not taken by the refused write: the holder's write of the same entries lands.
    expect(await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['e1'], [['q1', true]])], T(5))).toBe(2);
  });

  it("returns 'lost' once the lease expired, even to its last holder", async () => {
    const short = new Lease(redis.one, store.key('short-lease'), 'watcher-a', 100);
    const value = short.value((await short.acquire())!);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await store.deliver(short.leaseKey, value, [batch('bake:a', ['e1'])], T(1))).toBe('lost');
    expect(await all('bake:a')).toEqual([]);
  });

  it('writes an insertId to a subject once, over two calls', async () => {
    expect(await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['e1', 'e2'])], T(1))).toBe(2);
    expect(await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['e2', 'e3', 'e1'])], T(1))).toBe(1);
    expect((await all('bake:a')).map((r) => r.k === 'e' && r.id)).toEqual(['e1', 'e2', 'e3']);
  });

  it('writes an insertId once even when two holders deliver it in turn (a backfill after a change of holder)', async () => {
    expect(await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['e1'], [['q1', true]])], T(1))).toBe(2);
    await lease.release(Number(leaseValue.split(':')[1]));
    const successor = new Lease(redis.one, lease.leaseKey, 'watcher-b', 30_000);
    const next = successor.value((await successor.acquire())!);
    expect(await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['e9'])], T(1))).toBe('lost');
    expect(await store.deliver(successor.leaseKey, next, [batch('bake:a', ['e1', 'e2'], [['q1', true], ['q2', true]])], T(1))).toBe(2);
    expect(await all('bake:a')).toEqual([
      errorRecord('e1', T(1)).record,
      { k: 'q', ok: 1, ig: 0, first: T(1), last: T(1) },
      errorRecord('e2', T(1)).record,
      { k: 'q', ok: 1, ig: 0, first: T(1), last: T(1) },
    ]);
  });

  it('keeps insertIds apart per subject: the same entry goes to every subject it is filed under', async () => {
    expect(await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['e1']), batch('sentinel:m', ['e1'])], T(1))).toBe(2);
    expect(await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['e1']), batch('sentinel:m', ['e1'])], T(1))).toBe(0);
    expect(await all('sentinel:m')).toHaveLength(1);
  });

  it('counts quiet entries into one record per write, counting only ids not written before', async () => {
    const first: SubjectBatch = { subjectId: 'bake:a', records: [], quiet: [{ id: 'q1', ts: T(1), ok: true }, { id: 'q2', ts: T(2), ok: true }, { id: 'q3', ts: T(3), ok: false }], quietFirst: T(1), quietLast: T(3) };
    expect(await store.deliver(lease.leaseKey, leaseValue, [first], T(3))).toBe(1);
    const second: SubjectBatch = { subjectId: 'bake:a', records: [], quiet: [{ id: 'q2', ts: T(2), ok: true }, { id: 'q3', ts: T(3), ok: false }, { id: 'q4', ts: T(4), ok: true }, { id: 'q5', ts: T(5), ok: false }, { id: 'q6', ts: T(6), ok: false }], quietFirst: T(2), quietLast: T(6) };
    expect(await store.deliver(lease.leaseKey, leaseValue, [second], T(6))).toBe(1);
    expect(await all('bake:a')).toEqual([
      { k: 'q', ok: 2, ig: 1, first: T(1), last: T(3) },
      { k: 'q', ok: 1, ig: 2, first: T(2), last: T(6) },
    ]);
    // Nothing fresh: no record at all.
    expect(await store.deliver(lease.leaseKey, leaseValue, [second], T(6))).toBe(0);
    expect(await all('bake:a')).toHaveLength(2);
  });

  it('tells duplicates within one write apart too', async () => {
    expect(await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['e1', 'e1'], [['q1', true], ['q1', true], ['q2', false]])], T(1))).toBe(2);
    expect(await all('bake:a')).toEqual([errorRecord('e1', T(1)).record, { k: 'q', ok: 1, ig: 1, first: T(1), last: T(1) }]);
  });

  it("always writes records whose id is '' (suppression notices, ready marks)", async () => {
    for (let i = 0; i < 3; i++) expect(await store.deliver(lease.leaseKey, leaseValue, markFor(['bake:a', 'bake:b'], { k: 's', n: 5 }), undefined)).toBe(2);
    expect(await store.deliver(lease.leaseKey, leaseValue, markFor(['bake:a'], { k: 'r' }), undefined)).toBe(1);
    expect(await all('bake:a')).toEqual([{ k: 's', n: 5 }, { k: 's', n: 5 }, { k: 's', n: 5 }, { k: 'r' }]);
    expect(await all('bake:b')).toHaveLength(3);
  });

  it('remembers written insertIds for a limited time only (the seen sets expire)', async () => {
    await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['e1'])], T(1));
    const seen = await redis.one.keys(`${store.key('seen')}*`);
    expect(seen).toHaveLength(1);
    const ttl = await redis.one.ttl(seen[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30 * 60);
  });

  it('moves the resume point only forward', async () => {
    expect(await store.resumePoint()).toBeUndefined();
    await store.deliver(lease.leaseKey, leaseValue, [], T(20));
    expect(await store.resumePoint()).toBe(T(20));
    await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['e1'])], T(10));
    expect(await store.resumePoint()).toBe(T(20));
    await store.deliver(lease.leaseKey, leaseValue, [], undefined);
    expect(await store.resumePoint()).toBe(T(20));
    await store.deliver(lease.leaseKey, leaseValue, [], T(21));
    expect(await store.resumePoint()).toBe(T(21));
    expect(await store.deliver(lease.leaseKey, 'watcher-z:1', [], T(99))).toBe('lost');
    expect(await store.resumePoint()).toBe(T(21));
  });
});

describe('LogWatchStore watermark', () => {
  it('moves forward only, and only for the lease holder', async () => {
    expect(await store.watermark()).toBeUndefined();
    await store.advanceWatermark(lease.leaseKey, leaseValue, T(30));
    expect(await store.watermark()).toBe(T(30));
    await store.advanceWatermark(lease.leaseKey, leaseValue, T(10));
    expect(await store.watermark()).toBe(T(30));
    await store.advanceWatermark(lease.leaseKey, 'watcher-z:1', T(90));
    expect(await store.watermark()).toBe(T(30));
    await store.advanceWatermark(lease.leaseKey, leaseValue, T(31));
    expect(await store.watermark()).toBe(T(31));
  });
});

describe('LogWatchStore subjects', () => {
  it('registers a subject once: a second registration (another since) keeps the first, and bumps the version only when new', async () => {
    expect(await store.version()).toBe('0');
    await store.register(subject('bake:a', { since: T(0) }));
    const afterFirst = await store.version();
    expect(afterFirst).not.toBe('0');
    await store.register(subject('bake:a', { since: T(300) }));
    expect(await store.version()).toBe(afterFirst);
    expect(await store.subjects()).toEqual([subject('bake:a', { since: T(0) })]);
    await store.register(subject('sentinel:m', { kind: 'sentinel' }));
    expect(await store.version()).not.toBe(afterFirst);
    expect((await store.subjects()).map((s) => s.id).sort()).toEqual(['bake:a', 'sentinel:m']);
  });

  it('keeps subjects per project', async () => {
    await store.register(subject('bake:a'));
    const other = new LogWatchStore(redis.one, '{lw-test}', `project-${project}-other`);
    expect(await other.subjects()).toEqual([]);
    expect(await other.version()).toBe('0');
  });

  it('marks subjects ready', async () => {
    await store.markReady([]);
    expect(await store.readyIds()).toEqual(new Set());
    await store.markReady(['bake:a', 'bake:b']);
    await store.markReady(['bake:a']);
    expect(await store.readyIds()).toEqual(new Set(['bake:a', 'bake:b']));
  });

  it('forgets a subject: its registration, ready mark and stream go, the version changes, others stay', async () => {
    await store.register(subject('bake:a'));
    await store.register(subject('bake:b'));
    await store.markReady(['bake:a', 'bake:b']);
    await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['e1']), batch('bake:b', ['e1'])], T(1));
    const before = await store.version();
    await store.forget('bake:a');
    expect((await store.subjects()).map((s) => s.id)).toEqual(['bake:b']);
    expect(await store.readyIds()).toEqual(new Set(['bake:b']));
    expect(await redis.one.exists(store.key('stream', 'bake:a'))).toBe(0);
    expect(await all('bake:a')).toEqual([]);
    expect(await all('bake:b')).toHaveLength(1);
    expect(await store.version()).not.toBe(before);
  });
});

describe('LogWatchStore reads', () => {
  it('reads after a cursor, a page at a time, and keeps the cursor at the end', async () => {
    await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['e1', 'e2', 'e3', 'e4', 'e5'])], T(1));
    const first = await store.read('bake:a', '0-0', 2);
    expect(first.records.map((r) => r.k === 'e' && r.id)).toEqual(['e1', 'e2']);
    const second = await store.read('bake:a', first.cursor, 2);
    expect(second.records.map((r) => r.k === 'e' && r.id)).toEqual(['e3', 'e4']);
    const third = await store.read('bake:a', second.cursor, 10);
    expect(third.records.map((r) => r.k === 'e' && r.id)).toEqual(['e5']);
    const end = await store.read('bake:a', third.cursor, 10);
    expect(end).toEqual({ subjectId: 'bake:a', records: [], ids: [], cursor: third.cursor });
    expect(await store.read('bake:none', '0-0', 10)).toEqual({ subjectId: 'bake:none', records: [], ids: [], cursor: '0-0' });
    // Each record's stream id, in order; the cursor is the last of them.
    const ids = [...first.ids, ...second.ids, ...third.ids];
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    expect([first.ids.at(-1), second.ids.at(-1), third.ids.at(-1)]).toEqual([first.cursor, second.cursor, third.cursor]);
    expect((await store.read('bake:a', '0-0', 10)).ids).toEqual(ids);
  });

  it('readMany returns the records of several streams after their cursors', async () => {
    await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['a1', 'a2']), batch('bake:b', ['b1'])], T(1));
    const cursorA = (await store.read('bake:a', '0-0', 1)).cursor;
    const reads = await store.readMany(redis.two, new Map([['bake:a', cursorA], ['bake:b', '0-0'], ['bake:c', '0-0']]), 100, 100);
    const byId = new Map(reads.map((r) => [r.subjectId, r]));
    expect([...byId.keys()].sort()).toEqual(['bake:a', 'bake:b']);
    expect(byId.get('bake:a')!.records.map((r) => r.k === 'e' && r.id)).toEqual(['a2']);
    expect(byId.get('bake:b')!.records.map((r) => r.k === 'e' && r.id)).toEqual(['b1']);
    expect(byId.get('bake:a')!.ids).toEqual([byId.get('bake:a')!.cursor]);
    expect(byId.get('bake:b')!.ids).toEqual((await store.read('bake:b', '0-0', 10)).ids);
    // Read again from the cursors returned: nothing new, an empty answer once the block times out.
    const again = await store.readMany(redis.two, new Map([['bake:a', byId.get('bake:a')!.cursor], ['bake:b', byId.get('bake:b')!.cursor]]), 100, 100);
    expect(again).toEqual([]);
    expect(await store.readMany(redis.two, new Map(), 100, 100)).toEqual([]);
  });

  it('readMany waits for records written while it blocks', async () => {
    await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['old'])], T(1));
    const cursor = (await store.read('bake:a', '0-0', 10)).cursor;
    const started = Date.now();
    const pending = store.readMany(redis.two, new Map([['bake:a', cursor], ['bake:b', '0-0']]), 5000, 100);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['new'], [['q1', true]])], T(2))).toBe(2);
    const reads = await pending;
    expect(Date.now() - started).toBeLessThan(4000);
    expect(reads).toHaveLength(1);
    expect(reads[0]!.subjectId).toBe('bake:a');
    expect(reads[0]!.records).toEqual([errorRecord('new', T(1)).record, { k: 'q', ok: 1, ig: 0, first: T(1), last: T(1) }]);
    expect(reads[0]!.cursor > cursor).toBe(true);
  });

  it('readMany reads another stream under an alias beside the subjects', async () => {
    const wake = store.key('wake', 'proc-1');
    await redis.one.xadd(wake, '*', 'r', JSON.stringify({ k: 'r' }));
    const reads = await store.readMany(redis.two, new Map([['bake:a', '0-0'], ['wake', '0-0']]), 100, 10, { wake });
    expect(reads.map((r) => [r.subjectId, r.records])).toEqual([['wake', [{ k: 'r' }]]]);
  });

  it('readMany honours COUNT', async () => {
    await store.deliver(lease.leaseKey, leaseValue, [batch('bake:a', ['e1', 'e2', 'e3'])], T(1));
    const [read] = await store.readMany(redis.two, new Map([['bake:a', '0-0']]), 100, 2);
    expect(read!.records).toHaveLength(2);
    const [rest] = await store.readMany(redis.two, new Map([['bake:a', read!.cursor]]), 100, 2);
    expect(rest!.records.map((r) => r.k === 'e' && r.id)).toEqual(['e3']);
  });
});
