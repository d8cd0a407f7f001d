import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, FROM, requestMessage, routeWeights, startStack, testMigration, TO, type Stack } from '../support/meshbot-stack.js';

const DRIFT_CHECK_MS = 1000;
const M = testMigration(81, { driftCheckMs: DRIFT_CHECK_MS });

let stack: Stack;
beforeAll(async () => {
  stack = await startStack([M]);
});
afterAll(async () => {
  await stack?.close();
});

const command = (text: string, userId = 'U0BOB') => stack.driver.slashCommand({ text, userId, channelId: M.channel });
const driftNotices = () => stack.slack.messages.filter((m) => m.channel === M.channel && (m.text ?? '').includes(`*${M.name} drifted*`));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function handEdit(fromWeight: number, toWeight: number): number {
  stack.kube.edit({ resource: 'virtualservices', namespace: 'payments', name: M.virtualService }, (vs) => {
    const route = (vs.spec as { http: { route: { destination: { host: string }; weight: number }[] }[] }).http[0]?.route ?? [];
    for (const destination of route) destination.weight = destination.destination.host === FROM ? fromWeight : toWeight;
  });
  return Date.now();
}

describe('drift outside bakes', () => {
  it("meshbot's own step and rollback never alarm; a hand edit gets exactly one notice within driftCheck, naming the field manager; a new state gets its own", { timeout: 30_000 }, async () => {
    await command('shift 25%');
    const { message, operationId } = await requestMessage(stack.slack, M.channel);
    await stack.driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: M.channel, messageTs: message.ts });
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.virtualService)).toEqual({ [FROM]: 75, [TO]: 25 }));
    await pause(3 * DRIFT_CHECK_MS);
    await command('rollback', 'U0ALICE');
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.virtualService)).toEqual({ [FROM]: 90, [TO]: 10 }));
    await pause(3 * DRIFT_CHECK_MS);
    expect(driftNotices()).toEqual([]);

    const editedAt = handEdit(60, 40);
    const notice = await stack.slack.waitForMessage((m) => m.channel === M.channel && (m.text ?? '').includes(`*${M.name} drifted*`), 2 * DRIFT_CHECK_MS);
    expect(notice.postedAt - editedAt).toBeLessThan(DRIFT_CHECK_MS + 500);
    expect(notice.text).toMatch(/weights changed at \d\d:\d\d:\d\d UTC by `kubectl-edit`: now 60\/40; the last step meshbot applied \(rollback of migration-81, op-[\w-]+\) left 90\/10/);
    await pause(3 * DRIFT_CHECK_MS);
    expect(driftNotices()).toHaveLength(1);

    await command('status');
    const status = await stack.slack.waitForResponse((r) => (r.text ?? '').includes(`*${M.name}*`), 5000);
    expect(status.text).toMatch(/⚠️ Drifted since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(by `kubectl-edit`\): now 60\/40, the last step left 90\/10/);

    handEdit(50, 50);
    await eventually(() => expect(driftNotices()).toHaveLength(2), 2 * DRIFT_CHECK_MS);
    expect(driftNotices()[1]?.text).toContain('now 50/50');

    handEdit(90, 10);
    await pause(2 * DRIFT_CHECK_MS);
    await command('status');
    const back = await stack.slack.waitForResponse((r) => r !== status && (r.text ?? '').includes(`*${M.name}*`) && !(r.text ?? '').includes('now 60/40'), 5000);
    expect(back.text).not.toContain('Drifted');
    expect(driftNotices()).toHaveLength(2);
  });
});
