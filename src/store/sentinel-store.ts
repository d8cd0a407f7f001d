import type { Redis } from 'ioredis';
import type { RemedyFacts } from '../domain/logs/remedy-facts.js';

/** The sentinel's memory: where each migration's last scan of its stream ended, counts not yet reported, and the 15-minute quiet period per class. */
export class SentinelStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Where in the migration's sentinel stream the last scan ended. */
  async cursor(migration: string): Promise<string> {
    return (await this.redis.get(this.key('cursor', migration))) ?? '0-0';
  }

  async setCursor(migration: string, cursor: string): Promise<void> {
    await this.redis.set(this.key('cursor', migration), cursor);
  }

  /** `facts`: what the remedy needs from the entries (a denial's project and service), the newest few kept. */
  async addPending(migration: string, classId: string, count: number, samples: readonly string[], facts: readonly RemedyFacts[] = []): Promise<void> {
    const multi = this.redis.multi().hincrby(this.key('pending', migration), classId, count);
    if (samples.length > 0) multi.rpush(this.key('samples', migration, classId), ...samples).ltrim(this.key('samples', migration, classId), -3, -1);
    if (facts.length > 0) multi.rpush(this.key('facts', migration, classId), ...facts.map((f) => JSON.stringify(f))).ltrim(this.key('facts', migration, classId), -5, -1);
    await multi.exec();
  }

  async pending(migration: string): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(this.key('pending', migration));
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }

  /** True when no notice for this class went out in the last `seconds`; claims the period atomically. */
  async claimNotice(migration: string, classId: string, seconds: number): Promise<boolean> {
    return (await this.redis.set(this.key('notice', migration, classId), '1', 'EX', seconds, 'NX')) === 'OK';
  }

  /** Takes the pending count and samples of a class for a notice, leaving zero behind. */
  async takePending(migration: string, classId: string): Promise<{ count: number; samples: string[]; facts: RemedyFacts[] }> {
    const [[, count], [, samples], [, facts]] = (await this.redis
      .multi()
      .hget(this.key('pending', migration), classId)
      .lrange(this.key('samples', migration, classId), 0, -1)
      .lrange(this.key('facts', migration, classId), 0, -1)
      .hdel(this.key('pending', migration), classId)
      .del(this.key('samples', migration, classId), this.key('facts', migration, classId))
      .exec()) as [[null, string | null], [null, string[]], [null, string[]]];
    return { count: Number(count ?? 0), samples, facts: facts.map((f) => JSON.parse(f) as RemedyFacts) };
  }

  private key(...parts: string[]): string {
    return `${this.prefix}:sentinel:${parts.join(':')}`;
  }
}
