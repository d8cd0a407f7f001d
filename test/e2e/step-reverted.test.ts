import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationSettings } from '../../src/app/deps.js';
import type { RecordedMessage } from '../harness/slack-api-server.js';
import { eventually, FROM, requestMessage, routeWeights, startStack, testMigration, TO, type Stack } from '../support/meshbot-stack.js';

const M = {
  run: testMigration(71, { bakeMs: 30_000, autoAdvance: true, steps: [25, 50, 100] }),
  unrelated: testMigration(72, { bakeMs: 2500 }),
  dropped: testMigration(73, { bakeMs: 30_000 }),
  expired: testMigration(74, { bakeMs: 30_000 }),
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(Object.values(M));
});
afterAll(async () => {
  await stack?.close();
});

const command = (m: MigrationSettings, text: string) => stack.driver.slashCommand({ text, userId: 'U0BOB', channelId: m.channel });
const ref = (m: MigrationSettings) => ({ resource: 'virtualservices', namespace: 'payments', name: m.virtualService });
const texts = (channel: string, ts?: string) => (ts ? stack.slack.thread(channel, ts) : stack.slack.messages.filter((m) => m.channel === channel)).map((m) => m.text ?? '');

/** A read of the one VirtualService that is not a watch (after a drop or a 410). */
const isReread = (m: MigrationSettings) => (c: { method: string; query: Record<string, string> }) => c.method === 'GET' && c.query.watch === undefined && c.query.fieldSelector === `metadata.name=${m.virtualService}`;

/** Another field manager puts other weights on the route meshbot shifted. */
function revertWeights(m: MigrationSettings, manager: string, fromWeight = 90, toWeight = 10): number {
  stack.kube.edit(ref(m), (vs) => {
    const route = (vs.spec as { http: { route: { destination: { host: string }; weight: number }[] }[] }).http[0]?.route ?? [];
    for (const destination of route) destination.weight = destination.destination.host === FROM ? fromWeight : toWeight;
  }, { fieldManager: manager });
  return Date.now();
}

/** Requests a shift, approves it and waits until its bake is under way; returns the request message. */
async function shiftAndBake(m: MigrationSettings, percent: number, viaRun = false): Promise<RecordedMessage> {
  if (!viaRun) await command(m, `shift ${percent}%`);
  const { message, operationId } = await requestMessage(stack.slack, m.channel, 8000);
  await stack.driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: m.channel, messageTs: message.ts });
  await eventually(() => expect(routeWeights(stack.kube, 'payments', m.virtualService)[TO]).toBe(percent), 5000);
  await stack.slack.waitForMessage((t) => t.thread_ts === message.ts && (t.text ?? '').includes('Watching Envoy sidecar errors'), 5000);
  return message;
}

async function revertNotice(m: MigrationSettings, message: RecordedMessage): Promise<RecordedMessage> {
  return stack.slack.waitForMessage((t) => t.thread_ts === message.ts && (t.text ?? '').includes('was undone outside meshbot'), 5000);
}

describe('a step the cluster undid is never judged', () => {
  it('a revert by another field manager 2 s into a bake: stopped within 2 s, both weight sets and the manager named in the thread and the incident channel, outcome reverted, no healthy, no next step', { timeout: 30_000 }, async () => {
    await command(M.run, 'run');
    const message = await shiftAndBake(M.run, 25, true);
    await new Promise((r) => setTimeout(r, 2000));
    const revertedAt = revertWeights(M.run, 'argocd-controller');
    const notice = await revertNotice(M.run, message);
    expect(notice.postedAt - revertedAt).toBeLessThan(2000);
    expect(notice.text).toMatch(/weights changed at \d\d:\d\d:\d\d UTC by `argocd-controller`: now 90\/10, the step applied 75\/25/);
    expect(notice.text).toContain('outcome: *reverted*');
    const incident = await stack.slack.waitForMessage((t) => t.channel === 'C0INCIDENTS' && (t.text ?? '').includes(`${M.run.name} was undone outside meshbot`) , 5000);
    expect(incident.text).toContain('by `argocd-controller`: now 90/10, the step applied 75/25');
    await stack.slack.waitForMessage((t) => t.thread_ts === message.ts && (t.text ?? '').startsWith(`⏹️ The run of ${M.run.name} stopped`), 5000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(texts(M.run.channel, message.ts).some((t) => t.includes('Healthy'))).toBe(false);
    expect(stack.slack.messages.filter((t) => t.channel === M.run.channel && t.thread_ts === undefined)).toHaveLength(1);
    expect(routeWeights(stack.kube, 'payments', M.run.virtualService)).toEqual({ [FROM]: 90, [TO]: 10 });
    await command(M.run, 'status');
    const status = await stack.slack.waitForResponse((r) => (r.text ?? '').includes(`*${M.run.name}*`), 5000);
    expect(status.text).toMatch(/shift 25% for migration-71 — applied.*\*reverted\* at \d\d:\d\d:\d\d UTC by `argocd-controller` \(now 90\/10; not judged\)/);
  });

  it('a change to another field of the VirtualService leaves the bake alone', { timeout: 20_000 }, async () => {
    const message = await shiftAndBake(M.unrelated, 25);
    stack.kube.edit(ref(M.unrelated), (vs) => {
      (vs.spec as { http: { timeout?: string }[] }).http[0]!.timeout = '20s';
    }, { fieldManager: 'kubectl-edit' });
    await stack.slack.waitForMessage((t) => t.thread_ts === message.ts && (t.text ?? '').startsWith('💚 Healthy'), 10_000);
    expect(texts(M.unrelated.channel, message.ts).some((t) => t.includes('undone outside meshbot'))).toBe(false);
  });

  it('a dropped watch: meshbot reads the VirtualService again and still catches a revert made while it was down', { timeout: 20_000 }, async () => {
    const message = await shiftAndBake(M.dropped, 25);
    await eventually(() => expect(stack.kube.openWatches).toBeGreaterThan(0), 5000);
    const callsBefore = stack.kube.calls.length;
    expect(stack.kube.dropWatches()).toBeGreaterThan(0);
    revertWeights(M.dropped, 'kubectl-edit', 80, 20);
    const notice = await revertNotice(M.dropped, message);
    expect(notice.text).toContain('by `kubectl-edit`: now 80/20, the step applied 75/25');
    expect(stack.kube.calls.slice(callsBefore).filter(isReread(M.dropped)).length).toBeGreaterThan(0);
  });

  it('a watch answered 410 Gone (its resourceVersion compacted away): meshbot re-reads, watches again, and the revert is caught', { timeout: 20_000 }, async () => {
    // Holds the bake's first watch request until the history it would start from is gone.
    const held = stack.kube.injectFault({ method: 'GET', pathIncludes: `watch=true&fieldSelector=metadata.name%3D${M.expired.virtualService}`, delayMs: 1500, passThrough: true });
    const message = await shiftAndBake(M.expired, 25);
    await eventually(() => expect(held.hits).toBe(1), 5000);
    revertWeights(M.expired, 'argocd-controller');
    stack.kube.compactHistory();
    const notice = await revertNotice(M.expired, message);
    expect(notice.text).toContain('by `argocd-controller`: now 90/10, the step applied 75/25');
    const calls = stack.kube.calls;
    const firstWatch = calls.findIndex((c) => c.query.watch === 'true' && c.query.fieldSelector === `metadata.name=${M.expired.virtualService}`);
    expect(calls[firstWatch]?.query.resourceVersion).toBeDefined();
    // After the 410: a read of the object, then a watch from what it read.
    expect(calls.findIndex((c, i) => i > firstWatch && isReread(M.expired)(c))).toBeGreaterThan(firstWatch);
  });
});
