/**
 * `npm run demo`: the whole flow on one machine, no Slack workspace, cluster or cloud account.
 * Starts redis-server (unless REDIS_URL is set; where it is missing, installs it first with the
 * system's package manager or names the command to run, see scripts/ensure-redis.ts), local
 * Slack / Kubernetes / Cloud Logging / Cloud Monitoring servers seeded with the seeds' example,
 * runs `meshbot all` as the product runs it, plays a migration and prints the Slack thread as
 * it happens. Ends by itself with status 0.
 *
 * Bakes are judged on Cloud Monitoring rates in 1 s windows (the local MetricService aligns at
 * 1 s; the migrations file may say `analysis.window: 1s` because MONITORING_API_ENDPOINT is on
 * loopback): the 10% step is healthy (0.05 % 503s on the new host against 0.1 % on the old),
 * the 50% step fails 5 % of its requests and is rolled back on the rates.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeApiServer } from '../test/harness/kube-api-server.js';
import { istioProxyAccessLog } from '../test/harness/log-samples.js';
import { startLoggingServer } from '../test/harness/logging-server.js';
import { startMonitoringServer, type HostTraffic, type MonitoringServer } from '../test/harness/monitoring-server.js';
import { startRedis, type RedisInstance } from '../test/harness/redis-server.js';
import { startSlackApiServer, type RecordedMessage, type SlackApiServer } from '../test/harness/slack-api-server.js';
import { SlackDriver } from '../test/harness/slack-driver.js';
import { renderMessage } from '../test/harness/slack-thread-text.js';
import { freePort, spawnMeshbot, waitForHttp } from '../test/support/meshbot-process.js';
import { ensureRedisServer } from './ensure-redis.js';

const TOKEN = 'xoxb-demo-token';
const SECRET = 'demo-signing-secret';
const CHANNEL = 'C0PAYMENTS';
const INCIDENTS = 'C0INCIDENTS';
const FROM = 'cr-service-entry.com';
const TO = 'cr-gcpbackend.com';
const NAMES: Record<string, string> = { U0BOB: 'bob', U0ALICE: 'alice', meshbot: 'meshbot' };
/** The MetricService's sample period and the bakes' window: 1 s stands for Cloud Monitoring's minute. */
const WINDOW_MS = 1000;

const MIGRATIONS = `migrations:
  - name: cr-gcpbackend-migration
    namespace: payments
    virtualService: cr-gcpbackend-migration
    from: ${FROM}
    to: ${TO}
    gcpBackend: cr-gcpbackend
    channel: ${CHANNEL}
    approvers: [U0ALICE]
    incidentChannel: ${INCIDENTS}
    steps: [10, 25, 50, 100]
    bake: 4s
    rollbackOn: { errorRate: 0.02, classes: [td-permission-denied] }
    analysis: { window: 1s, metricsDelay: 1s, maxBake: 8s }
`;

const say = (text: string) => process.stdout.write(`${text}\n`);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `redisServer`: the binary to start, undefined where REDIS_URL names a Redis to use. */
async function main(redisServer: string | undefined): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'meshbot-demo-'));
  const redis = await redisForDemo(redisServer);
  const slack = await startSlackApiServer({ token: TOKEN, channels: [CHANNEL, INCIDENTS], users: { U0BOB: { name: 'bob' }, U0ALICE: { name: 'alice' } } });
  const kube = await startKubeApiServer({ namespaces: ['payments'] });
  const logs = await startLoggingServer({ projectId: 'demo-project' });
  const monitoring = await startMonitoringServer({ projectId: logs.projectId, samplePeriodMs: WINDOW_MS, minAlignmentSeconds: 1, visibilityDelayMs: 200 });
  monitoring.setTraffic(traffic(FROM, 3000, 0.001));
  seedCluster(kube);
  await kube.writeKubeconfig(join(dir, 'kubeconfig'));
  await writeFile(join(dir, 'meshbot.yaml'), MIGRATIONS);
  const port = await freePort();
  const meshbot = spawnMeshbot('all', {
    SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl, PORT: String(port), REDIS_URL: redis.url,
    KUBECONFIG: join(dir, 'kubeconfig'), GCP_PROJECT: logs.projectId, LOGGING_API_ENDPOINT: logs.endpoint, MONITORING_API_ENDPOINT: monitoring.endpoint, MESHBOT_CONFIG: join(dir, 'meshbot.yaml'),
    MESHBOT_QUEUE_PREFIX: `{meshbot-demo-${process.pid}}`, LOG_LEVEL: 'warn',
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/readyz`);
    say(`meshbot all is up on :${port} (redis ${redis.url}, Slack, Kubernetes, Cloud Logging and Cloud Monitoring on loopback)\n`);
    printThreadLive(slack);
    const driver = new SlackDriver({ eventsUrl: `http://127.0.0.1:${port}/slack/events`, signingSecret: SECRET, api: slack });
    await play(driver, slack, logs, monitoring, kube);
    say('\nFinal VirtualService payments/cr-gcpbackend-migration:');
    say(JSON.stringify((kube.getObject('virtualservices', 'payments', 'cr-gcpbackend-migration') as { spec: unknown }).spec, null, 2));
  } catch (error) {
    process.stderr.write(`meshbot's output:\n${meshbot.output()}\n`);
    throw error;
  } finally {
    meshbot.child.kill('SIGTERM');
    await meshbot.exited;
    await Promise.all([slack.close(), kube.close(), logs.close(), monitoring.close(), redis.stop()]);
    await rm(dir, { recursive: true, force: true });
  }
}

/** `perWindow` requests each 1 s window (requestsPerMinute counts minutes of the server's clock), `errorShare` of them answered 503. */
const traffic = (host: string, perWindow: number, errorShare: number): HostTraffic => ({ destinationService: host, requestsPerMinute: perWindow * (60_000 / WINDOW_MS), errorShare, p50Ms: 20, p99Ms: 80 });

async function play(driver: SlackDriver, slack: SlackApiServer, logs: Awaited<ReturnType<typeof startLoggingServer>>, monitoring: MonitoringServer, kube: Awaited<ReturnType<typeof startKubeApiServer>>): Promise<void> {
  const first = await requestAndApprove(driver, slack, 'shift 10%', 0);
  say(`… traffic flows: ${FROM} 3,000 requests a window at 0.1 % 503s, ${TO} 1,000 at 0.05 %; the sidecars also log successful requests`);
  monitoring.setTraffic(traffic(TO, 1000, 0.0005));
  await logs.waitForTail(10_000);
  logs.append(Array.from({ length: 30 }, () => istioProxyAccessLog({ projectId: logs.projectId, upstreamCluster: `outbound|443||${TO}`, authority: TO, now: new Date() })));
  await slack.waitForMessage((m) => m.kind === 'message' && m.thread_ts === first && (m.text ?? '').startsWith('💚 Healthy'), 15_000);
  await pause(300);
  const second = await requestAndApprove(driver, slack, 'shift 50%', 1);
  say(`… at 50% the new revision starts failing: ${TO} answers 5 % of its requests with 503`);
  monitoring.setTraffic(traffic(TO, 3000, 0.05));
  await slack.waitForMessage((m) => m.kind === 'message' && m.thread_ts === second && (m.text ?? '').startsWith('↩️ Rolled back'), 15_000);
  await slack.waitForMessage((m) => m.kind === 'message' && m.channel === INCIDENTS, 10_000);
  await pause(300);
  const weights = (kube.getObject('virtualservices', 'payments', 'cr-gcpbackend-migration') as { spec: { http: { route: { destination: { host: string }; weight: number }[] }[] } }).spec.http[0]?.route.map((r) => `${r.destination.host} ${r.weight}`);
  say(`\nRolled back automatically: ${weights?.join(', ')} — the weights from before the 50% step.`);
}

async function requestAndApprove(driver: SlackDriver, slack: SlackApiServer, text: string, seen: number): Promise<string> {
  say(`\n@bob: /mesh ${text}`);
  await driver.slashCommand({ text, userId: 'U0BOB', channelId: CHANNEL });
  const parents = () => slack.messages.filter((m) => m.channel === CHANNEL && m.thread_ts === undefined);
  await slack.waitForMessage(() => parents().length > seen, 10_000);
  const parent = parents()[seen] as RecordedMessage;
  const operationId = ((parent.blocks ?? []).find((b) => b.type === 'actions') as { elements: { value: string }[] } | undefined)?.elements[0]?.value ?? '';
  await pause(400);
  say('@alice clicks [Approve]');
  await driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: CHANNEL, messageTs: parent.ts });
  return parent.ts;
}

/**
 * Prints every message as Slack would show it, replies indented under their thread; for an update, only the lines that changed.
 * A code block of several lines (the rates table) gets its fences on lines of their own, as Slack draws it as a box.
 */
function printThreadLive(slack: SlackApiServer): void {
  const shown = new Map<string, string[]>();
  slack.onRecord((record) => {
    if (record.kind !== 'message') return;
    const lines = renderMessage(record)
      .replace(/@(U0\w+)/g, (_, id: string) => `@${NAMES[id] ?? id}`)
      .replace(/```([^`]*\n[^`]*)```/g, (_, code: string) => `\`\`\`\n${code}\n\`\`\``)
      .split('\n')
      .filter((line) => !/^\(updated/.test(line.trim()));
    const before = shown.get(record.ts);
    shown.set(record.ts, lines);
    const where = record.channel === INCIDENTS ? '#incidents' : '#payments-mesh';
    const indent = record.thread_ts ? '    │ ' : '  ';
    if (before) {
      const changed = lines.filter((line) => !before.includes(line));
      if (changed.length > 0) say(`${where} (request updated):\n${changed.map((line) => indent + line).join('\n')}`);
      return;
    }
    say(`${where}${record.thread_ts ? ' thread' : ''}:\n${lines.map((line) => indent + line).join('\n')}`);
  });
}

function seedCluster(kube: Awaited<ReturnType<typeof startKubeApiServer>>): void {
  kube.seed(
    {
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'cr-gcpbackend-migration', namespace: 'payments' },
      spec: { hosts: [FROM], http: [{ route: [{ destination: { host: TO }, weight: 0 }, { destination: { host: FROM }, weight: 100 }] }] },
    },
    { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'cr-service-entry', namespace: 'payments' }, spec: { hosts: [FROM], location: 'MESH_EXTERNAL', ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }], resolution: 'DNS' } },
    { apiVersion: 'networking.gke.io/v1', kind: 'GCPBackend', metadata: { name: 'cr-gcpbackend', namespace: 'payments' }, spec: { cloudrun: { service: 'cr-service', regions: ['us-central1'] } } },
  );
}

async function redisForDemo(redisServer: string | undefined): Promise<RedisInstance> {
  if (redisServer === undefined) return { url: process.env.REDIS_URL ?? '', port: 0, dir: '', stop: async () => undefined, restart: async () => undefined, kill: async () => undefined };
  try {
    return await startRedis({ redisServerPath: redisServer });
  } catch (error) {
    throw new Error(`the demo could not start redis-server: ${(error as Error).message} — or set REDIS_URL to a Redis you run.`, { cause: error });
  }
}

/** Installing redis-server may take minutes, so the demo's own time limit starts after it. */
async function run(): Promise<void> {
  const redisServer = process.env.REDIS_URL ? undefined : ensureRedisServer(say);
  const deadline = setTimeout(() => {
    process.stderr.write('demo: did not finish within 90 s\n');
    process.exit(1);
  }, 90_000);
  try {
    await main(redisServer);
  } finally {
    clearTimeout(deadline);
  }
}

run().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
