import type { Redis } from 'ioredis';
import type { FeedRecord } from '../domain/watch/feed-record.js';
import type { WatchSubject } from '../domain/watch/watch-subject.js';
import type { LogWatchStore } from '../store/log-watch-store.js';

/** Records and their stream ids (same order); `cursor` is the last id. */
export type OnRecords = (records: FeedRecord[], ids: string[], cursor: string) => void | Promise<void>;

/** What a bake or the sentinel reads of the project's one log watch: its own stream of classified records. */
export interface LogFeed {
  readonly projectId: string | undefined;
  /** Registers the subject (if new) and hands on its records after `cursor` as they come; stop() ends the following, not the subject. */
  follow(subject: WatchSubject, cursor: string, onRecords: OnRecords): Promise<{ stop(): void }>;
  /** Registers the subject again if it is missing (Redis lost it); true when it was. */
  register(subject: WatchSubject): Promise<boolean>;
  /** Records after `cursor`, without waiting (the sentinel's minute). */
  read(subjectId: string, cursor: string): Promise<{ records: FeedRecord[]; ids: string[]; cursor: string }>;
  /** The subject is done: the watcher stops reading for it, its stream goes. */
  forget(subjectId: string): Promise<void>;
  /** Everything logged before this time is in the streams. */
  watermark(): Promise<string | undefined>;
}

const BLOCK_MS = 1000;
const READ_COUNT = 1000;
const RETRY_MS = 500;

interface Follower {
  cursor: string;
  readonly onRecords: OnRecords;
}

/**
 * The log feed of one process: every subject followed here is read by one blocking XREAD on a
 * connection of its own (not one per bake), woken through a stream of this process's own when
 * someone new follows.
 */
export class RedisLogFeed implements LogFeed {
  private readonly followers = new Map<string, Follower>();
  private readonly wakeKey: string;
  private wakeCursor = '0-0';
  private reading = false;
  private closed = false;

  constructor(
    private readonly store: LogWatchStore,
    private readonly commands: Redis,
    private readonly blocking: Redis,
    readonly projectId: string | undefined,
    processId: string,
  ) {
    this.wakeKey = store.key('wake', processId);
  }

  async follow(subject: WatchSubject, cursor: string, onRecords: OnRecords): Promise<{ stop(): void }> {
    const follower: Follower = { cursor, onRecords };
    await this.store.register(subject);
    if (!this.closed) {
      this.followers.set(subject.id, follower);
      await this.commands.xadd(this.wakeKey, 'MAXLEN', '~', 100, '*', 'w', '1');
      if (!this.reading) void this.readLoop();
    }
    return { stop: () => void (this.followers.get(subject.id) === follower && this.followers.delete(subject.id)) };
  }

  register(subject: WatchSubject): Promise<boolean> {
    return this.store.register(subject);
  }

  read(subjectId: string, cursor: string): Promise<{ records: FeedRecord[]; ids: string[]; cursor: string }> {
    return this.store.read(subjectId, cursor, READ_COUNT * 10);
  }

  async forget(subjectId: string): Promise<void> {
    this.followers.delete(subjectId);
    await this.store.forget(subjectId);
  }

  watermark(): Promise<string | undefined> {
    return this.store.watermark();
  }

  /** Stops reading; this process's wake-up stream goes with it (a new process has a new one). */
  async close(): Promise<void> {
    this.closed = true;
    this.followers.clear();
    this.blocking.disconnect();
    await this.commands.del(this.wakeKey).catch(() => undefined);
  }

  private async readLoop(): Promise<void> {
    this.reading = true;
    try {
      while (!this.closed && this.followers.size > 0) await this.readOnce();
    } finally {
      this.reading = false;
    }
  }

  private async readOnce(): Promise<void> {
    const cursors = new Map<string, string>([[WAKE, this.wakeCursor], ...[...this.followers].map(([id, f]) => [id, f.cursor] as const)]);
    let reads;
    try {
      reads = await this.store.readMany(this.blocking, cursors, BLOCK_MS, READ_COUNT, { [WAKE]: this.wakeKey });
    } catch {
      if (!this.closed) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      return;
    }
    for (const read of reads) {
      if (read.subjectId === WAKE) {
        this.wakeCursor = read.cursor;
        continue;
      }
      const follower = this.followers.get(read.subjectId);
      if (!follower) continue;
      await follower.onRecords(read.records, read.ids, read.cursor);
      follower.cursor = read.cursor;
    }
  }
}

const WAKE = '\u0000wake';
