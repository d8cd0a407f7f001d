import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createLogger } from '../../src/observability/logger.js';
import { startMeshbot, type RunningMeshbot } from '../../src/runtime/start-meshbot.js';
import { startKubeApiServer, type KubeApiServer } from '../harness/kube-api-server.js';
import { startLoggingServer, type LoggingServer } from '../harness/logging-server.js';
import { startRedis, type RedisInstance } from '../harness/redis-server.js';
import { startSlackApiServer, type SlackApiServer } from '../harness/slack-api-server.js';
import { SlackDriver } from '../harness/slack-driver.js';
import { BOT_TOKEN, eventually, FROM, GCP_BACKEND_API, patchesOf, requestMessage, routeWeights, seedVirtualService, SIGNING_SECRET, testMigration, TO } from '../support/meshbot-stack.js';

/** Two clusters, two contexts in one kubeconfig; each migration names its own. */
const A = testMigration(91, { context: 'cluster-a' });
const B = testMigration(92, { context: 'cluster-b' });

let dir: string;
let redis: RedisInstance;
let slack: SlackApiServer;
let kubeA: KubeApiServer;
let kubeB: KubeApiServer;
let logs: LoggingServer;
let meshbot: RunningMeshbot;
let driver: SlackDriver;

/** One kubeconfig file, as kubectl would merge it: a cluster, a user and a context per server. */
function kubeconfigFor(servers: Record<string, KubeApiServer>, current: string): string {
  const names = Object.keys(servers);
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: names.map((name) => ({ name, cluster: { server: servers[name]?.url, 'insecure-skip-tls-verify': true } })),
    users: names.map((name) => ({ name, user: { token: servers[name]?.token } })),
    contexts: names.map((name) => ({ name, context: { cluster: name, user: name } })),
    'current-context': current,
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshbot-multi-'));
  redis = await startRedis();
  slack = await startSlackApiServer({ token: BOT_TOKEN, channels: [A.channel, B.channel, 'C0INCIDENTS'], usergroups: { S0SRE: ['U0CAROL'] }, users: { U0ALICE: { name: 'alice' }, U0BOB: { name: 'bob' } } });
  // Different tokens, so a request sent to the wrong server with the wrong credentials would be refused, not silently served.
  kubeA = await startKubeApiServer({ namespaces: ['payments'], token: 'token-a' });
  kubeB = await startKubeApiServer({ namespaces: ['payments'], token: 'token-b', initialResourceVersion: 5000 });
  logs = await startLoggingServer();
  // Both clusters hold both VirtualServices: only the migration's own cluster may change.
  for (const kube of [kubeA, kubeB]) {
    for (const m of [A, B]) kube.seed(seedVirtualService(m.namespace, m.virtualService));
    kube.seed({ apiVersion: 'networking.gke.io/v1', kind: 'GCPBackend', metadata: { name: 'cr-gcpbackend', namespace: 'payments' }, spec: { cloudrun: { service: 'cr-service', regions: ['us-central1'] } } });
  }
  const kubeconfig = join(dir, 'kubeconfig');
  // The current context is B's: migration A acting on A proves it uses its own context, not the current one.
  await writeFile(kubeconfig, kubeconfigFor({ 'cluster-a': kubeA, 'cluster-b': kubeB }, 'cluster-b'), { mode: 0o600 });
  meshbot = await startMeshbot(
    {
      slack: { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, apiUrl: slack.apiUrl },
      port: 0,
      redisUrl: redis.url,
      queuePrefix: `{meshbot-multi-${Math.random().toString(36).slice(2, 8)}}`,
      kubeconfig,
      migrations: [A, B],
      gcpBackendApi: GCP_BACKEND_API,
      logging: { projectId: logs.projectId, endpoint: logs.endpoint },
    },
    { bot: true, worker: true },
    createLogger('silent'),
  );
  driver = new SlackDriver({ eventsUrl: `http://127.0.0.1:${meshbot.port}/slack/events`, signingSecret: SIGNING_SECRET, api: slack });
});

afterAll(async () => {
  await meshbot?.close();
  await Promise.all([slack?.close(), kubeA?.close(), kubeB?.close(), logs?.close(), redis?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const command = (m: typeof A, text: string, userId = 'U0BOB') => driver.slashCommand({ text, userId, channelId: m.channel });
const privateReply = (pattern: RegExp) => slack.waitForResponse((r) => r.kind === 'response' && pattern.test(r.text ?? ''), 5000);
const writes = (kube: KubeApiServer) => kube.calls.filter((c) => !['GET'].includes(c.method));

async function shiftAndApprove(m: typeof A, percent: number): Promise<void> {
  await command(m, `shift ${percent}%`);
  const { message, operationId } = await requestMessage(slack, m.channel);
  await driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: m.channel, messageTs: message.ts });
  await eventually(() => expect(slack.thread(m.channel, message.ts).some((t) => (t.text ?? '').startsWith(`✅ Applied shift ${percent}%`))).toBe(true));
}

describe('several clusters', () => {
  it('list and status name each migration\'s context', async () => {
    await command(A, 'list');
    await privateReply(/migration-91\* — `payments\/vs-91`: .* · cluster: cluster-a$/);
    await command(B, 'status');
    const status = await privateReply(/^\*migration-92\* — VirtualService `payments\/vs-92`\nCluster: cluster-b\n/);
    expect(status.text).toContain(`Split: ${FROM} 90 / ${TO} 10`);
  });

  it('a migration patches only its own cluster', async () => {
    await shiftAndApprove(B, 25);
    expect(routeWeights(kubeB, 'payments', B.virtualService)).toEqual({ [FROM]: 75, [TO]: 25 });
    expect(routeWeights(kubeA, 'payments', B.virtualService)).toEqual({ [FROM]: 90, [TO]: 10 });
    expect(patchesOf(kubeB, B.virtualService)).toBe(1);
    expect(writes(kubeA)).toEqual([]);

    await shiftAndApprove(A, 50);
    expect(routeWeights(kubeA, 'payments', A.virtualService)).toEqual({ [FROM]: 50, [TO]: 50 });
    expect(routeWeights(kubeB, 'payments', A.virtualService)).toEqual({ [FROM]: 90, [TO]: 10 });
    expect(patchesOf(kubeA, A.virtualService)).toBe(1);
    expect(patchesOf(kubeB, A.virtualService)).toBe(0);
    expect(writes(kubeB).every((c) => c.path.endsWith(`/virtualservices/${B.virtualService}`))).toBe(true);
  });

  it('the validate probe runs in the migration\'s own cluster', async () => {
    kubeB.runPods(() => ({ phase: 'Succeeded', log: '200 0.003', afterMs: 30 }));
    const podsOnA = kubeA.calls.filter((c) => c.path.includes('/pods')).length;
    await command(B, 'validate');
    await privateReply(/^Validation of migration-92: ✅ HTTP 200/);
    expect(kubeB.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/namespaces/payments/pods'))).toHaveLength(1);
    expect(kubeB.calls.filter((c) => c.method === 'DELETE' && c.path.includes('/pods/'))).toHaveLength(1);
    expect(kubeA.calls.filter((c) => c.path.includes('/pods')).length).toBe(podsOnA);
  });
});
