import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { startRedis, type RedisInstance } from '../harness/redis-server.js';

export interface RedisPair {
  /** Two connections to one redis-server of this test file: two processes, or a command connection and a blocking one. */
  readonly one: Redis;
  readonly two: Redis;
}

/** Starts a redis-server for the file (beforeAll) and stops it after (afterAll). */
export function useRedisPair(): RedisPair {
  let server: RedisInstance | undefined;
  let one: Redis | undefined;
  let two: Redis | undefined;
  beforeAll(async () => {
    server = await startRedis();
    one = new Redis(server.url);
    two = new Redis(server.url);
  });
  afterAll(async () => {
    one?.disconnect();
    two?.disconnect();
    await server?.stop();
  });
  return {
    get one() {
      return one as Redis;
    },
    get two() {
      return two as Redis;
    },
  };
}
