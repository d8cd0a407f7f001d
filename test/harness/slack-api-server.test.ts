import { LogLevel, WebClient } from '@slack/web-api';
import type { Logger } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SLACK_LIMITS, compareTs, startSlackApiServer } from './slack-api-server.js';
import type { SlackApiServer, SlackBlock } from './slack-api-server.js';
import { renderMessage, renderThread } from './slack-thread-text.js';

const TOKEN = 'xoxb-test-token';
const CHANNEL = 'C0MESH';

let server: SlackApiServer;
let client: WebClient;

beforeAll(async () => {
  server = await startSlackApiServer({
    token: TOKEN,
    channels: [CHANNEL],
    users: { U1: { name: 'alice' } },
    usergroups: { S1: ['U1', 'U2'] },
  });
  client = clientWith(TOKEN);
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => server.reset());

// The client logs every rejected call; these tests expect rejections.
const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

function clientWith(token: string | undefined): WebClient {
  return new WebClient(token, { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 }, logger: silentLogger });
}

async function slackError(call: Promise<unknown>): Promise<{ code: unknown; error: unknown; messages: unknown }> {
  const failure = (await call.then(
    () => expect.fail('expected the Slack call to fail'),
    (error: unknown) => error,
  )) as { code?: unknown; data?: { error?: unknown; response_metadata?: { messages?: unknown } } };
  return { code: failure.code, error: failure.data?.error, messages: failure.data?.response_metadata?.messages };
}

const section = (text: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const button = (text: string, overrides: Record<string, unknown> = {}): SlackBlock => ({
  type: 'button',
  action_id: 'approve',
  text: { type: 'plain_text', text },
  value: 'v',
  ...overrides,
});
const actions = (...elements: SlackBlock[]): SlackBlock => ({ type: 'actions', block_id: 'decision', elements });

describe('local Slack Web API server with the real WebClient', () => {
  it('answers auth.test like Slack', async () => {
    const auth = await client.auth.test();
    expect(auth).toMatchObject({ ok: true, user_id: 'UMESHBOT', bot_id: 'BMESHBOT', team_id: 'T0MESH' });
  });

  it('posts, replies in a thread and updates the reply', async () => {
    const parent = await client.chat.postMessage({ channel: CHANNEL, text: 'Shift 10%?', blocks: [section('Shift *10%*?')] });
    const reply = await client.chat.postMessage({ channel: CHANNEL, thread_ts: parent.ts, text: 'waiting for approval' });
    const updated = await client.chat.update({ channel: CHANNEL, ts: reply.ts!, text: 'approved' });

    expect(updated).toMatchObject({ ok: true, channel: CHANNEL, ts: reply.ts });
    const thread = server.thread(CHANNEL, parent.ts!);
    expect(thread.map((m) => m.text)).toEqual(['Shift 10%?', 'approved']);
    expect(thread[0]?.blocks).toEqual([section('Shift *10%*?')]);
    expect(thread[1]).toMatchObject({ thread_ts: parent.ts, history: [{ text: 'waiting for approval' }] });
    expect(server.callsTo('chat.postMessage')[0]?.params.blocks).toEqual([section('Shift *10%*?')]);
  });

  it('gives unique, increasing ts values and threads replies-to-replies under the parent', async () => {
    const parent = await client.chat.postMessage({ channel: CHANNEL, text: 'parent' });
    const first = await client.chat.postMessage({ channel: CHANNEL, text: 'one', thread_ts: parent.ts });
    const second = await client.chat.postMessage({ channel: CHANNEL, text: 'two', thread_ts: first.ts });

    expect(parent.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(compareTs(parent.ts!, first.ts!)).toBeLessThan(0);
    expect(compareTs(first.ts!, second.ts!)).toBeLessThan(0);
    expect(server.message(CHANNEL, second.ts!)?.thread_ts).toBe(parent.ts);
  });

  it('rejects a wrong token with invalid_auth and a missing one with not_authed', async () => {
    expect(await slackError(clientWith('xoxb-wrong').chat.postMessage({ channel: CHANNEL, text: 'x' }))).toMatchObject({
      code: 'slack_webapi_platform_error',
      error: 'invalid_auth',
    });
    expect((await slackError(clientWith(undefined).auth.test())).error).toBe('not_authed');
    expect(server.messages).toHaveLength(0);
  });

  it('rejects 51 blocks with invalid_blocks', async () => {
    const blocks = Array.from({ length: SLACK_LIMITS.blocksPerMessage + 1 }, (_, i) => section(`block ${i}`));
    const failure = await slackError(client.chat.postMessage({ channel: CHANNEL, text: 'many', blocks }));
    expect(failure.error).toBe('invalid_blocks');
    expect(failure.messages).toEqual(['[ERROR] no more than 50 items allowed [json-pointer:/blocks]']);
  });

  it('accepts exactly 50 blocks', async () => {
    const blocks = Array.from({ length: SLACK_LIMITS.blocksPerMessage }, (_, i) => section(`block ${i}`));
    await expect(client.chat.postMessage({ channel: CHANNEL, text: 'many', blocks })).resolves.toMatchObject({ ok: true });
  });

  it('rejects an unknown channel with channel_not_found', async () => {
    expect((await slackError(client.chat.postMessage({ channel: 'CNOPE', text: 'x' }))).error).toBe('channel_not_found');
    expect((await slackError(client.conversations.info({ channel: 'CNOPE' }))).error).toBe('channel_not_found');
  });

  it("keeps the limits table at Slack's documented values", () => {
    expect(SLACK_LIMITS).toEqual({
      blocksPerMessage: 50,
      messageTextChars: 40_000,
      sectionTextChars: 3_000,
      sectionFields: 10,
      sectionFieldChars: 2_000,
      headerTextChars: 150,
      buttonTextChars: 75,
      buttonValueChars: 2_000,
      actionIdChars: 255,
      blockIdChars: 255,
      actionsElements: 25,
      contextElements: 10,
    });
  });

  const over = (limit: number): string => 'x'.repeat(limit + 1);
  const limitCases: { name: string; blocks: SlackBlock[]; pointer: string }[] = [
    { name: 'section text', blocks: [section(over(SLACK_LIMITS.sectionTextChars))], pointer: '/blocks/0/text/text' },
    {
      name: 'section field count',
      blocks: [{ type: 'section', fields: Array.from({ length: SLACK_LIMITS.sectionFields + 1 }, () => ({ type: 'mrkdwn', text: 'f' })) }],
      pointer: '/blocks/0/fields',
    },
    { name: 'section field text', blocks: [{ type: 'section', fields: [{ type: 'mrkdwn', text: over(SLACK_LIMITS.sectionFieldChars) }] }], pointer: '/blocks/0/fields/0/text' },
    { name: 'header text', blocks: [{ type: 'header', text: { type: 'plain_text', text: over(SLACK_LIMITS.headerTextChars) } }], pointer: '/blocks/0/text/text' },
    { name: 'button text', blocks: [actions(button(over(SLACK_LIMITS.buttonTextChars)))], pointer: '/blocks/0/elements/0/text/text' },
    { name: 'button value', blocks: [actions(button('Approve', { value: over(SLACK_LIMITS.buttonValueChars) }))], pointer: '/blocks/0/elements/0/value' },
    { name: 'action_id', blocks: [actions(button('Approve', { action_id: over(SLACK_LIMITS.actionIdChars) }))], pointer: '/blocks/0/elements/0/action_id' },
    { name: 'block_id', blocks: [{ ...section('x'), block_id: over(SLACK_LIMITS.blockIdChars) }], pointer: '/blocks/0/block_id' },
    { name: 'accessory button text', blocks: [{ ...section('x'), accessory: button(over(SLACK_LIMITS.buttonTextChars)) }], pointer: '/blocks/0/accessory/text/text' },
    {
      name: 'actions element count',
      blocks: [actions(...Array.from({ length: SLACK_LIMITS.actionsElements + 1 }, (_, i) => button(`b${i}`, { action_id: `a${i}` })))],
      pointer: '/blocks/0/elements',
    },
  ];

  it.each(limitCases)('rejects an oversized $name with invalid_blocks', async ({ blocks, pointer }) => {
    const failure = await slackError(client.chat.postMessage({ channel: CHANNEL, text: 'fallback', blocks }));
    expect(failure.error).toBe('invalid_blocks');
    expect(String(failure.messages)).toContain(`[json-pointer:${pointer}]`);
  });

  it('accepts blocks exactly at the limits', async () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(SLACK_LIMITS.headerTextChars) } },
      section('s'.repeat(SLACK_LIMITS.sectionTextChars)),
      { type: 'section', fields: Array.from({ length: SLACK_LIMITS.sectionFields }, () => ({ type: 'mrkdwn', text: 'f'.repeat(SLACK_LIMITS.sectionFieldChars) })) },
      actions(button('b'.repeat(SLACK_LIMITS.buttonTextChars), { value: 'v'.repeat(SLACK_LIMITS.buttonValueChars), action_id: 'a'.repeat(SLACK_LIMITS.actionIdChars) })),
    ];
    await expect(client.chat.postMessage({ channel: CHANNEL, text: 'at limits', blocks })).resolves.toMatchObject({ ok: true });
  });

  it('rejects a message without text or blocks, and text over 40,000 characters', async () => {
    expect((await slackError(client.chat.postMessage({ channel: CHANNEL, text: '' }))).error).toBe('no_text');
    expect((await slackError(client.chat.postMessage({ channel: CHANNEL, text: over(SLACK_LIMITS.messageTextChars) }))).error).toBe('msg_too_long');
  });

  it('validates updates too, and answers message_not_found for an unknown ts', async () => {
    const posted = await client.chat.postMessage({ channel: CHANNEL, text: 'x' });
    expect((await slackError(client.chat.update({ channel: CHANNEL, ts: '1.000001', text: 'y' }))).error).toBe('message_not_found');
    expect((await slackError(client.chat.update({ channel: CHANNEL, ts: posted.ts!, text: 'y', blocks: [section(over(3000))] }))).error).toBe('invalid_blocks');
    expect(server.message(CHANNEL, posted.ts!)?.text).toBe('x');
  });

  it('records ephemerals with their user', async () => {
    const answer = await client.chat.postEphemeral({ channel: CHANNEL, user: 'U1', text: 'only you' });
    expect(answer.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(server.ephemerals).toMatchObject([{ kind: 'ephemeral', channel: CHANNEL, user: 'U1', text: 'only you' }]);
    expect(server.messages).toHaveLength(0);
  });

  it('answers conversations.info, usergroups.users.list and users.info', async () => {
    expect((await client.conversations.info({ channel: CHANNEL })).channel).toMatchObject({ id: CHANNEL, is_member: true });
    expect((await client.usergroups.users.list({ usergroup: 'S1' })).users).toEqual(['U1', 'U2']);
    expect((await slackError(client.usergroups.users.list({ usergroup: 'SNOPE' }))).error).toBe('no_such_subteam');
    expect((await client.users.info({ user: 'U1' })).user).toMatchObject({ id: 'U1', name: 'alice' });
    expect((await slackError(client.users.info({ user: 'UNOPE' }))).error).toBe('user_not_found');
  });

  it('answers unknown_method for methods it does not implement', async () => {
    expect((await slackError(client.apiCall('reactions.add', { channel: CHANNEL }))).error).toBe('unknown_method');
  });

  it('accepts JSON bodies with a bearer token', async () => {
    const response = await fetch(`${server.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ channel: CHANNEL, blocks: [section('json')] }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: CHANNEL });
    expect(server.messages[0]?.blocks).toEqual([section('json')]);
  });
});

describe('response_url endpoint', () => {
  it('records what respond() posts and answers ok', async () => {
    const response = await postJson(server.responseUrl('r1'), { text: 'usage: /mesh …', response_type: 'ephemeral' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(server.responses).toMatchObject([{ kind: 'response', id: 'r1', response_type: 'ephemeral', replace_original: false, text: 'usage: /mesh …' }]);
  });

  it('replaces the original message when the response_url came from it', async () => {
    const posted = await client.chat.postMessage({ channel: CHANNEL, text: 'approve?', blocks: [actions(button('Approve'))] });
    const url = server.responseUrl('r2', { channel: CHANNEL, messageTs: posted.ts! });
    await postJson(url, { replace_original: true, text: 'approved by alice' });
    expect(server.message(CHANNEL, posted.ts!)).toMatchObject({ text: 'approved by alice', history: [{ text: 'approve?' }] });
  });

  it('posts in_channel responses to the originating channel', async () => {
    await postJson(server.responseUrl('r3', { channel: CHANNEL }), { response_type: 'in_channel', text: 'for everyone' });
    expect(server.messages).toMatchObject([{ channel: CHANNEL, text: 'for everyone' }]);
  });

  it('rejects invalid content with HTTP 400 so respond() throws', async () => {
    const response = await postJson(server.responseUrl('r4'), { blocks: Array.from({ length: 51 }, () => section('x')) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(server.responses).toHaveLength(0);
  });
});

describe('inspection helpers', () => {
  it('waitFor resolves on a later message and on one already recorded', async () => {
    const later = server.waitForMessage((m) => m.text === 'later', 1_000);
    await client.chat.postMessage({ channel: CHANNEL, text: 'later' });
    expect((await later).text).toBe('later');
    expect(await server.waitFor((r) => r.kind === 'message' && r.text === 'later', 10)).toMatchObject({ text: 'later' });
  });

  it('waitFor sees updates of an existing message', async () => {
    const posted = await client.chat.postMessage({ channel: CHANNEL, text: 'pending' });
    const approved = server.waitForMessage((m) => m.text === 'approved', 1_000);
    await client.chat.update({ channel: CHANNEL, ts: posted.ts!, text: 'approved' });
    expect((await approved).ts).toBe(posted.ts);
  });

  it('waitFor rejects after the timeout', async () => {
    await expect(server.waitForResponse(() => true, 30)).rejects.toThrow(/No matching Slack record within 30 ms/);
  });

  it('reset forgets recordings but keeps ts unique', async () => {
    const before = await client.chat.postMessage({ channel: CHANNEL, text: 'a' });
    server.reset();
    expect(server.messages).toHaveLength(0);
    expect(server.calls).toHaveLength(0);
    const after = await client.chat.postMessage({ channel: CHANNEL, text: 'b' });
    expect(compareTs(before.ts!, after.ts!)).toBeLessThan(0);
  });
});

describe('rate limiting', () => {
  it('answers 429 with Retry-After once a channel exceeds its per-second budget', async () => {
    const limited = await startSlackApiServer({ token: TOKEN, channels: [CHANNEL], rateLimit: { perChannelPerSecond: 2 } });
    try {
      const post = () => postForm(`${limited.apiUrl}chat.postMessage`, { channel: CHANNEL, text: 'x' });
      const statuses = [(await post()).status, (await post()).status];
      const third = await post();
      expect(statuses).toEqual([200, 200]);
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('1');
      expect(await third.json()).toEqual({ ok: false, error: 'ratelimited' });
      expect(limited.messages).toHaveLength(2);
    } finally {
      await limited.close();
    }
  });

  it('is off by default', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => client.chat.postMessage({ channel: CHANNEL, text: 'x' })));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(new Set(results.map((r) => r.ts)).size).toBe(20);
  });
});

describe('thread text renderer', () => {
  const approval: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Shift reviews to GCP' } },
    { type: 'section', text: { type: 'mrkdwn', text: 'Step *2/5*: 10% → 25%, asked by <@U1>' } },
    { type: 'section', fields: [{ type: 'mrkdwn', text: '*From* 10%' }, { type: 'mrkdwn', text: '*To* 25%' }, { type: 'mrkdwn', text: 'errors 0.1%' }] },
    { type: 'divider' },
    actions(button('Approve'), button('Reject', { action_id: 'reject' })),
    { type: 'context', elements: [{ type: 'mrkdwn', text: 'see <https://example.test/run/7|run 7>' }] },
  ];

  it('renders headers, sections, fields, dividers, buttons and context as plain text', () => {
    expect(renderMessage({ ts: '1.000100', blocks: approval, text: 'fallback' })).toBe(
      ['# Shift reviews to GCP', 'Step *2/5*: 10% → 25%, asked by @U1', '*From* 10% | *To* 25%', 'errors 0.1%', '─'.repeat(30), '[Approve] [Reject]', 'see run 7'].join('\n'),
    );
  });

  it('falls back to text, and marks updated and deleted messages', () => {
    expect(renderMessage({ text: 'plain &lt;text&gt;' })).toBe('plain <text>');
    expect(renderMessage({ text: 'approved', history: [{}] })).toBe('approved\n(updated)');
    expect(renderMessage({ text: 'approved', history: [{}, {}] })).toBe('approved\n(updated 2×)');
    expect(renderMessage({ text: 'gone', deleted: true })).toBe('(message deleted)');
  });

  it('indents replies under their parent', () => {
    const text = renderThread([
      { ts: '1.000100', text: 'parent' },
      { ts: '1.000200', thread_ts: '1.000100', blocks: [section('line 1\nline 2')] },
    ]);
    expect(text).toBe('parent\n\n    line 1\n    line 2');
  });

  it('renders what the server recorded for a thread', async () => {
    const parent = await client.chat.postMessage({ channel: CHANNEL, text: 'shift?', blocks: approval });
    const reply = await client.chat.postMessage({ channel: CHANNEL, thread_ts: parent.ts, text: 'waiting' });
    await client.chat.update({ channel: CHANNEL, ts: reply.ts!, text: 'approved by <@U1>' });
    const rendered = renderThread(server.thread(CHANNEL, parent.ts!));
    expect(rendered).toContain('[Approve] [Reject]');
    expect(rendered.endsWith('\n\n    approved by @U1\n    (updated)')).toBe(true);
  });
});

function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function postForm(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${TOKEN}` },
    body: new URLSearchParams(fields).toString(),
  });
}
