/**
 * Cloud Logging answering every ListLogEntries call with 429 RESOURCE_EXHAUSTED: a bake's
 * backfill waits and retries, `/mesh errors` says it is throttled, and nothing is called clean
 * because of it; once the storm passes, what was logged before comes in and is judged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { istioProxyAccessLog } from '../harness/log-samples.js';
import { eventually, FROM, requestMessage, routeWeights, startStack, testMigration, TO, type Stack } from '../support/meshbot-stack.js';
import { withRedis } from '../support/with-redis.js';
import { OperationStore } from '../../src/store/operation-store.js';
import { LogWatchStore } from '../../src/store/log-watch-store.js';
import { bakeSubjectId } from '../../src/domain/watch/watch-subject.js';

// No incident channel: no sentinel opens a session before the bake, so the bake's own session (and its backfill) is the first.
const M = testMigration(71, { bakeMs: 2000, incidentChannel: undefined, rollbackOn: { errors: 2, errorRate: 1, classes: [] } });
const NEVER_READ = testMigration(72, { bakeMs: 1000, incidentChannel: undefined });
const failed = (at: Date) => istioProxyAccessLog({ upstreamCluster: `outbound|443||${TO}`, authority: TO, responseFlags: 'UF', now: at });

let stack: Stack;
beforeAll(async () => {
  stack = await startStack([M, NEVER_READ]);
});
afterAll(async () => {
  await stack?.close();
});

describe('a 429 storm on ListLogEntries', () => {
  it('the backfill waits and retries, /mesh errors says throttled, the bake is not called healthy, and the errors logged meanwhile roll it back after', { timeout: 60_000 }, async () => {
    stack.logs.exhaustListQuota(100_000);
    // The tail holds back what it would send: only a backfill (ListLogEntries) can see the bake's entries.
    stack.logs.stallTails();
    await stack.driver.slashCommand({ text: 'shift 25%', userId: 'U0BOB', channelId: M.channel });
    const { message, operationId } = await requestMessage(stack.slack, M.channel);
    await stack.driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: M.channel, messageTs: message.ts });
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.virtualService)[TO]).toBe(25), 10_000);
    await eventually(async () => expect(await bakeStatus(operationId)).toBe('running'), 10_000);
    stack.logs.append([failed(new Date()), failed(new Date())]);
    const refusedBefore = stack.logs.listCalls.length;
    await stack.driver.slashCommand({ text: 'errors --since 1h', userId: 'U0BOB', channelId: M.channel });
    const reply = await stack.slack.waitForResponse((r) => r.kind === 'response' && /errors not read/.test(r.text ?? ''), 10_000);
    expect(reply.text).toMatch(/429 RESOURCE_EXHAUSTED|read quota/);
    expect(reply.text).toContain('no all-clear');
    expect(reply.text).not.toMatch(/no Envoy sidecar errors/);

    // Well past the 2 s bake: still baking, nothing posted as healthy, the backfill still asking (and backing off).
    await new Promise((r) => setTimeout(r, 6000));
    expect(stack.slack.thread(M.channel, message.ts).map((m) => m.text ?? '').join('\n')).not.toMatch(/Healthy/);
    expect(routeWeights(stack.kube, 'payments', M.virtualService)[TO]).toBe(25);
    const retries = stack.logs.listCalls.length - refusedBefore;
    expect(retries, 'the backfill kept retrying').toBeGreaterThan(0);
    expect(retries, 'and backed off instead of hammering the quota').toBeLessThan(20);
    expect(await readyMarked(operationId)).toBe(false);

    // The storm passes: the backfill reads the two failures and the step is rolled back.
    stack.logs.stopFailingListCalls();
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.virtualService)).toEqual({ [FROM]: 90, [TO]: 10 }), 40_000);
    const report = await stack.slack.waitForMessage((m) => m.thread_ts === message.ts && (m.text ?? '').startsWith('🚨 meshbot rolled back'), 5000);
    expect(report.text).toContain('2 counted errors reached the threshold of 2');
    stack.logs.resumeTails();
  });
});

describe('a bake whose logs the watch never reads', () => {
  it('ends unread a minute past its last possible end: not healthy, not advanced, and the thread says why', { timeout: 120_000 }, async () => {
    stack.logs.exhaustListQuota(100_000);
    stack.logs.stallTails();
    await stack.driver.slashCommand({ text: 'shift 25%', userId: 'U0BOB', channelId: NEVER_READ.channel });
    const { message, operationId } = await requestMessage(stack.slack, NEVER_READ.channel);
    await stack.driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: NEVER_READ.channel, messageTs: message.ts });
    // bake 1 s, analysis.maxBake 3 s by default, then a minute for the watch to catch up.
    const notice = await stack.slack.waitForMessage((m) => m.thread_ts === message.ts && (m.text ?? '').startsWith('⚠️ Not called healthy'), 90_000);
    expect(notice.text).toMatch(/never confirmed it had read this bake's Envoy sidecar logs/);
    expect(stack.slack.thread(NEVER_READ.channel, message.ts).map((m) => m.text ?? '').join('\n')).not.toMatch(/Healthy/);
    expect(await bakeStatus(operationId)).toBe('inconclusive');
    expect(routeWeights(stack.kube, 'payments', NEVER_READ.virtualService)[TO]).toBe(25);
    stack.logs.stopFailingListCalls();
    stack.logs.resumeTails();
  });
});

async function bakeStatus(operationId: string): Promise<string | undefined> {
  return withRedis(stack.redis.url, async (redis) => (await new OperationStore(redis, stack.queuePrefix).get(operationId))?.bake?.status);
}

async function readyMarked(operationId: string): Promise<boolean> {
  return withRedis(stack.redis.url, async (redis) => (await new LogWatchStore(redis, stack.queuePrefix, stack.logs.projectId).readyIds()).has(bakeSubjectId(operationId)));
}
