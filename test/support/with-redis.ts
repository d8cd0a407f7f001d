import { Redis } from 'ioredis';

/** One connection for one look at Redis (a test reading what meshbot stored), closed after. */
export async function withRedis<T>(url: string, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url);
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}
