import type { Logging } from '@google-cloud/logging';
import type { ClassifiableEntry } from '../domain/logs/log-entry.js';
import { markFor, routeEntries, routeOf, type Route, type SubjectBatch } from '../domain/watch/route-entries.js';
import { sessionFilter, watchSessions } from '../domain/watch/watch-filter.js';
import { sentinelSubjectId, type WatchSubject } from '../domain/watch/watch-subject.js';
import type { Lease } from '../store/lease.js';
import type { LogWatchStore } from '../store/log-watch-store.js';
import type { ReadQuota } from '../store/read-quota.js';
import { toClassifiable } from './log-source.js';
import { LogTail } from './log-tail.js';

export interface LogWatcherSettings {
  /** Never more TailLogEntries sessions than this (Cloud Logging allows 10 per project). */
  readonly maxSessions: number;
  readonly syncEveryMs: number;
  readonly leaseTtlMs: number;
  /** A session silent this long is checked with a backfill (a stream can stall without an error). */
  readonly reconcileEveryMs: number;
  /** A replaced session stays open this long beside its successor, so nothing falls in the switch. */
  readonly overlapMs: number;
  /** How far behind the clock the watermark stays: Cloud Logging's tail holds entries up to 2 s (buffer_window) before it sends them. */
  readonly watermarkLagMs: number;
  /** What the sentinel watches: migrations with an incident channel. */
  readonly sentinels: readonly Pick<WatchSubject, 'migration' | 'from' | 'to' | 'extra'>[];
}

export interface LogWatcherHooks {
  readonly compile: (filter: string) => (entry: ClassifiableEntry) => boolean;
  readonly onSessions?: (open: number) => void;
  readonly onHolding?: (holding: boolean) => void;
  readonly onSubjects?: (watched: number, unwatched: number) => void;
  readonly warn: (message: string, details?: Record<string, unknown>) => void;
}

interface Session {
  readonly tail: LogTail;
  /** The subjects it reads for (another set of subjects with the same hosts has the same filter, so this can change). */
  covers: ReadonlySet<string>;
}

const SENTINEL_LOOK_BACK_MS = 2 * 60_000;
const NEVER_MS = 10 * 365 * 86_400_000;
/** Entries handed to Redis per write (one Lua call). */
const WRITE_CHUNK = 500;

/**
 * The log watcher role: whichever worker holds the project's lease keeps the fewest
 * TailLogEntries sessions that cover every running bake and every sentinel, classifies each
 * entry once and writes it to the streams of the subjects it belongs to. Any worker can take
 * the role over; a change of holder or of subjects loses nothing (the new sessions backfill
 * from the last entry written, or overlap the old ones) and counts nothing twice (each
 * subject's stream takes an insertId once).
 */
export class LogWatcher {
  private token: number | undefined;
  private sessions = new Map<string, Session>();
  private routes: Route[] = [];
  private seenVersion: string | undefined;
  private lastReplaceAt = 0;
  private lastRenewAt = 0;
  private lastPruneAt = 0;
  private readonly backfilling = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private stopped = false;

  constructor(
    private readonly logging: Logging,
    private readonly store: LogWatchStore,
    private readonly lease: Lease,
    private readonly reads: ReadQuota,
    private readonly settings: LogWatcherSettings,
    private readonly hooks: LogWatcherHooks,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.settings.syncEveryMs);
    void this.tick();
  }

  get holding(): boolean {
    return this.token !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const token = this.token;
    this.letGo();
    if (token !== undefined) await this.lease.release(token).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      if (this.token === undefined) await this.tryToHold();
      else await this.keepHolding(this.token);
    } catch (error) {
      this.hooks.warn('log watch: sync failed', { err: { message: (error as Error).message } });
    } finally {
      this.busy = false;
    }
  }

  private async tryToHold(): Promise<void> {
    const token = await this.lease.acquire();
    if (token === undefined) return;
    // Sessions left from a sync that ran on while the lease was lost cover no resume point: start afresh.
    this.stopSessions();
    this.token = token;
    this.lastRenewAt = Date.now();
    this.seenVersion = undefined;
    this.hooks.onHolding?.(true);
    try {
      await this.addSentinels();
      await this.sync(await this.resumePoint());
    } catch (error) {
      // Half a start would cover the gap since the last holder without its backfill: give the lease back and start over.
      this.letGo();
      await this.lease.release(token).catch(() => undefined);
      throw error;
    }
  }

  private async keepHolding(token: number): Promise<void> {
    if (Date.now() - this.lastRenewAt >= this.settings.leaseTtlMs / 3) {
      if (!(await this.lease.renew(token))) return this.lose('the lease expired and another worker holds it');
      this.lastRenewAt = Date.now();
    }
    await this.sync(undefined);
    await this.advanceWatermark(token);
  }

  /**
   * While every session is settled, what was logged until a few seconds ago has been written:
   * bakes end on that, not on the clock alone (a watch that changed hands or is backfilling has
   * not read their last minutes yet).
   */
  private async advanceWatermark(token: number): Promise<void> {
    const sessions = [...this.sessions.values()];
    if (sessions.length === 0 || !sessions.every((session) => session.tail.settled)) return;
    const at = new Date(Date.now() - this.settings.watermarkLagMs).toISOString();
    await this.store.advanceWatermark(this.lease.leaseKey, this.lease.value(token), at);
  }

  /** Where a new holder starts: after the last entry written, or a couple of minutes back the first time. */
  private async resumePoint(): Promise<Date> {
    const stored = await this.store.resumePoint();
    return stored ? new Date(stored) : new Date(Date.now() - SENTINEL_LOOK_BACK_MS);
  }

  private async addSentinels(): Promise<void> {
    const since = new Date(Date.now() - SENTINEL_LOOK_BACK_MS).toISOString();
    const until = new Date(Date.now() + NEVER_MS).toISOString();
    for (const s of this.settings.sentinels) await this.store.register({ id: sentinelSubjectId(s.migration), kind: 'sentinel', ...s, since, until });
  }

  /** Re-reads the subjects when they changed, replaces the sessions whose cover changed, backfills newcomers. */
  private async sync(resumeFrom: Date | undefined): Promise<void> {
    const version = await this.store.version();
    const prune = Date.now() - this.lastPruneAt > 5000;
    if (version === this.seenVersion && !prune) return;
    if (resumeFrom === undefined && version !== this.seenVersion && Date.now() - this.lastReplaceAt < this.settings.overlapMs) return;
    this.seenVersion = version;
    const subjects = await this.liveSubjects();
    this.routes = subjects.map((subject) => routeOf(subject, this.hooks.compile));
    const plan = watchSessions(subjects, this.settings.maxSessions);
    if (plan.unwatched.length > 0) this.hooks.warn('log watch: subjects left unwatched (filters too long for the session bound)', { unwatched: plan.unwatched });
    this.hooks.onSubjects?.(subjects.length - plan.unwatched.length, plan.unwatched.length);
    if (resumeFrom !== undefined || !this.covered(subjects, plan.unwatched)) await this.replaceSessions(plan.filters, plan.covers, resumeFrom);
    void this.backfillNewcomers(subjects.filter((s) => !plan.unwatched.includes(s.id)));
  }

  /** Subjects only left (bakes ended): the open sessions still cover the rest, so they stay (no churn, no gap). */
  private covered(subjects: readonly WatchSubject[], unwatched: readonly string[]): boolean {
    const covering = new Set([...this.sessions.values()].flatMap((session) => [...session.covers]));
    return subjects.every((s) => covering.has(s.id) || unwatched.includes(s.id));
  }

  private async liveSubjects(): Promise<WatchSubject[]> {
    this.lastPruneAt = Date.now();
    const now = new Date().toISOString();
    const all = await this.store.subjects();
    for (const expired of all.filter((s) => s.until < now)) await this.store.forget(expired.id);
    return all.filter((s) => s.until >= now).sort((a, b) => a.since.localeCompare(b.since) || a.id.localeCompare(b.id));
  }

  private async replaceSessions(filters: readonly string[], covers: readonly (readonly string[])[], resumeFrom: Date | undefined): Promise<void> {
    const next = new Map<string, Session>();
    const retired: Session[] = [];
    for (const [filter, session] of this.sessions) {
      const i = filters.indexOf(filter);
      if (i < 0) retired.push(session);
      else next.set(filter, Object.assign(session, { covers: new Set(covers[i]) }));
    }
    const token = this.token;
    for (const [i, filter] of filters.entries()) {
      if (next.has(filter)) continue;
      const session = await this.openSession(filter, new Set(covers[i]), resumeFrom);
      if (this.token !== token) {
        // The lease was lost while the session opened: none of these belong to anybody now.
        for (const orphan of [session, ...next.values()]) orphan.tail.stop();
        return;
      }
      next.set(filter, session);
      this.lastReplaceAt = Date.now();
    }
    this.sessions = next;
    this.reportSessions(retired.length);
    if (retired.length > 0) {
      setTimeout(() => {
        for (const session of retired) session.tail.stop();
        this.reportSessions(0);
      }, this.settings.overlapMs).unref();
    }
  }

  private reportSessions(overlapping: number): void {
    this.hooks.onSessions?.(this.sessions.size + overlapping);
  }

  private async openSession(filter: string, covers: ReadonlySet<string>, since: Date | undefined): Promise<Session> {
    const session: { tail?: LogTail; covers: ReadonlySet<string> } = { covers };
    session.tail = new LogTail(
      this.logging,
      { filter, since, reconcileEveryMs: this.settings.reconcileEveryMs, reads: this.reads },
      {
        onEntries: (entries) => this.write(entries.map(toClassifiable)),
        onSuppressed: (count) => void this.deliver(markFor([...session.covers], { k: 's', n: count }), undefined),
        onReconnect: (attempt, reason) => this.hooks.warn('log watch: tail reconnecting', { attempt, reason }),
      },
    );
    await session.tail.start();
    return session as Session;
  }

  /**
   * Subjects not yet backfilled (new bakes, or every subject when the watch changed hands before
   * they were) read what was logged from their start until their session opened, then get the
   * ready mark: a bake does not call a step healthy before it.
   */
  private async backfillNewcomers(subjects: readonly WatchSubject[]): Promise<void> {
    const ready = await this.store.readyIds();
    const newcomers = subjects.filter((s) => !ready.has(s.id) && !this.backfilling.has(s.id));
    if (newcomers.length === 0) return;
    for (const s of newcomers) this.backfilling.add(s.id);
    const ids = new Set(newcomers.map((s) => s.id));
    try {
      // Wait out the overlap so the sessions that cover them are open before the read starts.
      await new Promise((resolve) => setTimeout(resolve, this.settings.overlapMs));
      // Bakes' history first (they wait on it); the sentinels' start-up with the sentinel's smaller share of the budget.
      for (const kind of ['bake', 'sentinel'] as const) {
        const group = newcomers.filter((s) => s.kind === kind);
        if (group.length > 0) await this.backfill(group, kind === 'bake' ? 'backfill' : 'sentinel');
      }
    } catch (error) {
      this.hooks.warn('log watch: backfill of new subjects failed; retried at the next sync', { err: { message: (error as Error).message } });
      this.seenVersion = undefined;
    } finally {
      for (const id of ids) this.backfilling.delete(id);
    }
  }

  /** What was logged since the subjects' start, filed under them alone, then their ready mark. */
  private async backfill(subjects: readonly WatchSubject[], priority: 'backfill' | 'sentinel'): Promise<void> {
    const ids = new Set(subjects.map((s) => s.id));
    const since = new Date(subjects.map((s) => s.since).sort()[0] as string);
    const tail = new LogTail(this.logging, { filter: sessionFilter(subjects), since, reads: this.reads, priority }, { onEntries: (entries) => this.write(entries.map(toClassifiable), ids) });
    await tail.backfillOnce();
    if (await this.deliver(markFor([...ids], { k: 'r' }), undefined)) await this.store.markReady([...ids]);
  }

  /** Files entries under their subjects, in chunks; the tail waits for it (backpressure). */
  private async write(entries: ClassifiableEntry[], only?: ReadonlySet<string>): Promise<void> {
    for (let i = 0; i < entries.length; i += WRITE_CHUNK) {
      const chunk = entries.slice(i, i + WRITE_CHUNK);
      const newest = chunk.reduce((max, e) => (e.timestamp > max ? e.timestamp : max), '');
      if (!(await this.deliver(routeEntries(chunk, this.routes, only), only ? undefined : newest))) return;
    }
  }

  /** False when the lease turned out to be someone else's: then this process lets the watch go. */
  private async deliver(batches: SubjectBatch[], newest: string | undefined): Promise<boolean> {
    const token = this.token;
    if (token === undefined) return false;
    if (batches.length === 0 && !newest) return true;
    const written = await this.store.deliver(this.lease.leaseKey, this.lease.value(token), batches, newest);
    if (written === 'lost') {
      this.lose('another worker holds the lease (fenced write refused)');
      return false;
    }
    return true;
  }

  private lose(why: string): void {
    this.hooks.warn(`log watch: let go — ${why}`);
    this.letGo();
  }

  private letGo(): void {
    if (this.token === undefined && this.sessions.size === 0) return;
    this.token = undefined;
    this.stopSessions();
    this.hooks.onHolding?.(false);
  }

  private stopSessions(): void {
    for (const session of this.sessions.values()) session.tail.stop();
    this.sessions.clear();
    this.hooks.onSessions?.(0);
  }
}

