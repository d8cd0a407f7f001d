import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from '../../src/domain/operation/operation.js';
import { transition } from '../../src/domain/operation/transitions.js';
import { OperationStore } from '../../src/store/operation-store.js';
import { startRedis, type RedisInstance } from '../harness/redis-server.js';

let redis: RedisInstance;
let client: Redis;
let store: OperationStore;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  store = new OperationStore(client, '{store-test}');
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

const AT = '2026-11-21T10:00:00.000Z';
const operation = (id: string, state: Operation['state'] = 'awaiting-approval'): Operation => ({
  id, migration: 'm', kind: 'shift', percent: 25, state, requestedBy: 'U0BOB', requestedAt: AT, expiresAt: AT, channel: 'C1', version: 0, history: [],
});

describe('OperationStore on a real redis-server', () => {
  it('lets exactly one of many concurrent approvals win', async () => {
    await store.create(operation('op-race'), 'ctx/ns/vs-race');
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => store.mutate('op-race', (op) => transition(op, { type: 'approve', at: AT, by: `U${i}` }))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.error.includes('already approved'))).toBe(true);
    expect((await store.get('op-race'))?.version).toBe(1);
  });

  it('holds one operation in flight per VirtualService and frees it at the end', async () => {
    const lock = 'ctx/ns/vs-lock';
    expect((await store.create(operation('op-a'), lock)).ok).toBe(true);
    const busy = await store.create(operation('op-b'), lock);
    expect(!busy.ok && busy.error.id).toBe('op-a');
    await store.mutate('op-a', (op) => transition(op, { type: 'reject', at: AT, by: 'U0ALICE' }));
    expect((await store.create(operation('op-c'), lock)).ok).toBe(true);
    await store.release(lock, 'op-a');
    expect((await store.holderOf(lock))?.id).toBe('op-c');
    await store.release(lock, 'op-c');
    expect(await store.holderOf(lock)).toBeUndefined();
  });

  it('keeps history newest first and drops repeated Slack deliveries', async () => {
    await store.create(operation('op-h1', 'applied'), 'ctx/ns/vs-h');
    await store.create(operation('op-h2', 'applied'), 'ctx/ns/vs-h');
    expect((await store.history('m', 2)).map((o) => o.id)).toEqual(['op-h2', 'op-h1']);
    expect(await store.firstSighting('trigger-1', 60)).toBe(true);
    expect(await store.firstSighting('trigger-1', 60)).toBe(false);
  });
});
