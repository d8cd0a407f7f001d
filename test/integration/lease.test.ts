import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Lease } from '../../src/store/lease.js';
import { useRedisPair } from '../support/redis-pair.js';

const redis = useRedisPair();

let keys = 0;
/** Two processes competing for the same role: their own connections, their own holder names. */
const pair = (ttlMs = 10_000) => {
  const key = `{lease-test}:lease:${++keys}`;
  return [new Lease(redis.one, key, 'worker-a', ttlMs), new Lease(redis.two, key, 'worker-b', ttlMs)] as const;
};

describe('Lease on a real redis-server', () => {
  it('lets only one of two holders acquire it', async () => {
    const [a, b] = pair();
    const [tokenA, tokenB] = await Promise.all([a.acquire(), b.acquire()]);
    expect([tokenA, tokenB].filter((t) => t !== undefined)).toHaveLength(1);
    const winner = tokenA !== undefined ? a : b;
    const token = (tokenA ?? tokenB)!;
    expect(await a.current()).toBe(winner.value(token));
    expect(await b.current()).toBe(winner.value(token));
    expect(await (winner === a ? b : a).acquire()).toBeUndefined();
  });

  it('lets exactly one of many concurrent acquisitions win', async () => {
    const key = `{lease-test}:lease:many`;
    const leases = Array.from({ length: 20 }, (_, i) => new Lease(i % 2 ? redis.one : redis.two, key, `w${i}`, 10_000));
    const tokens = await Promise.all(leases.map((l) => l.acquire()));
    expect(tokens.filter((t) => t !== undefined)).toHaveLength(1);
  });

  it('gives each acquisition a token larger than every earlier one', async () => {
    const [a, b] = pair();
    const seen: number[] = [];
    for (let round = 0; round < 6; round++) {
      const lease = round % 2 ? b : a;
      const token = await lease.acquire();
      expect(token).toBeDefined();
      seen.push(token!);
      await lease.release(token!);
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    expect(await a.current()).toBeUndefined();
  });

  it('renews for the holder and keeps it past the first ttl', async () => {
    const [a, b] = pair(1000);
    const token = (await a.acquire())!;
    for (let i = 0; i < 4; i++) {
      await sleep(400);
      expect(await a.renew(token)).toBe(true);
    }
    expect(await b.acquire()).toBeUndefined();
    expect(await a.current()).toBe(a.value(token));
  });

  it('lets another holder acquire after the ttl expires, and refuses the old holder’s renew then', async () => {
    const [a, b] = pair(150);
    const first = (await a.acquire())!;
    expect(await b.acquire()).toBeUndefined();
    await sleep(300);
    expect(await a.current()).toBeUndefined();
    const second = await b.acquire();
    expect(second).toBeGreaterThan(first);
    expect(await a.renew(first)).toBe(false);
    expect(await b.current()).toBe(b.value(second!));
  });

  it('refuses renew with a stale token even from the same holder', async () => {
    const [a] = pair(150);
    const first = (await a.acquire())!;
    await sleep(300);
    const second = (await a.acquire())!;
    expect(await a.renew(first)).toBe(false);
    expect(await a.renew(second)).toBe(true);
  });

  it('ignores a release by someone who does not hold it', async () => {
    const [a, b] = pair();
    const token = (await a.acquire())!;
    await b.release(token); // b's value is worker-b:token, not the holder's
    await b.release(token + 1);
    await a.release(token - 1);
    expect(await a.current()).toBe(a.value(token));
    expect(await b.acquire()).toBeUndefined();
    await a.release(token);
    expect(await a.current()).toBeUndefined();
    expect(await b.acquire()).toBeGreaterThan(token);
  });

  it('refuses renew after release', async () => {
    const [a] = pair();
    const token = (await a.acquire())!;
    await a.release(token);
    expect(await a.renew(token)).toBe(false);
  });

  it('presents `holder:token` as its value and names its key', () => {
    const lease = new Lease(redis.one, 'k', 'proc-1', 1000);
    expect(lease.value(7)).toBe('proc-1:7');
    expect(lease.leaseKey).toBe('k');
  });
});
