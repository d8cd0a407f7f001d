import type { Redis } from 'ioredis';
import type { FeedRecord } from '../domain/watch/feed-record.js';
import type { SubjectBatch } from '../domain/watch/route-entries.js';
import type { WatchSubject } from '../domain/watch/watch-subject.js';

/** A subject's stream keeps about this many records: a bake reads its stream within milliseconds, so this only bounds Redis's memory. */
const STREAM_MAXLEN = 20_000;
/** insertIds already written to a subject are remembered this long (backfills re-read at most a few minutes). */
const SEEN_TTL_SECONDS = 30 * 60;

export interface StreamRead {
  readonly subjectId: string;
  readonly records: FeedRecord[];
  /** The stream id of each record (same order): where it stands in the subject's stream. */
  readonly ids: string[];
  /** The id of the last record read: where the next read starts. */
  readonly cursor: string;
}

/**
 * What the project's one log watch keeps in Redis: the subjects it reads for (a hash, with a
 * version that changes with it), which of them are backfilled, where the watch resumes after a
 * change of holder, and a stream per subject that the watcher writes (fenced by its lease) and
 * the subject's reader follows.
 */
export class LogWatchStore {
  private readonly base: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    project: string | undefined,
  ) {
    this.base = `${prefix}:logwatch:${project ?? 'default'}`;
  }

  key(...parts: string[]): string {
    return [this.base, ...parts].join(':');
  }

  /** Adds a subject unless it is there already (a bake resumed by another worker keeps its first registration). */
  /** True when it was not there (new, or lost: a Redis that restarted without its last writes). */
  async register(subject: WatchSubject): Promise<boolean> {
    const added = await this.redis.hsetnx(this.key('subjects'), subject.id, JSON.stringify(subject));
    if (added === 1) await this.redis.incr(this.key('version'));
    return added === 1;
  }

  /** Removes a subject, its stream and its ready mark. */
  async forget(subjectId: string): Promise<void> {
    await this.redis.multi().hdel(this.key('subjects'), subjectId).hdel(this.key('ready'), subjectId).del(this.streamKey(subjectId)).incr(this.key('version')).exec();
  }

  async subjects(): Promise<WatchSubject[]> {
    const raw = await this.redis.hgetall(this.key('subjects'));
    return Object.values(raw).map((json) => JSON.parse(json) as WatchSubject);
  }

  async version(): Promise<string> {
    return (await this.redis.get(this.key('version'))) ?? '0';
  }

  async readyIds(): Promise<Set<string>> {
    return new Set(await this.redis.hkeys(this.key('ready')));
  }

  async markReady(subjectIds: readonly string[]): Promise<void> {
    if (subjectIds.length > 0) await this.redis.hset(this.key('ready'), Object.fromEntries(subjectIds.map((id) => [id, '1'])));
  }

  /** Everything logged before this time has been written to the streams (set by the holder while its sessions are settled). */
  async watermark(): Promise<string | undefined> {
    return (await this.redis.get(this.key('watermark'))) ?? undefined;
  }

  /** Moves the watermark forward, if `leaseValue` still holds the watch. */
  async advanceWatermark(leaseKey: string, leaseValue: string, at: string): Promise<void> {
    await this.redis.eval(ADVANCE, 2, leaseKey, this.key('watermark'), leaseValue, at);
  }

  /** The newest entry time the watch has written: where a new holder resumes. */
  async resumePoint(): Promise<string | undefined> {
    return (await this.redis.get(this.key('resume'))) ?? undefined;
  }

  /**
   * Writes the batches if `leaseValue` still holds the watch; returns how many records were
   * added, or 'lost' when the lease is someone else's (nothing was written then).
   */
  async deliver(leaseKey: string, leaseValue: string, batches: readonly SubjectBatch[], newest: string | undefined): Promise<number | 'lost'> {
    const args: (string | number)[] = [leaseValue, STREAM_MAXLEN, SEEN_TTL_SECONDS, batches.length];
    for (const batch of batches) {
      args.push(this.streamKey(batch.subjectId), this.key('seen', batch.subjectId, ''), batch.records.length, batch.quiet.length, batch.quietFirst, batch.quietLast);
      for (const r of batch.records) args.push(r.id, bucketOf(r.ts), JSON.stringify(r.record));
      for (const q of batch.quiet) args.push(q.id, bucketOf(q.ts), q.ok ? 1 : 0);
    }
    args.push(newest ?? '');
    const added = Number(await this.redis.eval(DELIVER, 2, leaseKey, this.key('resume'), ...args));
    return added < 0 ? 'lost' : added;
  }

  /**
   * Records after each cursor of several subjects at once, waiting up to `blockMs` for any
   * (XREAD, on a connection of its own since it blocks). `otherStreams` names streams read
   * beside them under an alias (a process's wake-up stream).
   */
  async readMany(connection: Redis, cursors: ReadonlyMap<string, string>, blockMs: number, count: number, otherStreams: Readonly<Record<string, string>> = {}): Promise<StreamRead[]> {
    const ids = [...cursors.keys()];
    if (ids.length === 0) return [];
    const keys = ids.map((id) => otherStreams[id] ?? this.streamKey(id));
    const idOf = new Map(keys.map((key, i) => [key, ids[i] as string]));
    const reply = (await connection.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', ...keys, ...ids.map((id) => cursors.get(id) as string))) as [string, [string, string[]][]][] | null;
    return (reply ?? []).map(([key, entries]) => ({ subjectId: idOf.get(key) ?? key, records: entries.map(([, fields]) => parseRecord(fields)), ids: entries.map(([id]) => id), cursor: entries.at(-1)?.[0] as string }));
  }

  /** Records after `cursor` of one subject, without waiting. */
  async read(subjectId: string, cursor: string, count: number): Promise<StreamRead> {
    const entries = (await this.redis.xrange(this.streamKey(subjectId), `(${cursor}`, '+', 'COUNT', count)) as [string, string[]][];
    return { subjectId, records: entries.map(([, fields]) => parseRecord(fields)), ids: entries.map(([id]) => id), cursor: entries.at(-1)?.[0] ?? cursor };
  }

  private streamKey(subjectId: string): string {
    return this.key('stream', subjectId);
  }
}

/** Per-minute sets, so remembering insertIds costs memory only for the last half hour. */
function bucketOf(timestamp: string): string {
  return timestamp.slice(0, 16);
}

function parseRecord(fields: string[]): FeedRecord {
  return JSON.parse(fields[1] ?? '{}') as FeedRecord;
}

const ADVANCE = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
local current = redis.call('get', KEYS[2])
if not current or current < ARGV[2] then redis.call('set', KEYS[2], ARGV[2]) end
return 1`;

const DELIVER = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return -1 end
local maxlen, ttl = ARGV[2], tonumber(ARGV[3])
local i, added, touched = 5, 0, {}
local function fresh(seenPrefix, id, bucket)
  if id == '' then return true end
  local key = seenPrefix .. bucket
  touched[key] = true
  return redis.call('sadd', key, id) == 1
end
for _ = 1, tonumber(ARGV[4]) do
  local stream, seen, records, quiet, first, last = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), ARGV[i + 4], ARGV[i + 5]
  i = i + 6
  for _ = 1, records do
    if fresh(seen, ARGV[i], ARGV[i + 1]) then
      redis.call('xadd', stream, 'MAXLEN', '~', maxlen, '*', 'r', ARGV[i + 2])
      added = added + 1
    end
    i = i + 3
  end
  local ok, ignored = 0, 0
  for _ = 1, quiet do
    if fresh(seen, ARGV[i], ARGV[i + 1]) then
      if ARGV[i + 2] == '1' then ok = ok + 1 else ignored = ignored + 1 end
    end
    i = i + 3
  end
  if ok + ignored > 0 then
    redis.call('xadd', stream, 'MAXLEN', '~', maxlen, '*', 'r', cjson.encode({k = 'q', ok = ok, ig = ignored, first = first, last = last}))
    added = added + 1
  end
end
for key in pairs(touched) do redis.call('expire', key, ttl) end
local newest = ARGV[i]
if newest ~= '' then
  local current = redis.call('get', KEYS[2])
  if not current or current < newest then redis.call('set', KEYS[2], newest) end
end
return added`;
