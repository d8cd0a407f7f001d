import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { webApi } from '@slack/bolt';
import { MeshbotMetrics } from '../observability/metrics.js';
import { opsRoutes, startOpsServer } from './ops-routes.js';
import { Queue, Worker } from 'bullmq';
import { sentinelProcessor } from '../../jobs/sentinel.js';
import { SentinelStore } from '../store/sentinel-store.js';
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
  /** The HTTP port the bot listens on (useful with PORT=0), when the bot runs in HTTP mode. */
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
  const workers = roles.worker ? [...startWorkers(deps, settings, logger, redis), await startSentinel(deps, new SentinelStore(redis, settings.queuePrefix), settings, redis)] : [];
  let port: number | undefined;
  let opsServer: Server | undefined;
  if (bot && !settings.slack.appToken) {
    port = portOf((await bot.start(settings.port)) as Server);
  } else {
    if (bot) await bot.start();
    opsServer = await startOpsServer(settings.port, routes);
    port = portOf(opsServer);
  }
  logger.info({ roles, port, migrations: settings.migrations.map((m) => m.name) }, 'meshbot started');
  return {
    port,
    async close() {
      const step = async (name: string, work: () => Promise<unknown>) => {
        const started = Date.now();
        await work();
        logger.debug({ step: name, ms: Date.now() - started }, 'shutdown step done');
      };
      shutdown.abort();
      await step('slack receiver', async () => bot?.stop());
      await step('ops server', () => new Promise((resolve) => (opsServer ? opsServer.close(resolve) : resolve(undefined))));
      await step('workers', () => Promise.all(workers.map((w) => w.close())));
      await step('log watch', () => logWatch.close());
      await step('cloud logging', () => closeLoggingClient(loggingClient));
      await step('cloud monitoring', async () => rates?.close());
      await step('queues', () => producer.close());
      redis.disconnect();
    },
  };
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

const SENTINEL_QUEUE = 'meshbot-sentinel';

async function startSentinel(deps: AppDeps, store: SentinelStore, settings: RuntimeSettings, redis: Redis): Promise<Worker> {
  const queue = new Queue(SENTINEL_QUEUE, { connection: redis, prefix: settings.queuePrefix });
  await queue.upsertJobScheduler('sentinel', { every: settings.sentinelEveryMs ?? 60_000 }, { name: 'sentinel', opts: { removeOnComplete: 100, removeOnFail: 100 } });
  await queue.close();
  return new Worker(SENTINEL_QUEUE, sentinelProcessor(deps, store), { connection: redis, prefix: settings.queuePrefix });
}

function portOf(server: Server): number | undefined {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : undefined;
}
