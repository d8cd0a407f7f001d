import { SocketModeClient } from '@slack/socket-mode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startSlackApiServer, type SlackApiServer } from './slack-api-server.js';
import { startSocketModeServer, type SocketModeServer } from './socket-mode-server.js';

const APP_TOKEN = 'xapp-1-A0MESHBOT-test-app-token';
const BOT_TOKEN = 'xoxb-socket-mode-test';
const REDELIVER_MS = 200;

interface SlackEventArgs {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  body: Record<string, unknown>;
  retry_num: number;
  retry_reason: string;
}

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, setLevel: () => undefined, getLevel: () => 'error', setName: () => undefined };

let socket: SocketModeServer;
let slack: SlackApiServer;
let clients: SocketModeClient[];

beforeEach(async () => {
  socket = await startSocketModeServer({ appToken: APP_TOKEN, redeliverAfterMs: REDELIVER_MS, maxRetries: 2 });
  slack = await startSlackApiServer({ token: BOT_TOKEN, channels: [], socketMode: socket });
  clients = [];
});
afterEach(async () => {
  await Promise.all(clients.map((c) => c.disconnect()));
  await Promise.all([socket.close(), slack.close()]);
});

/** The real client, as Bolt builds it, with a short reconnect delay (clientPingTimeout × failures). */
function newClient(appToken = APP_TOKEN, autoReconnectEnabled = true): SocketModeClient {
  const client = new SocketModeClient({ appToken, autoReconnectEnabled, clientPingTimeout: 300, logger: quiet as never, clientOptions: { slackApiUrl: slack.apiUrl } });
  clients.push(client);
  return client;
}

function rawMessages(client: SocketModeClient): Record<string, unknown>[] {
  const messages: Record<string, unknown>[] = [];
  client.on('ws_message', (data: ArrayBuffer | string) => messages.push(JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data)) as Record<string, unknown>));
  return messages;
}

describe('the local Socket Mode server, driven by @slack/socket-mode', () => {
  it('opens a connection for the app-level token and says hello', async () => {
    const client = newClient();
    const messages = rawMessages(client);
    await client.start();
    expect(slack.callsTo('apps.connections.open')).toMatchObject([{ ok: true }]);
    expect(socket.connectionsOpened).toBe(1);
    expect(socket.liveConnections).toBe(1);
    expect(messages[0]).toMatchObject({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0MESHBOT' }, debug_info: { host: expect.any(String) } });
  });

  it('delivers an envelope and records the ack with its payload', async () => {
    const client = newClient();
    client.on('slash_commands', ({ ack, body }: SlackEventArgs) => void ack({ text: `got ${String(body.text)}` }));
    await client.start();
    const delivery = socket.deliver('slash_commands', { command: '/mesh', text: 'help' });
    const ack = await delivery.acked;
    expect(ack.payload).toEqual({ text: 'got help' });
    expect(socket.envelopesOf(delivery.envelopeId)).toMatchObject([{ type: 'slash_commands', retry_attempt: 0, retry_reason: '', accepts_response_payload: true }]);
    expect(socket.acks).toHaveLength(1);
  });

  it('re-delivers an envelope not acked in time, with retry_attempt and retry_reason', async () => {
    const client = newClient();
    const seen: { retry_num: number; retry_reason: string }[] = [];
    client.on('slack_event', ({ ack, retry_num, retry_reason }: SlackEventArgs) => {
      seen.push({ retry_num, retry_reason });
      if (retry_num > 0) void ack();
    });
    await client.start();
    const started = Date.now();
    const delivery = socket.deliver('interactive', { type: 'block_actions', actions: [] });
    const ack = await delivery.acked;
    expect(Date.now() - started).toBeGreaterThanOrEqual(REDELIVER_MS - 10);
    expect(seen).toEqual([{ retry_num: 0, retry_reason: '' }, { retry_num: 1, retry_reason: 'timeout' }]);
    expect(ack.payload).toBeUndefined();
    expect(socket.envelopesOf(delivery.envelopeId).map((e) => e.retry_attempt)).toEqual([0, 1]);
  });

  it('re-delivers when an ack is lost on the way, and gives up after maxRetries', async () => {
    const client = newClient();
    client.on('slack_event', ({ ack }: SlackEventArgs) => void ack());
    await client.start();
    const lostOnce = socket.deliver('slash_commands', { text: 'status' }, { loseAcks: 1 });
    await lostOnce.acked;
    expect(socket.acksOf(lostOnce.envelopeId).map((a) => a.lost)).toEqual([true, false]);
    const neverCounted = socket.deliver('slash_commands', { text: 'status' }, { loseAcks: 10 });
    await expect(neverCounted.acked).rejects.toThrow(/not acked after 3 deliveries/);
  });

  it.each(['refresh_requested', 'warning'] as const)('disconnect (%s): the client reconnects through apps.connections.open and gets envelopes again', async (reason) => {
    const client = newClient();
    const messages = rawMessages(client);
    client.on('slack_event', ({ ack }: SlackEventArgs) => void ack({ text: 'after reconnect' }));
    await client.start();
    await socket.disconnect(reason);
    expect(messages.at(-1)).toMatchObject({ type: 'disconnect', reason });
    expect(socket.liveConnections).toBe(0);
    await socket.waitForConnections(2, 5000);
    expect(slack.callsTo('apps.connections.open')).toHaveLength(2);
    const ack = await socket.deliver('slash_commands', { text: 'help' }).acked;
    expect(ack).toMatchObject({ payload: { text: 'after reconnect' }, connection: 2 });
  });

  it('holds an envelope sent while no connection is live until the next one opens', async () => {
    const delivery = socket.deliver('slash_commands', { text: 'help' });
    const client = newClient();
    client.on('slack_event', ({ ack }: SlackEventArgs) => void ack());
    await client.start();
    await delivery.acked;
    expect(socket.envelopesOf(delivery.envelopeId)).toMatchObject([{ retry_attempt: 0, connection: 1 }]);
  });

  it('refuses a bot token (not_allowed_token_type) and an unknown app token (invalid_auth)', async () => {
    await expect(newClient(BOT_TOKEN, false).start()).rejects.toMatchObject({ data: { ok: false, error: 'not_allowed_token_type' } });
    await expect(newClient('xapp-1-someone-else', false).start()).rejects.toMatchObject({ data: { ok: false, error: 'invalid_auth' } });
    expect(socket.connectionsOpened).toBe(0);
  });

  it('takes each WebSocket URL once: its ticket is spent on the first connection', async () => {
    const { url } = socket.connectionsOpen(APP_TOKEN) as { url: string };
    const first = new WebSocket(url);
    await new Promise((resolve, reject) => first.once('open', resolve).once('error', reject));
    const second = new WebSocket(url);
    const refusal = await new Promise<Error>((resolve) => second.once('error', resolve));
    expect(refusal.message).toMatch(/401/);
    first.close();
  });
});
