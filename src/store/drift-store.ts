import type { Redis } from 'ioredis';

/** A migration whose live weights differ from what its last step left: since when, by whom, and the state in words. */
export interface Drift {
  readonly state: string;
  readonly expected: string;
  readonly since: string;
  readonly by: string | undefined;
}

// Records the drift unless this very state is already recorded; 1 when it is new (and must be posted).
const RECORD_IF_NEW = `
if redis.call('HGET', KEYS[1], 'state') == ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'expected', ARGV[2], 'since', ARGV[3], 'by', ARGV[4])
return 1`;

/** What the drift check remembers per migration, so each new drifted state is posted once. */
export class DriftStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** True at most once per `intervalMs` per migration, whichever worker asks. */
  async due(migration: string, intervalMs: number): Promise<boolean> {
    return (await this.redis.set(this.key('checked', migration), '1', 'PX', Math.max(1, Math.round(intervalMs)), 'NX')) === 'OK';
  }

  /** Records a drifted state; true when it differs from the one recorded (post it), false when it was already posted. */
  async recordIfNew(migration: string, drift: Drift): Promise<boolean> {
    return (await this.redis.eval(RECORD_IF_NEW, 1, this.key('state', migration), drift.state, drift.expected, drift.since, drift.by ?? '')) === 1;
  }

  async get(migration: string): Promise<Drift | undefined> {
    const raw = await this.redis.hgetall(this.key('state', migration));
    if (!raw.state) return undefined;
    return { state: raw.state, expected: raw.expected ?? '', since: raw.since ?? '', by: raw.by || undefined };
  }

  /** The weights are back where the last step left them (or a new step took over). */
  async clear(migration: string): Promise<void> {
    await this.redis.del(this.key('state', migration));
  }

  private key(kind: string, migration: string): string {
    return `${this.prefix}:drift:${kind}:${migration}`;
  }
}
