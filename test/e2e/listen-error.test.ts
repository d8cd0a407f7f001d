import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../harness/kube-api-server.js';
import { startRedis, type RedisInstance } from '../harness/redis-server.js';
import { startSlackApiServer, type SlackApiServer } from '../harness/slack-api-server.js';
import { startSocketModeServer, type SocketModeServer } from '../harness/socket-mode-server.js';
import { BOT_TOKEN, FROM, SIGNING_SECRET, TO } from '../support/meshbot-stack.js';
import { spawnMeshbot } from '../support/meshbot-process.js';

const APP_TOKEN = 'xapp-1-A0MESHBOT-listen-error';

let dir: string;
let redis: RedisInstance;
let socket: SocketModeServer;
let slack: SlackApiServer;
let kube: KubeApiServer;
let holder: Server;
let takenPort: number;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshbot-listen-error-'));
  socket = await startSocketModeServer({ appToken: APP_TOKEN });
  [redis, slack, kube] = await Promise.all([startRedis(), startSlackApiServer({ token: BOT_TOKEN, channels: ['C0CHECKOUT'], socketMode: socket }), startKubeApiServer({ namespaces: ['payments'] })]);
  await kube.writeKubeconfig(join(dir, 'kubeconfig'));
  await writeFile(join(dir, 'meshbot.yaml'), `migrations:\n  - { name: checkout, namespace: payments, virtualService: checkout, from: ${FROM}, to: ${TO}, channel: C0CHECKOUT, approvers: [U0ALICE] }\n`);
  // Held on all interfaces, as meshbot listens: whatever else holds PORT in production.
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, resolve));
  takenPort = (holder.address() as { port: number }).port;
  env = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, KUBECONFIG: join(dir, 'kubeconfig'), GCP_PROJECT: 'listen-error', MESHBOT_CONFIG: join(dir, 'meshbot.yaml'), PORT: String(takenPort) };
});
afterAll(async () => {
  await new Promise((resolve) => holder?.close(resolve));
  await Promise.all([socket?.close(), slack?.close(), kube?.close(), redis?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe('a PORT meshbot cannot open', () => {
  it.each([
    ['Socket Mode', { SLACK_APP_TOKEN: APP_TOKEN }],
    ['HTTP mode', { SLACK_SIGNING_SECRET: SIGNING_SECRET }],
  ])('%s: one line naming PORT and what to do, exit 2, no stack trace, everything closed', async (_mode, slackEnv) => {
    const started = Date.now();
    const bot = spawnMeshbot('bot', { ...env, ...slackEnv });
    expect(await bot.exited).toBe(2);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(bot.output()).toBe(`meshbot bot: PORT=${takenPort} is already in use (EADDRINUSE): another process listens on it; stop that process or set PORT to a free port.\n`);
    // The listener opens before the Socket Mode client connects: Slack never sends to a bot that cannot serve its probes.
    expect(socket.connectionsOpened).toBe(0);
  });
});
