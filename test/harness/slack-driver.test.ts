import { App, LogLevel } from '@slack/bolt';
import type { SlashCommand } from '@slack/bolt';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSlackApiServer } from './slack-api-server.js';
import type { SlackApiServer } from './slack-api-server.js';
import { SlackDriver, signSlackRequest } from './slack-driver.js';

const TOKEN = 'xoxb-driver-test';
const SIGNING_SECRET = 'driver-test-signing-secret';
const CHANNEL = 'C0MESH';
const USER = 'U0ALICE';

interface SeenCommand {
  command: SlashCommand;
  retryNum: number | undefined;
  retryReason: string | undefined;
}

interface SeenClick {
  actionId: string;
  value: string | undefined;
  blockId: string;
  messageTs: string | undefined;
  userId: string;
}

let api: SlackApiServer;
let app: App;
let driver: SlackDriver;
const commands: SeenCommand[] = [];
const clicks: SeenClick[] = [];

beforeAll(async () => {
  api = await startSlackApiServer({ token: TOKEN, channels: [CHANNEL], users: { [USER]: { name: 'alice' } } });
  app = new App({
    token: TOKEN,
    signingSecret: SIGNING_SECRET,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: api.apiUrl, retryConfig: { retries: 0 } },
  });
  registerListeners(app);
  const server = await app.start({ port: 0, host: '127.0.0.1' });
  const { port } = server.address() as AddressInfo;
  driver = new SlackDriver({ eventsUrl: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET, api });
});

afterAll(async () => {
  await app.stop();
  await api.close();
});

beforeEach(() => {
  commands.length = 0;
  clicks.length = 0;
  api.reset();
});

function registerListeners(bolt: App): void {
  bolt.command('/mesh', async ({ command, ack, respond, context }) => {
    commands.push({ command, retryNum: context.retryNum, retryReason: context.retryReason });
    if (command.text === 'ack-text') return ack({ text: 'working on it' });
    await ack();
    if (command.text === 'help') await respond({ response_type: 'ephemeral', text: 'usage: /mesh shift <service> <percent>' });
  });
  bolt.action('approve', async ({ ack, body, respond }) => {
    await ack();
    if (body.type !== 'block_actions') return;
    const [action] = body.actions;
    if (action?.type !== 'button') return;
    clicks.push({ actionId: action.action_id, value: action.value, blockId: action.block_id, messageTs: body.message?.ts, userId: body.user.id });
    await respond({ replace_original: true, text: `approved by <@${body.user.id}>` });
  });
  bolt.action('inspect', async ({ ack }) => ack());
}

describe('SlackDriver against a real Bolt app', () => {
  it('delivers a signed /mesh help that is acked 200 and answered through response_url', async () => {
    const result = await driver.slashCommand({ text: 'help', userId: USER, channelId: CHANNEL });

    expect(result.status).toBe(200);
    expect(result.body).toBe('');
    expect(commands.map((c) => c.command)).toMatchObject([{ command: '/mesh', text: 'help', user_id: USER, channel_id: CHANNEL, response_url: result.responseUrl }]);
    const response = await api.waitForResponse((r) => r.text?.startsWith('usage:') ?? false, 2_000);
    expect(response).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(result.responseUrl.endsWith(response.id)).toBe(true);
  });

  it('sends the body as a form string with the exact content type and a verifiable signature', async () => {
    const result = await driver.slashCommand({ text: 'shift reviews 10', userId: USER, channelId: CHANNEL });
    const { body, headers } = result.raw;
    const timestamp = Number(headers['x-slack-request-timestamp']);

    expect(headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(body).get('text')).toBe('shift reviews 10');
    expect(headers['x-slack-signature']).toBe(signSlackRequest(SIGNING_SECRET, timestamp, body));
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(5);
  });

  it('returns what ack() sends back', async () => {
    const result = await driver.slashCommand({ text: 'ack-text', userId: USER, channelId: CHANNEL });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ text: 'working on it' });
  });

  it.each([
    { name: 'a forged signature', options: { signature: 'forged' as const } },
    { name: 'a missing signature', options: { signature: 'missing' as const } },
    { name: 'a timestamp 6 minutes old', options: { timestampSkewSeconds: 6 * 60 } },
  ])('answers 401 to $name and never runs the listener', async ({ options }) => {
    const result = await driver.slashCommand({ text: 'help', userId: USER, channelId: CHANNEL, ...options });
    expect(result.status).toBe(401);
    expect(commands).toHaveLength(0);
  });

  it('accepts a timestamp 4 minutes old', async () => {
    const result = await driver.slashCommand({ text: 'status', userId: USER, channelId: CHANNEL, timestampSkewSeconds: 4 * 60 });
    expect(result.status).toBe(200);
  });

  it('passes retry headers through to the listener context', async () => {
    await driver.slashCommand({ text: 'status', userId: USER, channelId: CHANNEL, retryNum: 1, retryReason: 'http_timeout' });
    expect(commands[0]).toMatchObject({ retryNum: 1, retryReason: 'http_timeout' });
  });

  it('replays a request byte for byte, which Bolt delivers again', async () => {
    const first = await driver.slashCommand({ text: 'status', userId: USER, channelId: CHANNEL });
    const replayed = await driver.slashCommand({ text: 'ignored', userId: USER, channelId: CHANNEL, replayOf: first });

    expect(replayed.status).toBe(200);
    expect(replayed.raw).toEqual(first.raw);
    const triggerId = new URLSearchParams(first.raw.body).get('trigger_id');
    expect(commands.map((c) => [c.command.text, c.command.trigger_id])).toEqual([
      ['status', triggerId],
      ['status', triggerId],
    ]);
  });

  it('clicks a button on a posted message, reaching app.action and replacing the message via respond()', async () => {
    const posted = await app.client.chat.postMessage({
      channel: CHANNEL,
      text: 'Approve step 2?',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'Approve step 2?' } },
        {
          type: 'actions',
          block_id: 'decision',
          elements: [{ type: 'button', action_id: 'approve', value: 'run-7:2', text: { type: 'plain_text', text: 'Approve' } }],
        },
      ],
    });

    const result = await driver.clickButton({ actionId: 'approve', value: 'run-7:2', userId: USER, channelId: CHANNEL, messageTs: posted.ts! });

    expect(result.status).toBe(200);
    expect(clicks).toEqual([{ actionId: 'approve', value: 'run-7:2', blockId: 'decision', messageTs: posted.ts, userId: USER }]);
    const replaced = await api.waitForMessage((m) => m.ts === posted.ts && m.text === `approved by <@${USER}>`, 2_000);
    expect(replaced.history).toHaveLength(1);
    expect(api.responses).toMatchObject([{ replace_original: true }]);
  });

  it('sends block_actions as payload=<url-encoded JSON> with the fields Bolt reads', async () => {
    const result = await driver.clickButton({ actionId: 'inspect', value: 'v', userId: USER, channelId: CHANNEL, messageTs: '1700000000.000100', threadTs: '1700000000.000050', blockId: 'b1' });
    const payload = JSON.parse(new URLSearchParams(result.raw.body).get('payload') ?? '{}') as Record<string, unknown>;

    expect(result.status).toBe(200);
    expect(result.raw.body.startsWith('payload=')).toBe(true);
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: USER },
      container: { type: 'message', message_ts: '1700000000.000100', channel_id: CHANNEL, is_ephemeral: false },
      channel: { id: CHANNEL },
      message: { ts: '1700000000.000100', thread_ts: '1700000000.000050' },
      response_url: result.responseUrl,
      actions: [{ type: 'button', action_id: 'inspect', block_id: 'b1', value: 'v' }],
    });
  });

  it('handles 200 concurrent commands', async () => {
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => driver.slashCommand({ text: `status ${i}`, userId: USER, channelId: CHANNEL })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(200);
    expect(new Set(commands.map((c) => c.command.text)).size).toBe(200);
  });
});
