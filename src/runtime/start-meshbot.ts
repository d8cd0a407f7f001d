import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { webApi, type App } from '@slack/bolt';
import { MeshbotMetrics } from '../observability/metrics.js';
import { opsRoutes, startOpsServer, type OpsRoute } from './ops-routes.js';
import { asListenError } from './listen-error.js';
import { Worker } from 'bullmq';
import { sentinelProcessor } from '../../jobs/sentinel.js';
import { SentinelStore } from '../store/sentinel-store.js';
import { DriftStore } from '../store/drift-store.js';
import { driftProcessor } from '../../jobs/drift.js';
import { DEFAULT_DRIFT_CHECK_MS } from '../app/check-drift.js';
import { startScheduledJob } from './scheduled-job.js';
import { Redis } from 'ioredis';
import { PROCESSORS } from '../../jobs/index.js';
import type { AppDeps, MigrationSettings } from '../app/deps.js';
import type { ResourceType } from '../kube/custom-objects.js';
import type { Logger } from '../observability/logger.js';
import { JOB_NAMES, JobProducer, queueName, type JobName } from '../queue/queues.js';
import { closeLoggingClient, createLoggingClient, type LoggingSettings } from '../logging/cloud-logging.js';
import { CloudLogSource } from '../logging/log-source.js';
import { logWatchParts, type LogWatchSettings } from './log-watch.js';
import { createMonitoringClient, type MonitoringSettings } from '../metrics/monitoring-client.js';
import { CloudRateSource } from '../metrics/rate-source.js';
import { createBoltApp, type SlackSettings } from '../slack/bolt-app.js';
import { SlackGroupDirectory, SlackNotifier } from '../slack/slack-notifier.js';
import { OperationStore } from '../store/operation-store.js';
import { kubeClusters } from './kube-clusters.js';
import { giveUpOperation } from '../app/give-up-operation.js';

export interface RuntimeSettings {
  readonly slack: SlackSettings;
  readonly port: number;
  readonly redisUrl: string;
  readonly queuePrefix: string;
  readonly kubeconfig?: string | undefined;
  readonly migrations: readonly MigrationSettings[];
  readonly gcpBackendApi: ResourceType;
  readonly logging: LoggingSettings;
  /** Cloud Monitoring for bake rates; unset: no metrics, every bake is judged on logs alone (and says so). */
  readonly monitoring?: MonitoringSettings | undefined;
  /** BullMQ's lock duration and stalled-job check: how soon a job of a dead worker is resumed (default 30 s). */
  readonly stalledIntervalMs?: number | undefined;
  /** How often the sentinel scans for control-plane errors outside bakes. */
  readonly sentinelEveryMs?: number;
  /** The project's one log watch: its session bound, the read quota, its timings (tests shorten them). */
  readonly logWatch?: LogWatchSettings | undefined;
}

export interface Roles {
  readonly bot: boolean;
  readonly worker: boolean;
}

export interface RunningMeshbot {
  /** The one HTTP port the process listens on (useful with PORT=0): /slack/events in HTTP mode, and /healthz, /readyz, /metrics always. */
  readonly port: number | undefined;
  /** Stops taking work, lets running jobs finish, closes every connection. */
  close(): Promise<void>;
}

/** `meshbot bot`, `meshbot worker` and `meshbot all` are this function with other roles. */
export async function startMeshbot(settings: RuntimeSettings, roles: Roles, logger: Logger, now: () => Date = () => new Date()): Promise<RunningMeshbot> {
  const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  const store = new OperationStore(redis, settings.queuePrefix);
  const producer = new JobProducer(redis, settings.queuePrefix);
  const shutdown = new AbortController();
  const clusters = kubeClusters(settings.kubeconfig);
  const metrics = new MeshbotMetrics();
  const loggingClient = createLoggingClient(settings.logging);
  const projectId = settings.logging.projectId;
  const logWatch = logWatchParts(redis, loggingClient, { prefix: settings.queuePrefix, projectId, migrations: settings.migrations, worker: roles.worker, settings: settings.logWatch ?? {}, metrics, logger });
  const monitoring = settings.monitoring;
  const rates = monitoring ? new CloudRateSource(() => createMonitoringClient(monitoring), monitoring.projectId) : undefined;
  const slackClient = new webApi.WebClient(settings.slack.botToken, settings.slack.apiUrl ? { slackApiUrl: settings.slack.apiUrl } : {});
  const deps: AppDeps = {
    migrations: settings.migrations,
    gcpBackendApi: settings.gcpBackendApi,
    store,
    jobs: producer,
    kube: clusters.forMigration,
    core: clusters.coreForMigration,
    watcher: clusters.watcherForMigration,
    drift: new DriftStore(redis, settings.queuePrefix),
    notifier: new SlackNotifier(slackClient),
    groups: new SlackGroupDirectory(slackClient),
    now,
    logs: new CloudLogSource(loggingClient, projectId, logWatch.quota),
    logFeed: logWatch.feed,
    rates,
    shutdown: shutdown.signal,
    metrics,
    newId: () => `op-${now().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomBytes(4).toString('hex')}`,
  };
  const routes = opsRoutes({ redis, metrics, kubeProblems: () => clusters.unreachable(settings.migrations), beforeScrape: () => refreshQueueDepth(producer, metrics) });
  const bot = roles.bot ? createBoltApp({ slack: settings.slack, deps, store, logger, customRoutes: routes }) : undefined;
  const workers = roles.worker ? [...startWorkers(deps, settings, logger, redis), await startSentinel(deps, new SentinelStore(redis, settings.queuePrefix), settings, redis), await startDriftCheck(deps, settings, redis)] : [];
  const listener: Listener = {};
  const stop = () => stopMeshbot({ shutdown, bot, listener, workers, closers: { 'log watch': () => logWatch.close(), 'cloud logging': () => closeLoggingClient(loggingClient), 'cloud monitoring': async () => rates?.close(), queues: () => producer.close() }, redis }, logger);
  try {
    await listen(listener, bot, settings, routes);
  } catch (error) {
    await stop();
    throw asListenError(error, settings.port);
  }
  logger.info({ roles, port: listener.port, slackMode: settings.slack.appToken ? 'socket' : 'http', migrations: settings.migrations.map((m) => m.name) }, 'meshbot started');
  return { port: listener.port, close: stop };
}

interface RunningParts {
  readonly shutdown: AbortController;
  readonly bot: App | undefined;
  readonly listener: Listener;
  readonly workers: readonly Worker[];
  /** The log watch, Cloud Logging and Monitoring clients and the queues, closed in this order. */
  readonly closers: Readonly<Record<string, () => Promise<unknown>>>;
  readonly redis: Redis;
}

/** Stops taking work, lets running jobs finish, closes every connection; also after a start that failed half-way. */
async function stopMeshbot(parts: RunningParts, logger: Logger): Promise<void> {
  const step = async (name: string, work: () => Promise<unknown>) => {
    const started = Date.now();
    await work();
    logger.debug({ step: name, ms: Date.now() - started }, 'shutdown step done');
  };
  const { listener } = parts;
  parts.shutdown.abort();
  await step('slack receiver', async () => (listener.started ? parts.bot?.stop() : undefined));
  await step('ops server', () => new Promise((resolve) => (listener.opsServer ? listener.opsServer.close(resolve) : resolve(undefined))));
  await step('workers', () => Promise.all(parts.workers.map((w) => w.close())));
  for (const [name, close] of Object.entries(parts.closers)) await step(name, close);
  parts.redis.disconnect();
}

interface Listener {
  port?: number | undefined;
  opsServer?: Server;
  /** Whether the Slack receiver started (and so has something to stop). */
  started?: boolean;
}

/**
 * One HTTP listener, on PORT, whatever the mode: Bolt's HTTP receiver (with the ops routes) in
 * HTTP mode; in Socket Mode and for workers our own ops server, opened before the Socket Mode
 * client connects so a taken PORT fails the start before Slack sends anything.
 */
async function listen(listener: Listener, bot: App | undefined, settings: RuntimeSettings, routes: OpsRoute[]): Promise<void> {
  if (bot && !settings.slack.appToken) {
    const server = (await bot.start(settings.port)) as Server;
    listener.started = true;
    listener.port = portOf(server);
    return;
  }
  listener.opsServer = await startOpsServer(settings.port, routes);
  listener.port = portOf(listener.opsServer);
  if (!bot) return;
  listener.started = true;
  await bot.start();
}

/** Bakes mostly wait on a log stream, so many run side by side; patches are few and quick. */
const CONCURRENCY: Record<JobName, number> = { prepare: 8, apply: 4, rollback: 4, expire: 8, bake: 200 };

/** Workers share one connection for commands; BullMQ opens (and closes) a blocking one of its own per worker. */
function startWorkers(deps: AppDeps, settings: RuntimeSettings, logger: Logger, redis: Redis): Worker[] {
  return JOB_NAMES.map((name) => {
    const worker = new Worker(queueName(name), PROCESSORS[name](deps), {
      connection: redis,
      prefix: settings.queuePrefix,
      concurrency: CONCURRENCY[name],
      // Every job can run again after a crash at any line, so a job whose worker died is resumed, several times over if need be.
      maxStalledCount: 10,
      ...(settings.stalledIntervalMs ? { stalledInterval: settings.stalledIntervalMs, lockDuration: settings.stalledIntervalMs } : {}),
    });
    worker.on('failed', (job, error) => {
      logger.warn({ job: job?.id, queue: name, attempt: job?.attemptsMade, err: { message: error.message } }, 'job attempt failed');
      const spent = job !== undefined && (job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled more than/.test(error.message));
      const operationId = (job?.data as { operationId?: unknown } | undefined)?.operationId;
      if (spent && typeof operationId === 'string') {
        void giveUpOperation(deps, operationId, `meshbot gave up on its ${name} job (${error.message})`).catch((cause: Error) => logger.error({ err: { message: cause.message } }, 'could not end an abandoned operation'));
      }
    });
    worker.on('error', (error) => logger.error({ queue: name, err: { message: error.message } }, 'worker error'));
    return worker;
  });
}

async function refreshQueueDepth(producer: JobProducer, metrics: MeshbotMetrics): Promise<void> {
  for (const [queue, depth] of Object.entries(await producer.depth())) metrics.queueDepth.set({ queue }, depth);
}

/** Often enough that each migration is looked at close to its own `driftCheck`. */
async function startDriftCheck(deps: AppDeps, settings: RuntimeSettings, redis: Redis): Promise<Worker> {
  const shortest = Math.min(...settings.migrations.map((m) => m.driftCheckMs ?? DEFAULT_DRIFT_CHECK_MS));
  const everyMs = Math.min(60_000, Math.max(250, Math.round(shortest / 4)));
  return startScheduledJob('drift', everyMs, driftProcessor(deps, deps.drift as DriftStore), redis, settings.queuePrefix);
}

async function startSentinel(deps: AppDeps, store: SentinelStore, settings: RuntimeSettings, redis: Redis): Promise<Worker> {
  return startScheduledJob('sentinel', settings.sentinelEveryMs ?? 60_000, sentinelProcessor(deps, store), redis, settings.queuePrefix);
}

function portOf(server: Server): number | undefined {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : undefined;
}
