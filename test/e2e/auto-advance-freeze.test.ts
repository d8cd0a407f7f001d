import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Freeze } from '../../src/domain/policy/change-windows.js';
import { eventually, requestMessage, routeWeights, startStack, testMigration, TO, type Stack } from '../support/meshbot-stack.js';

// Real time throughout (the bake's log watch runs on it): the first freeze begins after the first step is approved and ends after its bake.
let T = 0;
const at = (ms: number) => new Date(T + ms).toISOString();
const freezes: Freeze[] = [];
const M = testMigration(91, { autoAdvance: true, steps: [25, 100], bakeMs: 6_000, freezes });

let stack: Stack;
beforeAll(async () => {
  stack = await startStack([M]);
  // Freezes in place as from a migrations file read at start (the objects are meshbot's own settings).
  T = Date.now();
  freezes.push({ from: at(4_000), to: at(14_000), reason: 'first freeze' });
});
afterAll(async () => {
  await stack?.close();
});

describe('autoAdvance and the change policy', () => {
  it('a run step scheduled for the end of a freeze is not auto-approved when it comes due inside a freeze added since; it waits for an approver', { timeout: 40_000 }, async () => {
    await stack.driver.slashCommand({ text: 'run', userId: 'U0BOB', channelId: M.channel });
    const first = await requestMessage(stack.slack, M.channel, 5000);
    await stack.driver.clickButton({ actionId: 'meshbot_approve', value: first.operationId, userId: 'U0ALICE', channelId: M.channel, messageTs: first.message.ts });
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.virtualService)[TO]).toBe(25), 5000);
    // The bake ends inside the first freeze: the next step waits for its end.
    await stack.slack.waitForMessage((m) => m.thread_ts === first.message.ts && (m.text ?? '').startsWith('⏸️ The next step, shift 100%'), 15_000);
    // A second freeze, as after a restart with a new migrations file, covers the moment the step comes due.
    freezes.push({ from: at(13_000), to: at(3_600_000), reason: 'second freeze' });
    const held = await stack.slack.waitForMessage((m) => (m.text ?? '').startsWith('⏸️ autoAdvance did not approve this step'), 10_000);
    expect(held.text).toContain('second freeze');
    await new Promise((r) => setTimeout(r, 500));
    expect(routeWeights(stack.kube, 'payments', M.virtualService)[TO]).toBe(25);
    const second = await requestMessage(stack.slack, M.channel, 1000);
    expect(second.operationId).not.toBe(first.operationId);
  });
});
