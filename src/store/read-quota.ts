import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Who is reading, most urgent first: a bake's backfill, the sentinel's start-up, a person's report. */
export type ReadPriority = 'backfill' | 'sentinel' | 'report';

/** The share of meshbot's budget each priority may use: reports stop first, backfills last. */
const SHARE: Record<ReadPriority, number> = { backfill: 1, sentinel: 0.75, report: 0.5 };
/** meshbot leaves a fifth of the project's quota to everyone else (Logs Explorer, other tools). */
const HEADROOM = 0.8;
const WINDOW_MS = 60_000;
/** After Cloud Logging answers 429: wait this long, doubling with each 429 in a row, up to half a minute (a bake may be waiting on the read). */
const FIRST_PENALTY_MS = 1000;
const MAX_PENALTY_MS = 30_000;

/** meshbot's reads are throttled: by its own share of the quota or by Cloud Logging itself (429). Not a clean bill. */
export class LogsThrottledError extends Error {
  constructor(
    readonly retryInMs: number,
    readonly byCloudLogging: boolean,
  ) {
    super(
      byCloudLogging
        ? `Cloud Logging is throttling reads of this project (429 RESOURCE_EXHAUSTED: 60 ListLogEntries calls per minute per project); retry in ${Math.ceil(retryInMs / 1000)} s`
        : `meshbot's share of this project's Cloud Logging read quota (60 ListLogEntries calls per minute) is in use by running bakes; retry in ${Math.ceil(retryInMs / 1000)} s`,
    );
    this.name = 'LogsThrottledError';
  }
}

export interface TakeOptions {
  /** Give up (LogsThrottledError) rather than wait longer than this. */
  readonly maxWaitMs?: number;
  readonly signal?: AbortSignal | undefined;
}

/**
 * One ListLogEntries budget for every meshbot process reading a project: a sliding minute in
 * Redis (server time), at most HEADROOM × the project's quota, of which lower priorities get a
 * smaller share; a 429 from Cloud Logging stops everyone's reads for a while.
 */
export class ReadQuota {
  private readonly budget: number;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    quotaPerMinute = 60,
    private readonly hooks: { onCall?: (priority: ReadPriority) => void; onThrottled?: () => void } = {},
  ) {
    this.budget = Math.max(1, Math.floor(quotaPerMinute * HEADROOM));
  }

  /** Waits for a slot in the minute's budget for this priority and takes it. */
  async take(priority: ReadPriority, options: TakeOptions = {}): Promise<void> {
    const budget = Math.max(1, Math.floor(this.budget * SHARE[priority]));
    const started = Date.now();
    for (;;) {
      const [waitMs, penalised] = (await this.redis.eval(TAKE, 2, `${this.key}:calls`, `${this.key}:penalty`, budget, WINDOW_MS, randomBytes(6).toString('hex'))) as [number, number];
      if (waitMs <= 0) {
        this.hooks.onCall?.(priority);
        return;
      }
      const waited = Date.now() - started;
      if (options.maxWaitMs !== undefined && waited + waitMs > options.maxWaitMs) throw new LogsThrottledError(waitMs, penalised === 1);
      await sleep(Math.min(waitMs, 1000), options.signal);
    }
  }

  /** Cloud Logging answered 429: nobody reads for a while (doubling while it goes on). Returns the pause. */
  async throttled(): Promise<number> {
    this.hooks.onThrottled?.();
    return Number(await this.redis.eval(PENALISE, 2, `${this.key}:penalty`, `${this.key}:strikes`, FIRST_PENALTY_MS, MAX_PENALTY_MS));
  }

  /** Calls in the last minute and how long reads stay paused after a 429 (for /mesh errors and /metrics). */
  async status(): Promise<{ callsLastMinute: number; pausedForMs: number }> {
    const [calls, paused] = (await this.redis.eval(STATUS, 2, `${this.key}:calls`, `${this.key}:penalty`, WINDOW_MS)) as [number, number];
    return { callsLastMinute: calls, pausedForMs: Math.max(0, paused) };
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const NOW_MS = `local t = redis.call('time'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const TAKE = `
${NOW_MS}
local paused = redis.call('pttl', KEYS[2])
if paused > 0 then return {paused, 1} end
local window = tonumber(ARGV[2])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - window)
local n = redis.call('zcard', KEYS[1])
local budget = tonumber(ARGV[1])
if n < budget then
  redis.call('zadd', KEYS[1], now, now .. ':' .. ARGV[3])
  redis.call('pexpire', KEYS[1], window)
  return {0, 0}
end
local freeing = redis.call('zrange', KEYS[1], n - budget, n - budget, 'WITHSCORES')
return {tonumber(freeing[2]) + window - now + 1, 0}`;

const PENALISE = `
local strikes = redis.call('incr', KEYS[2])
redis.call('pexpire', KEYS[2], tonumber(ARGV[2]) * 2)
local pause = math.min(tonumber(ARGV[1]) * 2 ^ (strikes - 1), tonumber(ARGV[2]))
redis.call('set', KEYS[1], '1', 'PX', math.floor(pause))
return math.floor(pause)`;

const STATUS = `
${NOW_MS}
redis.call('zremrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[1]))
return {redis.call('zcard', KEYS[1]), redis.call('pttl', KEYS[2])}`;
