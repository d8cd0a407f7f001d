import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationSettings } from '../../src/app/deps.js';
import type { DriverResponse, SlashCommandOptions } from '../harness/slack-driver.js';
import { eventually, FROM, patchesOf, requestMessage, routeWeights, startStack, testMigration, TO, type Stack } from '../support/meshbot-stack.js';

/**
 * Every way a Slack request can be forged, replayed, misdirected or come too late must be
 * refused, and refused without a trace on the cluster: no PATCH on the VirtualService, the
 * seeded weights untouched, no new request message in the channel.
 */
const M = {
  forged: testMigration(60),
  stale: testMigration(61),
  unsigned: testMigration(62),
  replay: testMigration(63),
  retry: testMigration(64),
  requester: testMigration(65),
  outsider: testMigration(66),
  elsewhere: testMigration(67),
  expired: testMigration(68, { approvalTimeoutMs: 800 }),
  rejected: testMigration(69),
  unknownOperation: testMigration(70),
  foreignOperation: testMigration(71),
  rollback: testMigration(72),
  replayedClick: testMigration(73),
  lostOriginal: testMigration(74),
  victim: testMigration(75),
};

const SEEDED = { [FROM]: 90, [TO]: 10 };
/** Long enough for the bot and workers to have acted on anything they accepted. */
const SETTLE_MS = 400;
const STACK_FRAME = /\n\s+at /;

let stack: Stack;
let redis: Redis;
beforeAll(async () => {
  stack = await startStack(Object.values(M));
  redis = new Redis(stack.redis.url);
});
afterAll(async () => {
  redis?.disconnect();
  await stack?.close();
});

const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));
const command = (m: MigrationSettings, text: string, userId = 'U0BOB', extra: Partial<SlashCommandOptions> = {}) => stack.driver.slashCommand({ text, userId, channelId: m.channel, ...extra });
const click = (m: MigrationSettings, operationId: string, messageTs: string, userId: string, options: { actionId?: string; channelId?: string } = {}) =>
  stack.driver.clickButton({ actionId: options.actionId ?? 'meshbot_approve', value: operationId, userId, channelId: options.channelId ?? m.channel, messageTs });

/** The top-level messages in a migration's channel: meshbot's request messages. */
const requestMessages = (m: MigrationSettings) => stack.slack.messages.filter((msg) => msg.channel === m.channel && msg.thread_ts === undefined);
const operationsOf = (m: MigrationSettings) => redis.llen(`${stack.queuePrefix}:history:${m.name}`);
const responseId = (sent: DriverResponse) => decodeURIComponent(sent.responseUrl.slice(sent.responseUrl.lastIndexOf('/') + 1));
/** What meshbot answered through one request's response_url. */
const repliesTo = (sent: DriverResponse) => stack.slack.responses.filter((r) => r.id === responseId(sent));
const replyTo = async (sent: DriverResponse) => (await stack.slack.waitForResponse((r) => r.id === responseId(sent), 5000)).text ?? '';

/** A refusal is a plain sentence for a person: no stack trace, no error class, ends like a sentence. */
function expectPlainSentence(text: string, pattern: RegExp): void {
  expect(text).toMatch(pattern);
  expect(text).not.toMatch(STACK_FRAME);
  expect(text).not.toMatch(/\b(?:TypeError|ReferenceError|SyntaxError|Error):/);
  expect(text).not.toMatch(/undefined|\[object Object\]/);
  expect(text.trim()).toMatch(/[.!?]$/);
}

async function expectNothingChanged(m: MigrationSettings, expected: { weights?: Record<string, number>; patches?: number; requestMessages?: number; operations?: number } = {}): Promise<void> {
  await settle();
  expect(patchesOf(stack.kube, m.virtualService)).toBe(expected.patches ?? 0);
  expect(routeWeights(stack.kube, 'payments', m.virtualService)).toEqual(expected.weights ?? SEEDED);
  expect(requestMessages(m)).toHaveLength(expected.requestMessages ?? 0);
  expect(await operationsOf(m)).toBe(expected.operations ?? expected.requestMessages ?? 0);
}

/** The control: the same command, correctly signed and fresh, is acted on (so the refusal above was the signature check). */
async function expectSignedCopyActedOn(m: MigrationSettings): Promise<void> {
  const sent = await command(m, 'shift 25%', 'U0ALICE');
  expect(sent.status).toBe(200);
  await requestMessage(stack.slack, m.channel);
  expect(requestMessages(m)).toHaveLength(1);
}

/** Requests `shift 25%` as Bob and returns the posted request message. */
async function requested(m: MigrationSettings, userId = 'U0BOB') {
  const sent = await command(m, 'shift 25%', userId);
  expect(sent.status).toBe(200);
  return requestMessage(stack.slack, m.channel);
}

describe('requests that are not from Slack', () => {
  it('a request with a forged signature is refused with 401 and changes nothing', async () => {
    const sent = await command(M.forged, 'shift 25%', 'U0ALICE', { signature: 'forged' });
    expect(sent.status).toBe(401);
    await expectNothingChanged(M.forged);
    expect(repliesTo(sent)).toEqual([]);
    await expectSignedCopyActedOn(M.forged);
  });

  it('a correctly signed request older than five minutes is refused with 401 and changes nothing', async () => {
    const sent = await command(M.stale, 'shift 25%', 'U0ALICE', { timestampSkewSeconds: 5 * 60 + 30 });
    expect(sent.status).toBe(401);
    await expectNothingChanged(M.stale);
    expect(repliesTo(sent)).toEqual([]);
    await expectSignedCopyActedOn(M.stale);
  });

  it('a request without a signature header is refused with 401 and changes nothing', async () => {
    const sent = await command(M.unsigned, 'shift 25%', 'U0ALICE', { signature: 'missing' });
    expect(sent.status).toBe(401);
    await expectNothingChanged(M.unsigned);
    expect(repliesTo(sent)).toEqual([]);
    await expectSignedCopyActedOn(M.unsigned);
  });
});

describe('replays and retries', () => {
  it('a byte-for-byte replay of a signed shift within five minutes is accepted by Bolt but acted on only once', async () => {
    const original = await command(M.replay, 'shift 25%', 'U0BOB', { triggerId: 'trigger-replay-63' });
    expect(original.status).toBe(200);
    await requestMessage(stack.slack, M.replay.channel);
    // Bolt only checks the signature and the five-minute window, so an exact replay passes
    // verification; meshbot's trigger_id de-duplication is what keeps it from acting twice.
    const replayed = await stack.driver.replay(original);
    expect(replayed.status).toBe(200);
    const replayedAgain = await stack.driver.replay(original);
    expect(replayedAgain.status).toBe(200);
    await expectNothingChanged(M.replay, { requestMessages: 1, operations: 1 });
    // A replay carries the original response_url: only the original's one confirmation arrives there.
    expect(repliesTo(replayed).map((r) => r.text)).toEqual([expect.stringMatching(/^Requested: shift 25% for migration-63\./)]);
  });

  it('a Slack retry (x-slack-retry-num) of a delivered shift is acted on once', async () => {
    const original = await command(M.retry, 'shift 25%', 'U0BOB', { triggerId: 'trigger-retry-64' });
    const retries = await Promise.all([
      command(M.retry, 'shift 25%', 'U0BOB', { triggerId: 'trigger-retry-64', retryNum: 1, retryReason: 'http_timeout' }),
      command(M.retry, 'shift 25%', 'U0BOB', { triggerId: 'trigger-retry-64', retryNum: 2, retryReason: 'http_timeout' }),
    ]);
    expect([original.status, ...retries.map((r) => r.status)]).toEqual([200, 200, 200]);
    await requestMessage(stack.slack, M.retry.channel);
    await expectNothingChanged(M.retry, { requestMessages: 1, operations: 1 });
    expect(retries.flatMap(repliesTo)).toEqual([]);
  });

  it('a Slack retry whose original delivery was lost is still acted on, once', async () => {
    const retried = await command(M.lostOriginal, 'shift 25%', 'U0BOB', { triggerId: 'trigger-lost-74', retryNum: 1, retryReason: 'http_error' });
    expect(retried.status).toBe(200);
    await requestMessage(stack.slack, M.lostOriginal.channel);
    await expectNothingChanged(M.lostOriginal, { requestMessages: 1, operations: 1 });
  });

  it('a replayed Approve click is refused and the VirtualService is patched once', async () => {
    const { message, operationId } = await requested(M.replayedClick);
    const approval = await click(M.replayedClick, operationId, message.ts, 'U0ALICE');
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.replayedClick.virtualService)).toEqual({ [FROM]: 75, [TO]: 25 }));
    const replayed = await stack.driver.replay(approval);
    expect(replayed.status).toBe(200);
    expectPlainSentence(await replyTo(replayed), /already (approved|applying|applied)/);
    await expectNothingChanged(M.replayedClick, { weights: { [FROM]: 75, [TO]: 25 }, patches: 1, requestMessages: 1 });
  });
});

describe('decisions by the wrong person, from the wrong place, or too late', () => {
  it('the requester cannot approve their own request', async () => {
    const { message, operationId } = await requested(M.requester, 'U0ALICE');
    const sent = await click(M.requester, operationId, message.ts, 'U0ALICE');
    expectPlainSentence(await replyTo(sent), /^You requested this change.*second person/);
    await expectNothingChanged(M.requester, { requestMessages: 1 });
    expect(stack.slack.message(M.requester.channel, message.ts)?.blocks?.some((b) => b.type === 'actions')).toBe(true);
  });

  it('a user outside the approvers list can neither approve nor reject', async () => {
    const { message, operationId } = await requested(M.outsider);
    const approve = await click(M.outsider, operationId, message.ts, 'U0MALLORY');
    expectPlainSentence(await replyTo(approve), /^<@U0MALLORY> is not an approver of this migration\..*Nothing was changed\.$/);
    const reject = await click(M.outsider, operationId, message.ts, 'U0MALLORY', { actionId: 'meshbot_reject' });
    expectPlainSentence(await replyTo(reject), /^<@U0MALLORY> is not an approver of this migration\./);
    await expectNothingChanged(M.outsider, { requestMessages: 1 });
    expect(JSON.stringify(stack.slack.message(M.outsider.channel, message.ts)?.blocks)).not.toMatch(/Approved by|Rejected by/);
  });

  it('an approver clicking from another channel than the migration’s is refused', async () => {
    const { message, operationId } = await requested(M.elsewhere);
    const sent = await click(M.elsewhere, operationId, message.ts, 'U0ALICE', { channelId: 'C0ELSEWHERE' });
    expectPlainSentence(await replyTo(sent), new RegExp(`^This request belongs to <#${M.elsewhere.channel}>; decisions are taken there\\. Nothing was changed\\.$`));
    await expectNothingChanged(M.elsewhere, { requestMessages: 1 });
  });

  it('an approval after the request expired is refused', async () => {
    const { message, operationId } = await requested(M.expired);
    await eventually(() => expect(JSON.stringify(stack.slack.message(M.expired.channel, message.ts)?.blocks)).toContain('Expired'), 8000);
    const sent = await click(M.expired, operationId, message.ts, 'U0ALICE');
    expectPlainSentence(await replyTo(sent), /^This request (?:is already expired|expired before your click); nothing was changed\./);
    await expectNothingChanged(M.expired, { requestMessages: 1 });
  });

  it('an approval after the request was rejected is refused', async () => {
    const { message, operationId } = await requested(M.rejected);
    await click(M.rejected, operationId, message.ts, 'U0ALICE', { actionId: 'meshbot_reject' });
    await eventually(() => expect(JSON.stringify(stack.slack.message(M.rejected.channel, message.ts)?.blocks)).toContain('Rejected by <@U0ALICE>'));
    const sent = await click(M.rejected, operationId, message.ts, 'U0CAROL');
    expectPlainSentence(await replyTo(sent), /^This request is already rejected by <@U0ALICE>; nothing was changed\.$/);
    await expectNothingChanged(M.rejected, { requestMessages: 1 });
  });
});

describe('forged button values', () => {
  it('an Approve button carrying an operation id that does not exist is refused', async () => {
    const { message } = await requested(M.unknownOperation);
    for (const forged of ['00000000-0000-0000-0000-000000000000', 'not-an-operation', '*', '']) {
      const sent = await click(M.unknownOperation, forged, message.ts, 'U0ALICE');
      expectPlainSentence(await replyTo(sent), /is unknown; nothing was changed\.$/);
    }
    await expectNothingChanged(M.unknownOperation, { requestMessages: 1 });
  });

  it('an Approve button carrying the operation of another migration is refused in this channel', async () => {
    const victim = await requested(M.victim);
    const here = await requested(M.foreignOperation);
    // Alice approves both migrations, but a decision is only taken in the operation's own channel.
    const sent = await click(M.foreignOperation, victim.operationId, here.message.ts, 'U0ALICE');
    expectPlainSentence(await replyTo(sent), new RegExp(`^This request belongs to <#${M.victim.channel}>; decisions are taken there\\. Nothing was changed\\.$`));
    await expectNothingChanged(M.victim, { requestMessages: 1 });
    await expectNothingChanged(M.foreignOperation, { requestMessages: 1 });
    expect(stack.slack.message(M.victim.channel, victim.message.ts)?.blocks?.some((b) => b.type === 'actions')).toBe(true);
  });
});

describe('rollback', () => {
  it('a rollback by a non-approver is refused and the applied step stays', async () => {
    const { message, operationId } = await requested(M.rollback);
    await click(M.rollback, operationId, message.ts, 'U0ALICE');
    const applied = { [FROM]: 75, [TO]: 25 };
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.rollback.virtualService)).toEqual(applied));
    await eventually(() => expect(stack.slack.thread(M.rollback.channel, message.ts).some((m) => (m.text ?? '').startsWith('✅ Applied'))).toBe(true));
    for (const userId of ['U0BOB', 'U0MALLORY']) {
      const sent = await command(M.rollback, 'rollback', userId);
      expect(sent.status).toBe(200);
      expectPlainSentence(await replyTo(sent), new RegExp(`^<@${userId}> is not an approver of this migration\\..*Only approvers may roll back\\.$`));
    }
    await expectNothingChanged(M.rollback, { weights: applied, patches: 1, requestMessages: 1 });
    expect(stack.slack.thread(M.rollback.channel, message.ts).some((m) => (m.text ?? '').includes('rolling back'))).toBe(false);
  });
});
