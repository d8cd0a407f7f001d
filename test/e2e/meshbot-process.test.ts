import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../harness/kube-api-server.js';
import { tdPermissionDenied } from '../harness/log-samples.js';
import { startLoggingServer, type LoggingServer } from '../harness/logging-server.js';
import { startRedis, type RedisInstance } from '../harness/redis-server.js';
import { startSlackApiServer, type SlackApiServer } from '../harness/slack-api-server.js';
import { SlackDriver } from '../harness/slack-driver.js';
import { BOT_TOKEN, eventually, FROM, requestMessage, routeWeights, seedVirtualService, SIGNING_SECRET, TO } from '../support/meshbot-stack.js';
import { freePort, meshbotEnv, spawnMeshbot, waitForHttp } from '../support/meshbot-process.js';

let dir: string;
let redis: RedisInstance;
let slack: SlackApiServer;
let kube: KubeApiServer;
let logs: LoggingServer;
let env: Record<string, string>;

const MIGRATIONS = `
migrations:
  - name: checkout
    namespace: payments
    virtualService: checkout
    from: ${FROM}
    to: ${TO}
    channel: C0CHECKOUT
    approvers: [U0ALICE]
    incidentChannel: C0INCIDENTS
    bake: 30s
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshbot-process-'));
  [redis, slack, kube, logs] = await Promise.all([startRedis(), startSlackApiServer({ token: BOT_TOKEN, channels: ['C0CHECKOUT', 'C0INCIDENTS'] }), startKubeApiServer({ namespaces: ['payments'] }), startLoggingServer()]);
  kube.seed(seedVirtualService('payments', 'checkout'));
  await kube.writeKubeconfig(join(dir, 'kubeconfig'));
  await writeFile(join(dir, 'meshbot.yaml'), MIGRATIONS);
  env = meshbotEnv({ slackApiUrl: slack.apiUrl, redisUrl: redis.url, logs, dir }, { MESHBOT_QUEUE_PREFIX: '{meshbot-process}' });
});
afterAll(async () => {
  await Promise.all([slack?.close(), kube?.close(), logs?.close(), redis?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe('meshbot as a process', () => {
  it('refuses to start on a bad migrations file, naming the key', async () => {
    await writeFile(join(dir, 'bad.yaml'), MIGRATIONS.replace('approvers:', 'aprovers:'));
    const bad = spawnMeshbot('all', { ...env, MESHBOT_CONFIG: join(dir, 'bad.yaml'), PORT: String(await freePort()) });
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain('migrations[0]: unknown key "aprovers"');
    expect(bad.output()).not.toMatch(/\n\s+at /);
  });

  it('runs the flow, logs JSON with severity and no secrets, and hands a bake over on SIGTERM to the next worker', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const first = spawnMeshbot('all', { ...env, PORT: String(port), LOG_LEVEL: 'debug' });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    const driver = new SlackDriver({ eventsUrl: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET, api: slack });
    await driver.slashCommand({ text: 'shift 25%', userId: 'U0BOB', channelId: 'C0CHECKOUT' });
    const { message, operationId } = await requestMessage(slack, 'C0CHECKOUT', 10_000);
    await driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: 'C0CHECKOUT', messageTs: message.ts });
    await eventually(() => expect(routeWeights(kube, 'payments', 'checkout')).toEqual({ [FROM]: 75, [TO]: 25 }), 10_000);
    await logs.waitForTail(10_000);
    // No Google credentials here, and MONITORING_API_ENDPOINT unset: the client cannot start, and the process must not end over it.
    const notice = await slack.waitForMessage((m) => m.thread_ts === message.ts && /judged on Envoy logs alone/.test(m.text ?? ''), 10_000);
    expect(notice.text).toMatch(/Cloud Monitoring client start failed \(error: Could not load the default credentials.*\): give meshbot Google credentials/);

    const stopping = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(10_000);
    const lines = first.output().split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty('severity');
    expect(first.output()).not.toContain(BOT_TOKEN);
    expect(first.output()).not.toContain(SIGNING_SECRET);

    const workerPort = await freePort();
    const second = spawnMeshbot('worker', { ...env, PORT: String(workerPort) });
    await waitForHttp(`http://127.0.0.1:${workerPort}/readyz`);
    await logs.waitForTail(15_000);
    logs.append(tdPermissionDenied({ now: new Date() }));
    await eventually(() => expect(routeWeights(kube, 'payments', 'checkout')).toEqual({ [FROM]: 90, [TO]: 10 }), 10_000);
    await slack.waitForMessage((m) => m.kind === 'message' && m.channel === 'C0INCIDENTS', 5000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
