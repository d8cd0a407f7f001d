import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logging } from '@google-cloud/logging';
import type { Redis } from 'ioredis';
import type { MigrationSettings } from '../app/deps.js';
import { compileLogFilter } from '../domain/logs/filter/compile-log-filter.js';
import { RedisLogFeed } from '../logging/log-feed.js';
import { LogWatcher, type LogWatcherSettings } from '../logging/log-watcher.js';
import type { Logger } from '../observability/logger.js';
import type { MeshbotMetrics } from '../observability/metrics.js';
import { Lease } from '../store/lease.js';
import { LogWatchStore } from '../store/log-watch-store.js';
import { ReadQuota } from '../store/read-quota.js';

export interface LogWatchSettings {
  /** TailLogEntries sessions the watch may open (LOG_WATCH_MAX_SESSIONS; Cloud Logging allows 10 per project). */
  readonly maxSessions?: number | undefined;
  /** The project's ListLogEntries quota per minute (LOGGING_READ_QUOTA); meshbot uses at most 80 % of it. */
  readonly readQuotaPerMinute?: number | undefined;
  readonly leaseTtlMs?: number | undefined;
  readonly syncEveryMs?: number | undefined;
  readonly reconcileEveryMs?: number | undefined;
  readonly overlapMs?: number | undefined;
  readonly watermarkLagMs?: number | undefined;
}

const DEFAULTS = { maxSessions: 2, leaseTtlMs: 3000, syncEveryMs: 200, reconcileEveryMs: 15_000, overlapMs: 1500, watermarkLagMs: 3000 };

export interface LogWatchParts {
  readonly quota: ReadQuota;
  readonly feed: RedisLogFeed | undefined;
  readonly watcher: LogWatcher | undefined;
  close(): Promise<void>;
}

/** The project's read budget (every process), and in workers the log feed and a candidate for the log watcher role. */
export function logWatchParts(redis: Redis, logging: Logging, context: { prefix: string; projectId: string | undefined; migrations: readonly MigrationSettings[]; worker: boolean; settings: LogWatchSettings; metrics: MeshbotMetrics; logger: Logger }): LogWatchParts {
  const { metrics, logger } = context;
  const store = new LogWatchStore(redis, context.prefix, context.projectId);
  const quota = new ReadQuota(redis, store.key('reads'), context.settings.readQuotaPerMinute ?? 60, { onCall: (priority) => metrics.loggingReads.inc({ priority }), onThrottled: () => metrics.loggingThrottled.inc() });
  if (!context.worker) return { quota, feed: undefined, watcher: undefined, close: async () => undefined };
  const processId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const feed = new RedisLogFeed(store, redis, redis.duplicate(), context.projectId, processId);
  const settings: LogWatcherSettings = {
    maxSessions: context.settings.maxSessions ?? DEFAULTS.maxSessions,
    leaseTtlMs: context.settings.leaseTtlMs ?? DEFAULTS.leaseTtlMs,
    syncEveryMs: context.settings.syncEveryMs ?? DEFAULTS.syncEveryMs,
    reconcileEveryMs: context.settings.reconcileEveryMs ?? DEFAULTS.reconcileEveryMs,
    overlapMs: context.settings.overlapMs ?? DEFAULTS.overlapMs,
    watermarkLagMs: context.settings.watermarkLagMs ?? DEFAULTS.watermarkLagMs,
    sentinels: context.migrations.filter((m) => m.incidentChannel).map((m) => ({ migration: m.name, from: m.from, to: m.to, extra: m.logFilter })),
  };
  const lease = new Lease(redis, store.key('lease'), processId, settings.leaseTtlMs);
  const watcher = new LogWatcher(logging, store, lease, quota, settings, {
    compile: compileLogFilter,
    onSessions: (open) => metrics.logTailSessions.set(open),
    onHolding: (holding) => {
      metrics.logWatchHolder.set(holding ? 1 : 0);
      logger.info({ processId, holding }, holding ? 'holding the log watch' : 'not holding the log watch');
    },
    onSubjects: (watched, unwatched) => {
      metrics.logWatchSubjects.set({ state: 'watched' }, watched);
      metrics.logWatchSubjects.set({ state: 'unwatched' }, unwatched);
    },
    warn: (message, details) => logger.warn(details ?? {}, message),
  });
  watcher.start();
  return {
    quota,
    feed,
    watcher,
    async close() {
      await watcher.stop();
      await feed.close();
    },
  };
}
