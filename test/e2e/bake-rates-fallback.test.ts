import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { istioProxyAccessLog } from '../harness/log-samples.js';
import { eventually, FROM, requestMessage, routeWeights, startStack, testMigration, TO, type Stack } from '../support/meshbot-stack.js';

/** Cloud Monitoring down: the bake says so and is judged on logs alone, where the count rule (20 by default) rolls back. */
const M = testMigration(41, {
  bakeMs: 20_000,
  rollbackOn: { errorRate: 0.02, classes: ['td-permission-denied'] },
  analysis: { metrics: 'auto', metricsDelayMs: 400, windowMs: 1000 },
});

let stack: Stack;
beforeAll(async () => {
  stack = await startStack([M], undefined, { monitoring: { samplePeriodMs: 1000, minAlignmentSeconds: 1 } });
  stack.monitoring?.failAllCalls(status.UNAVAILABLE);
});
afterAll(async () => {
  await stack?.close();
});

describe('a bake when Cloud Monitoring does not answer', () => {
  it('posts that it is judged on logs alone and why, and a log error burst still rolls back', async () => {
    await stack.driver.slashCommand({ text: 'shift 25%', userId: 'U0BOB', channelId: M.channel });
    const { message, operationId } = await requestMessage(stack.slack, M.channel);
    expect(JSON.stringify(message.blocks)).toMatch(/Cloud Monitoring rates.*UNAVAILABLE/);
    await stack.driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: M.channel, messageTs: message.ts });
    const notice = await stack.slack.waitForMessage((m) => m.thread_ts === message.ts && /judged on Envoy logs alone/.test(m.text ?? ''), 10_000);
    expect(notice.text).toMatch(/UNAVAILABLE.*rollback at 20 counted errors/s);
    const error = () => istioProxyAccessLog({ upstreamCluster: `outbound|443||${TO}`, authority: TO, responseFlags: 'UF', now: new Date() });
    stack.logs.append(Array.from({ length: 19 }, error));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(routeWeights(stack.kube, 'payments', M.virtualService)[TO]).toBe(25);
    stack.logs.append(error());
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.virtualService)).toEqual({ [FROM]: 90, [TO]: 10 }), 5000);
    const report = await stack.slack.waitForMessage((m) => m.thread_ts === message.ts && /meshbot rolled back/.test(m.text ?? ''), 5000);
    expect(JSON.stringify(report.blocks)).toContain('Judged on logs alone');
  });
});
