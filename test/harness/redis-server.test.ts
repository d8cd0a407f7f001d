import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedis, type RedisInstance } from './redis-server.js';

const started: RedisInstance[] = [];

async function start(appendonly: boolean): Promise<RedisInstance> {
  const redis = await startRedis({ appendonly });
  started.push(redis);
  return redis;
}

/** Runs one exchange on a fresh connection, closed afterwards so restarts cause no reconnect noise. */
async function withClient<T>(redis: RedisInstance, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1, lazyConnect: true });
  await client.connect();
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((redis) => redis.stop()));
});

describe('startRedis', () => {
  it('serves SET and GET on 127.0.0.1, and stop() removes its directory', async () => {
    const redis = await start(false);

    const value = await withClient(redis, async (client) => {
      await client.set('greeting', 'hello');
      return client.get('greeting');
    });
    await redis.stop();

    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(value).toBe('hello');
    expect(existsSync(redis.dir)).toBe(false);
    await expect(redis.restart()).rejects.toThrow(/stopped/);
  });

  it('keeps data across restart() with appendonly, on the same port and directory', async () => {
    const redis = await start(true);
    const { port, dir } = redis;
    await withClient(redis, (client) => client.set('rollout', 'step-3'));

    await redis.restart();

    expect([redis.port, redis.dir]).toEqual([port, dir]);
    expect(await withClient(redis, (client) => client.get('rollout'))).toBe('step-3');
  });

  it('keeps appendonly data across a SIGKILL', async () => {
    const redis = await start(true);
    await withClient(redis, (client) => client.set('survives', 'crash'));

    await redis.kill();
    await redis.restart();

    expect(await withClient(redis, (client) => client.get('survives'))).toBe('crash');
  });

  it('loses data across restart() without appendonly', async () => {
    const redis = await start(false);
    await withClient(redis, (client) => client.set('ephemeral', 'yes'));

    await redis.restart();

    expect(await withClient(redis, (client) => client.get('ephemeral'))).toBeNull();
  });

  it('says how to install redis-server when the binary is missing', async () => {
    await expect(startRedis({ redisServerPath: '/nonexistent/redis-server' })).rejects.toThrow(/apt-get install -y redis-server.*brew install redis/);
  });
});
