import type { Redis } from 'ioredis';
import { isMeshObjectKind, type Operation } from '../domain/operation/operation.js';
import type { Result } from '../domain/result.js';
import { err, ok } from '../domain/result.js';

const HISTORY_KEEP = 200;

export interface RunRecord {
  readonly startedBy: string;
  readonly startedAt: string;
  readonly channel: string;
}
const MAX_CAS_ATTEMPTS = 10;

/**
 * Operations live in Redis beside the jobs: `op:<id>` holds the JSON, `lock:<ns>/<vs>` the id
 * of the one operation in flight for that VirtualService, `history:<migration>` the ids newest
 * first. Updates are compare-and-set on the operation's version, so two workers or two clicks
 * racing on one operation can never both win.
 */
export class OperationStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /**
   * Stores a new operation and takes the VirtualService's lock, unless another operation in
   * flight holds it. `takingOverFrom` names a holder that may be replaced atomically (a bake
   * handing its VirtualService to the rollback it triggered).
   */
  async create(op: Operation, lock: string, takingOverFrom = ''): Promise<Result<Operation, Operation>> {
    const keys = [this.lockKey(lock), this.opKey(op.id), this.historyKey(op.migration)];
    const holder = (await this.redis.eval(CREATE_SCRIPT, 3, ...keys, op.id, JSON.stringify(op), this.opKey(''), HISTORY_KEEP, takingOverFrom)) as string | null;
    if (holder === null) return ok(op);
    const busy = await this.get(holder);
    return busy ? err(busy) : this.create(op, lock, takingOverFrom);
  }

  async get(id: string): Promise<Operation | undefined> {
    const json = await this.redis.get(this.opKey(id));
    return json === null ? undefined : (JSON.parse(json) as Operation);
  }

  /**
   * Reads, applies `change`, writes only if nobody wrote in between; otherwise reads again.
   * `change` returns the next operation, or a refusal that ends the attempt.
   */
  async mutate(id: string, change: (op: Operation) => Result<Operation, string>): Promise<Result<{ before: Operation; after: Operation }, string>> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = await this.get(id);
      if (!current) return err(`Operation ${id} is unknown: it may have been cleaned up.`);
      const next = change(current);
      if (!next.ok) return next;
      const written = await this.redis.eval(CAS_SCRIPT, 1, this.opKey(id), String(current.version), JSON.stringify(next.value));
      if (written === 1) return ok({ before: current, after: next.value });
    }
    return err(`Operation ${id} is being changed by someone else right now; try again.`);
  }

  /** Frees the VirtualService for the next operation, if `id` still holds it. */
  async release(lock: string, id: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, this.lockKey(lock), id);
  }

  async holderOf(lock: string): Promise<Operation | undefined> {
    const id = await this.redis.get(this.lockKey(lock));
    return id === null ? undefined : this.get(id);
  }

  async history(migration: string, count: number): Promise<Operation[]> {
    const ids = await this.redis.lrange(this.historyKey(migration), 0, count - 1);
    const ops = await Promise.all(ids.map((id) => this.get(id)));
    return ops.filter((op): op is Operation => op !== undefined);
  }

  /** The newest applied shift or mirror of a migration that has not been rolled back. */
  async lastApplied(migration: string): Promise<Operation | undefined> {
    const recent = await this.history(migration, 50);
    return recent.find((op) => op.state === 'applied' && op.kind !== 'rollback' && !isMeshObjectKind(op.kind));
  }

  /** A `/mesh run` in progress for a migration: who started it, when. */
  async run(migration: string): Promise<RunRecord | undefined> {
    const json = await this.redis.get(`${this.prefix}:run:${migration}`);
    return json === null ? undefined : (JSON.parse(json) as RunRecord);
  }

  /** Starts a run unless one is going; returns false when one is. */
  async startRun(migration: string, run: RunRecord): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}:run:${migration}`, JSON.stringify(run), 'NX')) === 'OK';
  }

  async endRun(migration: string): Promise<void> {
    await this.redis.del(`${this.prefix}:run:${migration}`);
  }

  /** True the first time a key is seen within `ttlSeconds`: drops Slack's retried deliveries. */
  async firstSighting(key: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(`${this.prefix}:seen:${key}`, '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  private opKey(id: string): string {
    return `${this.prefix}:op:${id}`;
  }

  private lockKey(lock: string): string {
    return `${this.prefix}:lock:${lock}`;
  }

  private historyKey(migration: string): string {
    return `${this.prefix}:history:${migration}`;
  }
}

const TERMINAL = `{applied=true, rejected=true, expired=true, aborted=true, failed=true, ['rolled-back']=true}`;

/** KEYS: lock, op, history; ARGV: id, json, op-key prefix, history length, replaceable holder. Returns the holder's id when busy. */
const CREATE_SCRIPT = `
local holder = redis.call('GET', KEYS[1])
if holder then
  local json = redis.call('GET', ARGV[3] .. holder)
  if json then
    local terminal = ${TERMINAL}
    local op = cjson.decode(json)
    local baking = type(op.bake) == 'table' and op.bake.status == 'running'
    if holder ~= ARGV[5] and (baking or not terminal[op.state]) then return holder end
  end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('LPUSH', KEYS[3], ARGV[1])
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[4]) - 1)
return false
`;

/** KEYS: op; ARGV: expected version, new json. */
const CAS_SCRIPT = `
local json = redis.call('GET', KEYS[1])
if not json then return 0 end
if tostring(cjson.decode(json).version) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`;

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
