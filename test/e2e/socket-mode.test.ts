import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../harness/kube-api-server.js';
import { startLoggingServer, type LoggingServer } from '../harness/logging-server.js';
import { startRedis, type RedisInstance } from '../harness/redis-server.js';
import { startSlackApiServer, type RecordedMessage, type SlackApiServer } from '../harness/slack-api-server.js';
import { SocketModeDriver } from '../harness/socket-mode-driver.js';
import { startSocketModeServer, type SocketModeServer } from '../harness/socket-mode-server.js';
import { listeningPorts, someoneListensOn } from '../support/listening-ports.js';
import { BOT_TOKEN, eventually, FROM, patchesOf, requestMessage, routeWeights, seedVirtualService, TO } from '../support/meshbot-stack.js';
import { freePort, spawnMeshbot, waitForHttp, type MeshbotProcess } from '../support/meshbot-process.js';

const APP_TOKEN = 'xapp-1-A0MESHBOT-socket-mode-e2e';
/** Slack waits 3 s for an ack; shorter here so the lost-ack cases do not wait as long. */
const REDELIVER_MS = 1000;
/** @slack/socket-mode waits clientPingTimeout (5 s in Bolt) before it reconnects. */
const RECONNECT_MS = 15_000;
const BOLT_DEFAULT_PORT = 3000;

const CHANNELS = { approve: 'C0APPROVE', retry: 'C0RETRY', reconnect: 'C0RECONNECT' } as const;

const migrationsYaml = () =>
  `migrations:\n${Object.entries(CHANNELS)
    .map(([name, channel]) => `  - { name: ${name}, namespace: payments, virtualService: ${name}, from: ${FROM}, to: ${TO}, channel: ${channel}, approvers: [U0ALICE], incidentChannel: C0INCIDENTS, bake: 30s }`)
    .join('\n')}\n`;

interface SocketModeBot {
  readonly dir: string;
  readonly redis: RedisInstance;
  readonly socket: SocketModeServer;
  readonly slack: SlackApiServer;
  readonly kube: KubeApiServer;
  readonly logs: LoggingServer;
  readonly driver: SocketModeDriver;
  readonly meshbot: MeshbotProcess;
  readonly port: number;
}

/** Everything meshbot talks to, then `meshbot all` as a child process with SLACK_APP_TOKEN set and no signing secret. */
async function startSocketModeBot(port: number): Promise<SocketModeBot> {
  const dir = await mkdtemp(join(tmpdir(), 'meshbot-socket-mode-'));
  const socket = await startSocketModeServer({ appToken: APP_TOKEN, redeliverAfterMs: REDELIVER_MS });
  const [redis, slack, kube, logs] = await Promise.all([
    startRedis(),
    startSlackApiServer({ token: BOT_TOKEN, channels: [...Object.values(CHANNELS), 'C0INCIDENTS'], socketMode: socket }),
    startKubeApiServer({ namespaces: ['payments'] }),
    startLoggingServer(),
  ]);
  for (const name of Object.keys(CHANNELS)) kube.seed(seedVirtualService('payments', name));
  await kube.writeKubeconfig(join(dir, 'kubeconfig'));
  await writeFile(join(dir, 'meshbot.yaml'), migrationsYaml());
  const meshbot = spawnMeshbot('all', {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_APP_TOKEN: APP_TOKEN,
    SLACK_API_URL: slack.apiUrl,
    PORT: String(port),
    REDIS_URL: redis.url,
    KUBECONFIG: join(dir, 'kubeconfig'),
    GCP_PROJECT: logs.projectId,
    LOGGING_API_ENDPOINT: logs.endpoint,
    MESHBOT_CONFIG: join(dir, 'meshbot.yaml'),
  });
  return { dir, redis, socket, slack, kube, logs, driver: new SocketModeDriver(socket, slack), meshbot, port };
}

async function stopSocketModeBot(bot: SocketModeBot | undefined): Promise<void> {
  if (!bot) return;
  bot.meshbot.child.kill('SIGTERM');
  await bot.meshbot.exited;
  await Promise.all([bot.socket.close(), bot.slack.close(), bot.kube.close(), bot.logs.close(), bot.redis.stop()]);
  await rm(bot.dir, { recursive: true, force: true });
}

/** The PORT=3000 case is only honest when nothing else holds 3000; say so instead of passing on someone else's listener. */
async function portForCase(wanted: 'bolt default' | 'random'): Promise<number> {
  if (wanted === 'random') return freePort();
  if (await someoneListensOn(BOLT_DEFAULT_PORT)) throw new Error(`port ${BOLT_DEFAULT_PORT} is already taken on this machine by another process: the PORT=3000 case cannot show meshbot alone listens there; free it and run again`);
  return BOLT_DEFAULT_PORT;
}

/** Requests start threads of their own; their buttons go once decided. */
const topLevelMessages = (slack: SlackApiServer, channel: string): RecordedMessage[] => slack.messages.filter((m) => m.channel === channel && m.thread_ts === undefined);

describe.each(['bolt default', 'random'] as const)('Socket Mode, PORT = %s port', (wanted) => {
  let bot: SocketModeBot;
  beforeAll(async () => {
    bot = await startSocketModeBot(await portForCase(wanted));
    await waitForHttp(`http://127.0.0.1:${bot.port}/healthz`).catch((error: Error) => {
      throw new Error(`${error.message}\n${bot.meshbot.output()}`);
    });
    await bot.socket.waitForConnections(1);
  }, 30_000);
  afterAll(async () => {
    await stopSocketModeBot(bot);
  }, 30_000);

  const ask = (channel: string, text: string, loseAcks = 0) => bot.driver.slashCommand({ text, userId: 'U0BOB', channelId: channel }, { loseAcks });
  const approve = (channel: string, operationId: string, messageTs: string, loseAcks = 0) =>
    bot.driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: channel, messageTs }, { loseAcks });

  it('listens on PORT and nowhere else: /healthz, /readyz and /metrics there, no Bolt server on 3000', async () => {
    expect(await listeningPorts(bot.meshbot.child.pid ?? 0)).toEqual([bot.port]);
    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await fetch(`http://127.0.0.1:${bot.port}${path}`)).status).toBe(200);
    expect(bot.slack.callsTo('apps.connections.open')).toMatchObject([{ ok: true }]);
    expect(bot.meshbot.output()).toContain(`meshbot all running on port ${bot.port}`);
  });

  it('answers bad input privately in the ack and changes nothing', async () => {
    const { ack } = await ask(CHANNELS.approve, 'shift 250%');
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('250% is not a percentage between 0 and 100. Usage: /mesh shift <0-100>% [migration]') });
    expect(patchesOf(bot.kube, 'approve')).toBe(0);
  });

  it('request → Approve (an interactive envelope) → exactly one PATCH and the result in the thread', async () => {
    const { ack } = await ask(CHANNELS.approve, 'shift 25%');
    expect(ack.payload).toBeUndefined();
    const { message, operationId } = await requestMessage(bot.slack, CHANNELS.approve, 10_000);
    expect(JSON.stringify(message.blocks)).toContain(`${FROM} 90 → 75, ${TO} 10 → 25`);
    await approve(CHANNELS.approve, operationId, message.ts);
    await eventually(() => expect(routeWeights(bot.kube, 'payments', 'approve')).toEqual({ [FROM]: 75, [TO]: 25 }), 10_000);
    await bot.slack.waitForMessage((m) => m.thread_ts === message.ts && /^✅ Applied shift 25%/.test(m.text ?? ''), 10_000);
    expect(JSON.stringify(bot.slack.message(CHANNELS.approve, message.ts)?.blocks)).toContain('Approved by <@U0ALICE>');
    expect(patchesOf(bot.kube, 'approve')).toBe(1);
  });

  it('reconnects after disconnect (refresh_requested) and a command still works, on the same one listener', async () => {
    const opened = bot.socket.connectionsOpened;
    await bot.socket.disconnect('refresh_requested');
    await bot.socket.waitForConnections(opened + 1, RECONNECT_MS);
    expect(bot.slack.callsTo('apps.connections.open').filter((c) => c.ok)).toHaveLength(opened + 1);
    await ask(CHANNELS.reconnect, 'shift 25%');
    const { message } = await requestMessage(bot.slack, CHANNELS.reconnect, 10_000);
    expect(JSON.stringify(message.blocks)).toContain(`${FROM} 90 → 75, ${TO} 10 → 25`);
    expect(await listeningPorts(bot.meshbot.child.pid ?? 0)).toEqual([bot.port]);
  }, 30_000);

  it('acts once on a re-delivered envelope (retry_attempt 1): one request, one PATCH', async () => {
    const command = await ask(CHANNELS.retry, 'shift 25%', 1);
    expect(bot.socket.envelopesOf(command.envelopeId).map((e) => [e.retry_attempt, e.retry_reason])).toEqual([[0, ''], [1, 'timeout']]);
    expect(bot.socket.acksOf(command.envelopeId).map((a) => a.lost)).toEqual([true, false]);
    const { message, operationId } = await requestMessage(bot.slack, CHANNELS.retry, 10_000);
    const click = await approve(CHANNELS.retry, operationId, message.ts, 1);
    expect(bot.socket.envelopesOf(click.envelopeId).map((e) => e.retry_attempt)).toEqual([0, 1]);
    await eventually(() => expect(routeWeights(bot.kube, 'payments', 'retry')).toEqual({ [FROM]: 75, [TO]: 25 }), 10_000);
    await bot.slack.waitForMessage((m) => m.thread_ts === message.ts && /^✅ Applied shift 25%/.test(m.text ?? ''), 10_000);
    await bot.slack.waitForResponse((r) => /This request is already/.test(r.text ?? ''), 5000);
    expect(topLevelMessages(bot.slack, CHANNELS.retry)).toHaveLength(1);
    expect(patchesOf(bot.kube, 'retry')).toBe(1);
  }, 30_000);
});
