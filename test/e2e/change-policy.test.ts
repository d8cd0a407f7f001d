import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeWindow } from '../../src/domain/policy/change-windows.js';
import { eventually, FROM, hasButtons, patchesOf, requestMessage, routeWeights, startStack, testMigration, TO, type Stack } from '../support/meshbot-stack.js';

/** meshbot's clock, set per test; BullMQ's delays run on real time, so a window opening 3 s from "now" opens 3 s from now. */
let offsetMs = 0;
const setClock = (iso: string) => (offsetMs = Date.parse(iso) - Date.now());
const now = () => new Date(Date.now() + offsetMs);

const BERLIN_DAYTIME: ChangeWindow = { days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], from: '09:00', to: '17:00', timeZone: 'Europe/Berlin' };
const SUMMER_FREEZE = { from: '2026-06-01T00:00:00Z', to: '2026-07-01T00:00:00Z', reason: 'summer freeze' };

const M = {
  twoOfThem: testMigration(61, { approvals: 2, users: ['U0ALICE', 'U0BOB'] }),
  stepRule: testMigration(62, { stepApprovals: { '100': 2 }, steps: [50, 100] }),
  reject: testMigration(63, { approvals: 2 }),
  window: testMigration(64, { changeWindows: [BERLIN_DAYTIME] }),
  freeze: testMigration(65, { freezes: [SUMMER_FREEZE] }),
  lateClick: testMigration(66, { changeWindows: [BERLIN_DAYTIME] }),
  run: testMigration(67, { changeWindows: [BERLIN_DAYTIME], steps: [25, 100] }),
  breakGlass: testMigration(68, { freezes: [SUMMER_FREEZE], incidentChannel: 'C0INCIDENTS' }),
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(Object.values(M), { bot: true, worker: true }, { now });
});
afterAll(async () => {
  await stack?.close();
});

type M = (typeof M)[keyof typeof M];
const command = (m: M, text: string, userId = 'U0BOB') => stack.driver.slashCommand({ text, userId, channelId: m.channel });
const click = (m: M, operationId: string, messageTs: string, userId: string, actionId = 'meshbot_approve') => stack.driver.clickButton({ actionId, value: operationId, userId, channelId: m.channel, messageTs });
const reply = (pattern: RegExp) => stack.slack.waitForResponse((r) => r.kind === 'response' && pattern.test(r.text ?? ''), 5000);
const parentText = (m: M, ts: string) => JSON.stringify(stack.slack.message(m.channel, ts)?.blocks);
const threadTexts = (m: M, ts: string) => stack.slack.thread(m.channel, ts).map((message) => message.text ?? '');
const settle = () => new Promise((r) => setTimeout(r, 300));

describe('N-of-M approvals', () => {
  it('approvals: 2 — the first approval leaves the step pending with its tally; the requester and a repeated click do not count; the second distinct approver applies it once', async () => {
    setClock('2026-05-01T10:00:00Z');
    await command(M.twoOfThem, 'shift 25%', 'U0BOB');
    const { message, operationId } = await requestMessage(stack.slack, M.twoOfThem.channel);
    expect(JSON.stringify(message.blocks)).toContain('0 of 2 approvals');
    await click(M.twoOfThem, operationId, message.ts, 'U0BOB');
    await reply(/needs 2 approvals from other people; the requester never counts/);
    await click(M.twoOfThem, operationId, message.ts, 'U0ALICE');
    await eventually(() => expect(parentText(M.twoOfThem, message.ts)).toContain('1 of 2 approvals: <@U0ALICE>'));
    expect(stack.slack.message(M.twoOfThem.channel, message.ts) && hasButtons(stack.slack.message(M.twoOfThem.channel, message.ts)!)).toBe(true);
    await eventually(() => expect(threadTexts(M.twoOfThem, message.ts)).toContain('👍 Approval by <@U0ALICE>: 1 of 2 approvals: <@U0ALICE>. It applies at the last one.'));
    await click(M.twoOfThem, operationId, message.ts, 'U0ALICE');
    await reply(/You already approved this request; it needs 1 more approval from someone else/);
    await settle();
    expect(patchesOf(stack.kube, M.twoOfThem.virtualService)).toBe(0);

    await Promise.all([click(M.twoOfThem, operationId, message.ts, 'U0CAROL'), click(M.twoOfThem, operationId, message.ts, 'U0CAROL'), click(M.twoOfThem, operationId, message.ts, 'U0ALICE')]);
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.twoOfThem.virtualService)).toEqual({ [FROM]: 75, [TO]: 25 }));
    await eventually(() => expect(parentText(M.twoOfThem, message.ts)).toContain('Approved by <@U0ALICE>, <@U0CAROL>'));
    await settle();
    expect(patchesOf(stack.kube, M.twoOfThem.virtualService)).toBe(1);
    expect(threadTexts(M.twoOfThem, message.ts)).toContain('✅ Approved by <@U0CAROL> (2 of 2 approvals: <@U0ALICE>, <@U0CAROL>). Applying…');
  });

  it('stepApprovals {100: 2} with approvals 1 — 50 % needs one, 100 % needs two', async () => {
    await command(M.stepRule, 'plan');
    expect((await reply(/Plan for migration-62/)).text).toMatch(/100% to cr-gcpbackend.com — waits for 2 approvers/);
    await command(M.stepRule, 'shift 50%');
    const half = await requestMessage(stack.slack, M.stepRule.channel);
    await click(M.stepRule, half.operationId, half.message.ts, 'U0ALICE');
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.stepRule.virtualService)).toEqual({ [FROM]: 50, [TO]: 50 }));
    await eventually(() => expect(hasButtons(stack.slack.message(M.stepRule.channel, half.message.ts)!)).toBe(false));

    await command(M.stepRule, 'shift 100%');
    const full = await requestMessage(stack.slack, M.stepRule.channel);
    expect(full.operationId).not.toBe(half.operationId);
    await click(M.stepRule, full.operationId, full.message.ts, 'U0ALICE');
    await eventually(() => expect(parentText(M.stepRule, full.message.ts)).toContain('1 of 2 approvals: <@U0ALICE>'));
    expect(routeWeights(stack.kube, 'payments', M.stepRule.virtualService)[TO]).toBe(50);
    await click(M.stepRule, full.operationId, full.message.ts, 'U0CAROL');
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.stepRule.virtualService)).toEqual({ [FROM]: 0, [TO]: 100 }));
    expect(patchesOf(stack.kube, M.stepRule.virtualService)).toBe(2);
  });

  it('one Reject by an approver rejects, whatever the tally', async () => {
    await command(M.reject, 'shift 25%');
    const { message, operationId } = await requestMessage(stack.slack, M.reject.channel);
    await click(M.reject, operationId, message.ts, 'U0ALICE');
    await eventually(() => expect(parentText(M.reject, message.ts)).toContain('1 of 2 approvals'));
    await click(M.reject, operationId, message.ts, 'U0CAROL', 'meshbot_reject');
    await eventually(() => expect(parentText(M.reject, message.ts)).toContain('Rejected by <@U0CAROL>'));
    await click(M.reject, operationId, message.ts, 'U0CAROL');
    await reply(/already rejected/);
    expect(patchesOf(stack.kube, M.reject.virtualService)).toBe(0);
  });
});

describe('change windows and freezes', () => {
  it('a request outside the window is refused with the next opening; plan and status show the policy', async () => {
    setClock('2026-06-10T18:00:00Z');
    await command(M.window, 'shift 25%');
    await reply(/^Not now: shift 25% for migration-64 is outside the change windows \(Mon–Sun 09:00–17:00 Europe\/Berlin\); the next window opens Thu 09:00 Europe\/Berlin\. Nothing was changed\. Rollback is always allowed\./);
    await command(M.window, 'status');
    expect((await reply(/\*migration-64\*/)).text).toContain('Change windows: 🔒 closed — outside the change windows');
    await command(M.window, 'plan');
    expect((await reply(/Plan for migration-64/)).text).toContain('Approvals: 1 distinct approver per step');
    await settle();
    expect(stack.slack.messages.filter((m) => m.channel === M.window.channel)).toHaveLength(0);
  });

  it('inside a freeze: a step (and export) is refused with the reason, a rollback is allowed', async () => {
    setClock('2026-05-31T12:00:00Z');
    await command(M.freeze, 'shift 25%');
    const { message, operationId } = await requestMessage(stack.slack, M.freeze.channel);
    await click(M.freeze, operationId, message.ts, 'U0ALICE');
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.freeze.virtualService)).toEqual({ [FROM]: 75, [TO]: 25 }));
    await eventually(() => expect(threadTexts(M.freeze, message.ts).some((t) => t.startsWith('✅ Applied'))).toBe(true));

    setClock('2026-06-15T12:00:00Z');
    await command(M.freeze, 'shift 50%');
    await reply(/^Not now: shift 50% for migration-65 is inside the freeze "summer freeze" \(until 2026-07-01T00:00:00Z\); the next window opens Wed 1 Jul 2026 00:00 UTC/);
    await command(M.freeze, 'export checkout --dns-suffix mesh.example.internal');
    await reply(/^Not now: \/mesh export is inside the freeze "summer freeze"/);
    await command(M.freeze, 'rollback', 'U0ALICE');
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.freeze.virtualService)).toEqual({ [FROM]: 90, [TO]: 10 }));
  });

  it('an approval click that would apply after the window closed is refused the same way and not counted', async () => {
    setClock('2026-06-10T14:50:00Z');
    await command(M.lateClick, 'shift 25%');
    const { message, operationId } = await requestMessage(stack.slack, M.lateClick.channel);
    setClock('2026-06-10T15:05:00Z');
    await click(M.lateClick, operationId, message.ts, 'U0ALICE');
    await reply(/^Not now: applying shift 25% for migration-66 is outside the change windows .*the next window opens Thu 09:00 Europe\/Berlin\. Your approval was not counted\./);
    await settle();
    expect(patchesOf(stack.kube, M.lateClick.virtualService)).toBe(0);
    expect(hasButtons(stack.slack.message(M.lateClick.channel, message.ts)!)).toBe(true);
  });

  it('a run outside the window waits for it (a delayed job, shown in the plan) and goes on by itself', async () => {
    setClock('2026-06-10T06:59:56Z');
    await command(M.run, 'run');
    await reply(/^Run started: 25% → 100%\. First: shift 25% for migration-67\. It waits for the change window: posted for approval Wed 09:00 Europe\/Berlin\./);
    await command(M.run, 'plan');
    expect((await reply(/Plan for migration-67/)).text).toContain('⏸️ next step Wed 09:00 Europe/Berlin (shift 25% for migration-67, waiting for the change window)');
    expect(stack.slack.messages.filter((m) => m.channel === M.run.channel && m.kind === 'message')).toHaveLength(0);
    const { message, operationId } = await requestMessage(stack.slack, M.run.channel, 10_000);
    expect(now().toISOString() >= '2026-06-10T07:00:00.000Z').toBe(true);
    await click(M.run, operationId, message.ts, 'U0ALICE');
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.run.virtualService)).toEqual({ [FROM]: 75, [TO]: 25 }));
  });
});

describe('break-glass', () => {
  it('--override in a freeze needs one more approval and is posted, with every approval, in the incident channel', async () => {
    setClock('2026-06-15T12:00:00Z');
    await command(M.breakGlass, 'shift 25% --override "checkout down, INC-42"');
    await reply(/^Requested: shift 25% for migration-68 \(break-glass, posted to the incident channel\); it needs 2 approvals/);
    const { message, operationId } = await requestMessage(stack.slack, M.breakGlass.channel);
    expect(JSON.stringify(message.blocks)).toContain('Break-glass* (--override): checkout down, INC-42');
    const incident = () => stack.slack.messages.filter((m) => m.channel === 'C0INCIDENTS' && (m.text ?? '').includes(operationId)).map((m) => m.text ?? '');
    await eventually(() => expect(incident()[0]).toMatch(/^🚨 Break-glass: <@U0BOB> requests a step outside the change policy; it needs 2 approvals — shift 25% for migration-68 in <#C0MIG68> .*Reason: checkout down, INC-42/));
    await click(M.breakGlass, operationId, message.ts, 'U0ALICE');
    await eventually(() => expect(incident()).toContainEqual(expect.stringContaining('approval by <@U0ALICE>, 1 of 2 approvals: <@U0ALICE>')));
    expect(patchesOf(stack.kube, M.breakGlass.virtualService)).toBe(0);
    await click(M.breakGlass, operationId, message.ts, 'U0CAROL');
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.breakGlass.virtualService)).toEqual({ [FROM]: 75, [TO]: 25 }));
    await eventually(() => expect(incident()).toContainEqual(expect.stringContaining('approval by <@U0CAROL>, 2 of 2 approvals: <@U0ALICE>, <@U0CAROL>; applying')));
    expect(patchesOf(stack.kube, M.breakGlass.virtualService)).toBe(1);
  });

  it('--override is refused on the commands that never need it', async () => {
    const ack = await command(M.breakGlass, 'rollback --override "x"', 'U0ALICE');
    expect(ack.body).toMatchObject({ text: expect.stringContaining('--override is for shift, mirror, finalize only: rollback and the read-only commands are always allowed') });
  });
});
