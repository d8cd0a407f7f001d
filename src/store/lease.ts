import type { Redis } from 'ioredis';

/**
 * A role that one process holds at a time (the project's log watch), in Redis with a time to
 * live. Each acquisition gets a fencing token, larger than every earlier one: writes made on
 * the role's behalf carry `holder:token` and are refused once someone else holds it, so a
 * holder that stalled past its lease cannot write over its successor.
 */
export class Lease {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  /** The fencing token when the lease was free and is now ours; undefined when someone holds it. */
  async acquire(): Promise<number | undefined> {
    const token = (await this.redis.eval(ACQUIRE, 2, this.key, `${this.key}:fence`, this.holder, this.ttlMs)) as number | null;
    return token === null ? undefined : Number(token);
  }

  /** Extends the lease; false when it is no longer ours (expired and taken, or released). */
  async renew(token: number): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key, this.value(token), this.ttlMs)) === 1;
  }

  async release(token: number): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.value(token));
  }

  /** Who holds it now (`holder:token`), if anyone. */
  async current(): Promise<string | undefined> {
    return (await this.redis.get(this.key)) ?? undefined;
  }

  /** What writes on the lease's behalf present as proof (see the fan-out script). */
  value(token: number): string {
    return `${this.holder}:${token}`;
  }

  get leaseKey(): string {
    return this.key;
  }
}

const ACQUIRE = `
if redis.call('exists', KEYS[1]) == 1 then return nil end
local token = redis.call('incr', KEYS[2])
redis.call('set', KEYS[1], ARGV[1] .. ':' .. token, 'PX', ARGV[2])
return token`;

const RENEW = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('pexpire', KEYS[1], ARGV[2])
return 1`;

const RELEASE = `
if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
return 1`;
