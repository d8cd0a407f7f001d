import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { LogsThrottledError, ReadQuota, type ReadPriority } from '../../src/store/read-quota.js';
import { useRedisPair } from '../support/redis-pair.js';

const redis = useRedisPair();

let keys = 0;
const freshKey = () => `{quota-test}:reads:${++keys}`;
/** quotaPerMinute 10: meshbot's budget is 8 calls a minute (80%). */
const quota = (key = freshKey(), client: Redis = redis.one, hooks: ConstructorParameters<typeof ReadQuota>[3] = {}) => new ReadQuota(client, key, 10, hooks);
const QUICK = { maxWaitMs: 100 };

async function refusal(promise: Promise<void>): Promise<LogsThrottledError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LogsThrottledError);
  return error as LogsThrottledError;
}
async function takeTimes(q: ReadQuota, priority: ReadPriority, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await q.take(priority, QUICK);
}

describe('ReadQuota on a real redis-server', () => {
  it('lets 8 backfill calls through at once, then refuses the 9th within a short wait', async () => {
    const q = quota();
    const started = Date.now();
    await takeTimes(q, 'backfill', 8);
    expect(Date.now() - started).toBeLessThan(1000);
    const error = await refusal(q.take('backfill', QUICK));
    expect(error.byCloudLogging).toBe(false);
    expect(error.retryInMs).toBeGreaterThan(50_000);
    expect(error.retryInMs).toBeLessThanOrEqual(60_001);
    expect(error.message).toMatch(/meshbot's share/);
    expect((await q.status()).callsLastMinute).toBe(8);
  });

  it('gives reports half the budget: refused once 4 calls of any priority are in the window', async () => {
    const q = quota();
    await takeTimes(q, 'report', 4);
    await refusal(q.take('report', QUICK));
    const other = quota();
    await takeTimes(other, 'backfill', 4);
    await refusal(other.take('report', QUICK));
    // A refused take takes nothing: the rest of the budget is still there for backfills.
    await takeTimes(q, 'backfill', 4);
    await refusal(q.take('backfill', QUICK));
    expect((await q.status()).callsLastMinute).toBe(8);
  });

  it('gives the sentinel three quarters: 6 calls', async () => {
    const q = quota();
    await takeTimes(q, 'sentinel', 6);
    await refusal(q.take('sentinel', QUICK));
    await refusal(q.take('report', QUICK));
    await takeTimes(q, 'backfill', 2);
    await refusal(q.take('backfill', QUICK));
  });

  it('shares the budget between two instances on the same key, as two processes would', async () => {
    const key = freshKey();
    const a = quota(key, redis.one);
    const b = quota(key, redis.two);
    await takeTimes(a, 'backfill', 5);
    await takeTimes(b, 'backfill', 3);
    await refusal(b.take('backfill', QUICK));
    await refusal(a.take('backfill', QUICK));
    expect((await a.status()).callsLastMinute).toBe(8);
    expect((await b.status()).callsLastMinute).toBe(8);
    expect((await quota().status()).callsLastMinute).toBe(0);
  });

  it('hands out exactly the budget to concurrent takers', async () => {
    const key = freshKey();
    const instances = [quota(key, redis.one), quota(key, redis.two)];
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => instances[i % 2]!.take('backfill', QUICK)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(8);
    expect(results.filter((r) => r.status === 'rejected').every((r) => r.status === 'rejected' && r.reason instanceof LogsThrottledError)).toBe(true);
  });

  it('after a 429, pauses every priority, and doubles the pause on a repeat', async () => {
    const key = freshKey();
    const q = quota(key);
    const first = await q.throttled();
    expect(first).toBe(1000);
    for (const priority of ['backfill', 'sentinel', 'report'] as const) {
      const error = await refusal(q.take(priority, QUICK));
      expect(error.byCloudLogging).toBe(true);
      expect(error.retryInMs).toBeGreaterThan(0);
      expect(error.retryInMs).toBeLessThanOrEqual(1000);
      expect(error.message).toMatch(/429/);
    }
    const status = await q.status();
    expect(status.pausedForMs).toBeGreaterThan(500);
    expect(status.pausedForMs).toBeLessThanOrEqual(1000);
    expect(status.callsLastMinute).toBe(0);
    // Another process sees the pause, and a repeat doubles it.
    const elsewhere = quota(key, redis.two);
    expect(await elsewhere.throttled()).toBe(2000);
    expect(await elsewhere.throttled()).toBe(4000);
    expect((await q.status()).pausedForMs).toBeGreaterThan(2000);
    await refusal(elsewhere.take('backfill', QUICK));
  });

  it('caps the pause at half a minute', async () => {
    const q = quota();
    const pauses: number[] = [];
    for (let i = 0; i < 8; i++) pauses.push(await q.throttled());
    expect(pauses).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('waits out a short pause when allowed to wait, then takes a call', async () => {
    const q = quota();
    await q.throttled();
    const started = Date.now();
    await q.take('backfill', { maxWaitMs: 5000 });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThan(700);
    expect(waited).toBeLessThan(3000);
    expect((await q.status()).callsLastMinute).toBe(1);
  });

  it('waits for the oldest call to leave the minute, when that is soon', async () => {
    const key = freshKey();
    const q = quota(key);
    await takeTimes(q, 'backfill', 8);
    // Age the oldest call to 59.3 s ago (redis's clock): its slot frees in about 700 ms.
    const [seconds, micros] = await redis.one.time();
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const [oldest] = await redis.one.zrange(`${key}:calls`, '0', '0');
    await redis.one.zadd(`${key}:calls`, now - 59_300, oldest!);
    const started = Date.now();
    await q.take('backfill', { maxWaitMs: 5000 });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThan(400);
    expect(waited).toBeLessThan(3000);
    expect((await q.status()).callsLastMinute).toBe(8);
  });

  it('stops waiting when aborted', async () => {
    const q = quota();
    await q.throttled();
    const controller = new AbortController();
    const pending = q.take('backfill', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('bake ended')), 50);
    await expect(pending).rejects.toThrow('bake ended');
    expect((await q.status()).callsLastMinute).toBe(0);
  });

  it('tells its hooks about each call and each 429', async () => {
    const calls: ReadPriority[] = [];
    let throttles = 0;
    const q = quota(freshKey(), redis.one, { onCall: (p) => calls.push(p), onThrottled: () => throttles++ });
    await q.take('report', QUICK);
    await q.take('backfill', QUICK);
    await takeTimes(q, 'report', 2);
    await refusal(q.take('report', QUICK));
    expect(calls).toEqual(['report', 'backfill', 'report', 'report']);
    await q.throttled();
    expect(throttles).toBe(1);
  });

  it('reports no calls and no pause for an unused key', async () => {
    expect(await quota().status()).toEqual({ callsLastMinute: 0, pausedForMs: 0 });
  });
});
