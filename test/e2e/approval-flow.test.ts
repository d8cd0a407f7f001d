import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, FROM, patchesOf, requestMessage, routeWeights, startStack, testMigration, TO, type Stack } from '../support/meshbot-stack.js';

const M = {
  happy: testMigration(1),
  reject: testMigration(2),
  expiry: testMigration(3, { approvalTimeoutMs: 1200 }),
  self: testMigration(4),
  outsider: testMigration(5),
  double: testMigration(6),
  handEdit: testMigration(7),
  missing: testMigration(8, { virtualService: 'does-not-exist' }),
  rollback: testMigration(9),
  busy: testMigration(10),
  selfAllowed: testMigration(11, { allowSelfApproval: true }),
  retry: testMigration(12),
  requesters: testMigration(13, { requesters: ['U0BOB'] }),
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(Object.values(M));
  stack.kube.remove('virtualservices', 'payments', M.missing.virtualService);
});
afterAll(async () => {
  await stack?.close();
});

const shift = (m: typeof M.happy, text: string, userId = 'U0BOB', extra = {}) => stack.driver.slashCommand({ text, userId, channelId: m.channel, ...extra });
const click = (m: typeof M.happy, operationId: string, messageTs: string, userId: string, actionId = 'meshbot_approve', channelId = m.channel) =>
  stack.driver.clickButton({ actionId, value: operationId, userId, channelId, messageTs });
const privateReply = (pattern: RegExp) => stack.slack.waitForResponse((r) => r.kind === 'response' && pattern.test(r.text ?? ''), 5000);
const threadTexts = (channel: string, ts: string) => stack.slack.thread(channel, ts).map((m) => m.text ?? '');

describe('the approval flow', () => {
  it('request → approve → VirtualService patched → result in the thread', async () => {
    const ack = await shift(M.happy, 'shift 25%');
    expect(ack.status).toBe(200);
    const { message, operationId } = await requestMessage(stack.slack, M.happy.channel);
    expect(JSON.stringify(message.blocks)).toContain(`${FROM} 90 → 75, ${TO} 10 → 25`);
    expect(JSON.stringify(message.blocks)).toContain('GCPBackend payments/cr-gcpbackend present');
    await click(M.happy, operationId, message.ts, 'U0ALICE');
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.happy.virtualService)).toEqual({ [FROM]: 75, [TO]: 25 }));
    await eventually(() => expect(threadTexts(M.happy.channel, message.ts).some((t) => t.startsWith('✅ Applied shift 25%'))).toBe(true));
    const parent = stack.slack.message(M.happy.channel, message.ts);
    expect(parent?.blocks?.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(parent?.blocks)).toContain('Approved by <@U0ALICE>');
    expect(patchesOf(stack.kube, M.happy.virtualService)).toBe(1);
  });

  it('an approver from a configured user group may approve', async () => {
    await shift(M.happy, 'shift 50%');
    const { message, operationId } = await requestMessage(stack.slack, M.happy.channel);
    await click(M.happy, operationId, message.ts, 'U0CAROL');
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.happy.virtualService)).toEqual({ [FROM]: 50, [TO]: 50 }));
  });

  it('reject: nothing changes and the buttons disappear', async () => {
    await shift(M.reject, 'shift 25%');
    const { message, operationId } = await requestMessage(stack.slack, M.reject.channel);
    await click(M.reject, operationId, message.ts, 'U0ALICE', 'meshbot_reject');
    await eventually(() => expect(JSON.stringify(stack.slack.message(M.reject.channel, message.ts)?.blocks)).toContain('Rejected by <@U0ALICE>'));
    expect(routeWeights(stack.kube, 'payments', M.reject.virtualService)).toEqual({ [FROM]: 90, [TO]: 10 });
    expect(patchesOf(stack.kube, M.reject.virtualService)).toBe(0);
    await click(M.reject, operationId, message.ts, 'U0ALICE');
    await privateReply(/already rejected/);
    expect(patchesOf(stack.kube, M.reject.virtualService)).toBe(0);
  });

  it('expiry: an undecided request expires and can no longer be approved', async () => {
    await shift(M.expiry, 'shift 25%');
    const { message, operationId } = await requestMessage(stack.slack, M.expiry.channel);
    await eventually(() => expect(JSON.stringify(stack.slack.message(M.expiry.channel, message.ts)?.blocks)).toContain('Expired'), 8000);
    await click(M.expiry, operationId, message.ts, 'U0ALICE');
    await privateReply(/already expired/);
    expect(patchesOf(stack.kube, M.expiry.virtualService)).toBe(0);
  });

  it('self-approval is refused unless the migration allows it', async () => {
    await shift(M.self, 'shift 25%', 'U0ALICE');
    const { message, operationId } = await requestMessage(stack.slack, M.self.channel);
    await click(M.self, operationId, message.ts, 'U0ALICE');
    await privateReply(/You requested this change.*second person/);
    expect(patchesOf(stack.kube, M.self.virtualService)).toBe(0);
    expect(stack.slack.message(M.self.channel, message.ts)?.blocks?.some((b) => b.type === 'actions')).toBe(true);

    await shift(M.selfAllowed, 'shift 25%', 'U0ALICE');
    const allowed = await requestMessage(stack.slack, M.selfAllowed.channel);
    await click(M.selfAllowed, allowed.operationId, allowed.message.ts, 'U0ALICE');
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.selfAllowed.virtualService)).toEqual({ [FROM]: 75, [TO]: 25 }));
  });

  it('an approver not in the list, or a click from another channel, is refused', async () => {
    await shift(M.outsider, 'shift 25%');
    const { message, operationId } = await requestMessage(stack.slack, M.outsider.channel);
    await click(M.outsider, operationId, message.ts, 'U0MALLORY');
    await privateReply(/<@U0MALLORY> is not an approver of this migration/);
    await click(M.outsider, operationId, message.ts, 'U0ALICE', 'meshbot_approve', 'C0ELSEWHERE');
    await privateReply(/belongs to <#C0MIG5>/);
    expect(patchesOf(stack.kube, M.outsider.virtualService)).toBe(0);
  });

  it('double click: exactly one PATCH', async () => {
    await shift(M.double, 'shift 25%');
    const { message, operationId } = await requestMessage(stack.slack, M.double.channel);
    await Promise.all([click(M.double, operationId, message.ts, 'U0ALICE'), click(M.double, operationId, message.ts, 'U0ALICE'), click(M.double, operationId, message.ts, 'U0CAROL')]);
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.double.virtualService)).toEqual({ [FROM]: 75, [TO]: 25 }));
    await new Promise((r) => setTimeout(r, 300));
    expect(patchesOf(stack.kube, M.double.virtualService)).toBe(1);
  });

  it('a concurrent hand edit during apply is kept and the step is made on top', async () => {
    await shift(M.handEdit, 'shift 25%');
    const { message, operationId } = await requestMessage(stack.slack, M.handEdit.channel);
    const edit = stack.kube.editBeforeNextWrite({ resource: 'virtualservices', namespace: 'payments', name: M.handEdit.virtualService }, (draft) => {
      (draft as { spec: { http: { timeout: string }[] } }).spec.http[0]!.timeout = '42s';
    });
    await click(M.handEdit, operationId, message.ts, 'U0ALICE');
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.handEdit.virtualService)).toEqual({ [FROM]: 75, [TO]: 25 }));
    expect(edit.applied).toBe(true);
    const vs = stack.kube.getObject('virtualservices', 'payments', M.handEdit.virtualService) as { spec: { http: { timeout: string }[] } };
    expect(vs.spec.http[0]?.timeout).toBe('42s');
    const failedPatches = stack.kube.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith(M.handEdit.virtualService) && (c.status ?? 0) >= 400);
    expect(failedPatches.length).toBe(1);
  });

  it('a missing VirtualService gets a clear message and nothing is queued', async () => {
    await shift(M.missing, 'shift 25%');
    await privateReply(/VirtualService payments\/does-not-exist was not found.*Nothing was requested/);
    expect(stack.slack.messages.filter((m) => m.channel === M.missing.channel)).toHaveLength(0);
    const redis = new Redis(stack.redis.url);
    expect(await redis.llen(`${stack.queuePrefix}:history:${M.missing.name}`)).toBe(0);
    expect(await redis.keys(`${stack.queuePrefix}:lock:*${M.missing.virtualService}`)).toEqual([]);
    redis.disconnect();
  });

  it('an unparsable command gets the usage and nothing is queued', async () => {
    const ack = await shift(M.happy, 'shift 250%');
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('250% is not a percentage between 0 and 100. Usage: /mesh shift') });
  });

  it('rollback restores the previous weights, by an approver, without a second approval', async () => {
    await shift(M.rollback, 'shift 50%');
    const { message, operationId } = await requestMessage(stack.slack, M.rollback.channel);
    await click(M.rollback, operationId, message.ts, 'U0ALICE');
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.rollback.virtualService)).toEqual({ [FROM]: 50, [TO]: 50 }));
    await eventually(() => expect(threadTexts(M.rollback.channel, message.ts).some((t) => t.startsWith('✅ Applied'))).toBe(true));
    await shift(M.rollback, 'rollback', 'U0BOB');
    await privateReply(/<@U0BOB> is not an approver.*Only approvers may roll back/);
    await shift(M.rollback, 'rollback', 'U0CAROL');
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.rollback.virtualService)).toEqual({ [FROM]: 90, [TO]: 10 }));
    await eventually(() => expect(threadTexts(M.rollback.channel, message.ts).some((t) => t.startsWith('↩️ Rolled back by <@U0CAROL>'))).toBe(true));
    await eventually(() => expect(JSON.stringify(stack.slack.message(M.rollback.channel, message.ts)?.blocks)).toContain('rolled back'));
  });

  it('a second request while one is in flight gets "busy"', async () => {
    await shift(M.busy, 'shift 25%');
    await requestMessage(stack.slack, M.busy.channel);
    await shift(M.busy, 'shift 50%', 'U0CAROL');
    await privateReply(/^Busy with shift 25% for migration-10/);
    expect(stack.slack.messages.filter((m) => m.channel === M.busy.channel && m.thread_ts === undefined)).toHaveLength(1);
  });

  it('a Slack retry of the same command is handled once', async () => {
    const first = await shift(M.retry, 'shift 25%', 'U0BOB', { triggerId: 'trigger-retry-1' });
    const retried = await shift(M.retry, 'shift 25%', 'U0BOB', { triggerId: 'trigger-retry-1', retryNum: 1, retryReason: 'http_timeout' });
    expect([first.status, retried.status]).toEqual([200, 200]);
    await requestMessage(stack.slack, M.retry.channel);
    await new Promise((r) => setTimeout(r, 300));
    expect(stack.slack.messages.filter((m) => m.channel === M.retry.channel && m.thread_ts === undefined)).toHaveLength(1);
  });

  it('only listed requesters (or approvers) may request when the migration names requesters', async () => {
    await shift(M.requesters, 'shift 25%', 'U0MALLORY');
    await privateReply(/<@U0MALLORY> may not request changes to this migration/);
    expect(stack.slack.messages.filter((m) => m.channel === M.requesters.channel)).toHaveLength(0);
  });
});

describe('the Slack receiver', () => {
  it('refuses a forged signature and a stale timestamp, changing nothing', async () => {
    const forged = await shift(M.happy, 'shift 10%', 'U0BOB', { signature: 'forged' });
    const stale = await shift(M.happy, 'shift 10%', 'U0BOB', { timestampSkewSeconds: 6 * 60 });
    const missing = await shift(M.happy, 'shift 10%', 'U0BOB', { signature: 'missing' });
    expect([forged.status, stale.status, missing.status]).toEqual([401, 401, 401]);
  });
});
