import { status } from '@grpc/grpc-js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../harness/kube-api-server.js';
import { istioProxyAccessLog } from '../harness/log-samples.js';
import { startLoggingServer, type LoggingServer } from '../harness/logging-server.js';
import { startMonitoringServer, type MonitoringServer } from '../harness/monitoring-server.js';
import { startRedis, type RedisInstance } from '../harness/redis-server.js';
import { startSlackApiServer, type SlackApiServer } from '../harness/slack-api-server.js';
import { SlackDriver } from '../harness/slack-driver.js';
import { BOT_TOKEN, eventually, FROM, requestMessage, routeWeights, seedVirtualService, SIGNING_SECRET, TO } from '../support/meshbot-stack.js';
import { freePort, spawnMeshbot, waitForHttp, type MeshbotProcess } from '../support/meshbot-process.js';

/**
 * Bakes on rates with meshbot as the product runs it: `meshbot all` as a child process, its
 * migrations file parsed as an operator writes it, the real Monitoring client against the local
 * MetricService (1 s windows, allowed because MONITORING_API_ENDPOINT is on loopback).
 */
const migration = (n: number) => `
  - name: m${n}
    namespace: payments
    virtualService: vs-${n}
    from: ${FROM}
    to: ${TO}
    channel: C0RATES${n}
    approvers: [U0ALICE]
    incidentChannel: C0INCIDENTS
    bake: 4s
    analysis: { window: 1s, metricsDelay: 1s, maxBake: 6s, fromService: old-${n}.svc, toService: new-${n}.svc }`;
const MIGRATIONS = `migrations:${[1, 2, 3].map(migration).join('')}\n`;

let dir: string;
let redis: RedisInstance;
let slack: SlackApiServer;
let kube: KubeApiServer;
let logs: LoggingServer;
let monitoring: MonitoringServer;
let meshbot: MeshbotProcess;
let driver: SlackDriver;

const perWindow = (service: string, requests: number, extra: Record<string, number> = {}) => ({ destinationService: service, requestsPerMinute: requests * 60, ...extra });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshbot-rates-process-'));
  const channels = ['C0RATES1', 'C0RATES2', 'C0RATES3', 'C0INCIDENTS'];
  [redis, slack, kube, logs] = await Promise.all([startRedis(), startSlackApiServer({ token: BOT_TOKEN, channels }), startKubeApiServer({ namespaces: ['payments'] }), startLoggingServer()]);
  monitoring = await startMonitoringServer({ projectId: logs.projectId, samplePeriodMs: 1000, minAlignmentSeconds: 1, visibilityDelayMs: 200 });
  monitoring.setTraffic([perWindow('old-1.svc', 9), perWindow('new-1.svc', 3), perWindow('old-2.svc', 3000, { p50Ms: 40, p99Ms: 150 }), perWindow('new-2.svc', 1000, { p50Ms: 60, p99Ms: 900 }), perWindow('old-3.svc', 3000), perWindow('new-3.svc', 1000)]);
  for (const n of [1, 2, 3]) kube.seed(seedVirtualService('payments', `vs-${n}`));
  await kube.writeKubeconfig(join(dir, 'kubeconfig'));
  await writeFile(join(dir, 'meshbot.yaml'), MIGRATIONS);
  const port = await freePort();
  meshbot = spawnMeshbot('all', {
    SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, PORT: String(port),
    KUBECONFIG: join(dir, 'kubeconfig'), GCP_PROJECT: logs.projectId, LOGGING_API_ENDPOINT: logs.endpoint, MONITORING_API_ENDPOINT: monitoring.endpoint,
    MESHBOT_CONFIG: join(dir, 'meshbot.yaml'), MESHBOT_QUEUE_PREFIX: '{meshbot-rates-process}',
  });
  await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  driver = new SlackDriver({ eventsUrl: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET, api: slack });
});
afterAll(async () => {
  meshbot?.child.kill('SIGTERM');
  await meshbot?.exited;
  await Promise.all([slack?.close(), kube?.close(), logs?.close(), monitoring?.close(), redis?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

async function shift(n: number) {
  await driver.slashCommand({ text: 'shift 25%', userId: 'U0BOB', channelId: `C0RATES${n}` });
  const { message, operationId } = await requestMessage(slack, `C0RATES${n}`, 10_000);
  await driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: `C0RATES${n}`, messageTs: message.ts });
  await eventually(() => expect(routeWeights(kube, 'payments', `vs-${n}`)[TO]).toBe(25), 10_000);
  return message.ts;
}
const inThread = (n: number, ts: string, pattern: RegExp, timeoutMs = 20_000) => slack.waitForMessage((m) => m.channel === `C0RATES${n}` && m.thread_ts === ts && pattern.test(m.text ?? ''), timeoutMs);

describe('bakes on rates, meshbot as a process', () => {
  it('3 requests per window: inconclusive, never healthy, not advanced', async () => {
    const ts = await shift(1);
    const message = await inThread(1, ts, /^⚠️ Inconclusive/);
    expect(message.text).toMatch(/only \d+ requests reached new-1\.svc \(100 needed, rollbackOn\.minRequests\)/);
    expect(slack.thread('C0RATES1', ts).some((m) => (m.text ?? '').includes('Healthy'))).toBe(false);
    expect(routeWeights(kube, 'payments', 'vs-1')).toEqual({ [FROM]: 75, [TO]: 25 });
  });

  it('p99 900 ms against 150 ms rolls back, naming latency', async () => {
    const ts = await shift(2);
    await eventually(() => expect(routeWeights(kube, 'payments', 'vs-2')).toEqual({ [FROM]: 90, [TO]: 10 }), 20_000);
    expect((await inThread(2, ts, /meshbot rolled back m2/)).text).toMatch(/latency: new-2\.svc p99 \d+ ms against \d+ ms for old-2\.svc/);
  });

  it('Cloud Monitoring UNAVAILABLE: judged on logs alone with a notice, and a log error burst still rolls back', async () => {
    monitoring.failAllCalls(status.UNAVAILABLE);
    const ts = await shift(3);
    expect((await inThread(3, ts, /judged on Envoy logs alone/)).text).toMatch(/UNAVAILABLE.*rollback at 20 counted errors/s);
    logs.append(Array.from({ length: 20 }, () => istioProxyAccessLog({ upstreamCluster: `outbound|443||${TO}`, authority: TO, responseFlags: 'UH', now: new Date() })));
    await eventually(() => expect(routeWeights(kube, 'payments', 'vs-3')).toEqual({ [FROM]: 90, [TO]: 10 }), 10_000);
    monitoring.stopFailing();
  });
});
