import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MigrationSettings } from '../../src/app/deps.js';
import { createLogger } from '../../src/observability/logger.js';
import { startMeshbot, type RunningMeshbot, type Roles } from '../../src/runtime/start-meshbot.js';
import { startKubeApiServer, type KubeApiServer } from '../harness/kube-api-server.js';
import { startRedis, type RedisInstance } from '../harness/redis-server.js';
import { startLoggingServer, type LoggingServer } from '../harness/logging-server.js';
import { startSlackApiServer, type RecordedMessage, type SlackApiServer } from '../harness/slack-api-server.js';
import { SlackDriver } from '../harness/slack-driver.js';
import { startMonitoringServer, type MonitoringServer, type MonitoringServerOptions } from '../harness/monitoring-server.js';
import { withRedis } from './with-redis.js';
import { LogWatchStore } from '../../src/store/log-watch-store.js';
import { bakeSubjectId } from '../../src/domain/watch/watch-subject.js';
import type { LogWatchSettings } from '../../src/runtime/log-watch.js';
import type { LoggingServerOptions } from '../harness/logging-server.js';

process.env.METADATA_SERVER_DETECTION = 'none';

export const BOT_TOKEN = 'xoxb-meshbot-test-token';
export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const FROM = 'cr-service-entry.com';
export const TO = 'cr-gcpbackend.com';
export const GCP_BACKEND_API = { group: 'networking.gke.io', version: 'v1', plural: 'gcpbackends' };

/** A migration of the seeds' shape; `n` keeps each test on its own VirtualService and channel. */
export function testMigration(n: number, overrides: Partial<MigrationSettings> = {}): MigrationSettings {
  return {
    name: `migration-${n}`,
    namespace: 'payments',
    virtualService: `vs-${n}`,
    from: FROM,
    to: TO,
    gcpBackend: 'cr-gcpbackend',
    channel: `C0MIG${n}`,
    users: ['U0ALICE'],
    groups: ['S0SRE'],
    requesters: [],
    allowSelfApproval: false,
    incidentChannel: 'C0INCIDENTS',
    approvalTimeoutMs: 30 * 60_000,
    mirrorField: 'mirror',
    steps: [10, 25, 50, 100],
    bakeMs: 0,
    rollbackOn: { errors: 20, errorRate: 0.02, classes: ['td-permission-denied'] },
    autoAdvance: false,
    ...overrides,
  };
}

export function seedVirtualService(namespace: string, name: string, fromWeight = 90, toWeight = 10) {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace },
    spec: {
      hosts: [FROM],
      http: [{ name: 'primary', timeout: '10s', route: [{ destination: { host: FROM }, weight: fromWeight }, { destination: { host: TO }, weight: toWeight }] }],
    },
  };
}

export interface Stack {
  readonly redis: RedisInstance;
  readonly slack: SlackApiServer;
  readonly kube: KubeApiServer;
  readonly logs: LoggingServer;
  /** The local Cloud Monitoring, when the stack was started with `monitoring`. */
  readonly monitoring: MonitoringServer | undefined;
  readonly meshbot: RunningMeshbot;
  readonly driver: SlackDriver;
  readonly queuePrefix: string;
  close(): Promise<void>;
}

/** Real redis-server, local Slack and Kubernetes servers, and meshbot (bot + workers) wired to them. */
/** Shorter than production (1.5 s overlap, 3 s watermark lag) so tests do not wait on the switch between sessions or at a bake's end. */
export const TEST_LOG_WATCH: LogWatchSettings = { overlapMs: 300, watermarkLagMs: 300 };

export interface StackOptions {
  readonly sentinelEveryMs?: number;
  readonly monitoring?: MonitoringServerOptions;
  readonly logging?: LoggingServerOptions;
  readonly logWatch?: LogWatchSettings;
  /** meshbot's clock (deps.now); BullMQ's delays still run on real time. */
  readonly now?: () => Date;
}

export async function startStack(migrations: MigrationSettings[], roles: Roles = { bot: true, worker: true }, options: StackOptions = {}): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'meshbot-stack-'));
  const redis = await startRedis();
  const channels = [...new Set([...migrations.flatMap((m) => [m.channel, m.incidentChannel ?? 'C0INCIDENTS']), 'C0INCIDENTS', 'C0ELSEWHERE'])];
  const slack = await startSlackApiServer({ token: BOT_TOKEN, channels, usergroups: { S0SRE: ['U0CAROL'] }, users: { U0ALICE: { name: 'alice' }, U0BOB: { name: 'bob' }, U0CAROL: { name: 'carol' }, U0MALLORY: { name: 'mallory' } } });
  const kube = await startKubeApiServer({ namespaces: ['payments'] });
  const logs = await startLoggingServer(options.logging);
  const monitoring = options.monitoring ? await startMonitoringServer(options.monitoring) : undefined;
  for (const m of migrations) kube.seed(seedVirtualService(m.namespace, m.virtualService));
  kube.seed({ apiVersion: 'networking.gke.io/v1', kind: 'GCPBackend', metadata: { name: 'cr-gcpbackend', namespace: 'payments' }, spec: { cloudrun: { service: 'cr-service', regions: ['us-central1'] } } });
  const kubeconfig = join(dir, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfig);
  const queuePrefix = `{meshbot-test-${Math.random().toString(36).slice(2, 8)}}`;
  const meshbot = await startMeshbot(
    { slack: { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, apiUrl: slack.apiUrl }, port: 0, redisUrl: redis.url, queuePrefix, kubeconfig, migrations, gcpBackendApi: GCP_BACKEND_API, logging: { projectId: logs.projectId, endpoint: logs.endpoint }, monitoring: monitoring ? { projectId: monitoring.projectId, endpoint: monitoring.endpoint } : undefined, sentinelEveryMs: options.sentinelEveryMs ?? 60_000, logWatch: { ...TEST_LOG_WATCH, ...options.logWatch } },
    roles,
    createLogger('silent'),
    options.now,
  );
  const driver = new SlackDriver({ eventsUrl: `http://127.0.0.1:${meshbot.port}/slack/events`, signingSecret: SIGNING_SECRET, api: slack });
  return {
    redis,
    slack,
    kube,
    logs,
    monitoring,
    meshbot,
    driver,
    queuePrefix,
    async close() {
      await meshbot.close();
      await Promise.all([slack.close(), kube.close(), logs.close(), monitoring?.close(), redis.stop()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The request message with Approve/Reject posted in a channel, and its operation id. */
export async function requestMessage(slack: SlackApiServer, channel: string, timeoutMs = 5000): Promise<{ message: RecordedMessage; operationId: string }> {
  const message = (await slack.waitForMessage((m) => m.kind === 'message' && m.channel === channel && m.thread_ts === undefined && hasButtons(m), timeoutMs)) as RecordedMessage;
  return { message, operationId: buttonValue(message) };
}

export function hasButtons(message: RecordedMessage): boolean {
  return (message.blocks ?? []).some((b) => b.type === 'actions');
}

function buttonValue(message: RecordedMessage): string {
  const actions = (message.blocks ?? []).find((b) => b.type === 'actions') as { elements: { value: string }[] } | undefined;
  return actions?.elements[0]?.value ?? '';
}

export function routeWeights(kube: KubeApiServer, namespace: string, name: string): Record<string, number> {
  const vs = kube.getObject('virtualservices', namespace, name) as { spec: { http: { route: { destination: { host: string }; weight: number }[] }[] } };
  return Object.fromEntries((vs.spec.http[0]?.route ?? []).map((r) => [r.destination.host, r.weight]));
}

export function patchesOf(kube: KubeApiServer, name: string): number {
  return kube.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith(`/virtualservices/${name}`) && (c.status ?? 0) < 300).length;
}

/** Waits until the project's log watch has read a bake from its start (its backfill is in and its session is open). */
export async function waitUntilWatched(stack: Pick<Stack, 'redis' | 'queuePrefix' | 'logs'>, operationId: string, timeoutMs = 10_000): Promise<void> {
  await withRedis(stack.redis.url, async (redis) => {
    const store = new LogWatchStore(redis, stack.queuePrefix, stack.logs.projectId);
    await eventually(async () => {
      if (!(await store.readyIds()).has(bakeSubjectId(operationId))) throw new Error(`the log watch has not read bake ${operationId} from its start yet`);
    }, timeoutMs);
  });
}

export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      return await check();
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw lastError;
}
