import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { istioProxyAccessLog } from '../harness/log-samples.js';
import { eventually, FROM, requestMessage, routeWeights, startStack, testMigration, TO, type Stack } from '../support/meshbot-stack.js';

const M = {
  walk: testMigration(41, { bakeMs: 300 }),
  breach: testMigration(42, { bakeMs: 1500, rollbackOn: { errors: 3, errorRate: 0.9, classes: [] } }),
  auto: testMigration(43, { bakeMs: 200, autoAdvance: true, steps: [50, 100] }),
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(Object.values(M));
  for (const m of Object.values(M)) {
    stack.kube.put({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: m.virtualService, namespace: 'payments' }, spec: { hosts: [FROM], http: [{ name: 'primary', route: [{ destination: { host: FROM } }], mirror: { host: TO }, mirrorPercentage: { value: 10 } }] } });
  }
  stack.kube.put({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'cr-service-entry', namespace: 'payments' }, spec: { hosts: [FROM], location: 'MESH_EXTERNAL', ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }], resolution: 'DNS' } });
});
afterAll(async () => {
  await stack?.close();
});

const command = (m: typeof M.walk, text: string, userId = 'U0BOB') => stack.driver.slashCommand({ text, userId, channelId: m.channel });
const reply = (pattern: RegExp) => stack.slack.waitForResponse((r) => r.kind === 'response' && pattern.test(r.text ?? ''), 5000);

async function approveNext(m: typeof M.walk, percent: number) {
  const { message, operationId } = await requestMessage(stack.slack, m.channel, 8000);
  expect(JSON.stringify(message.blocks)).toContain(`shift ${percent}%`);
  await stack.driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: m.channel, messageTs: message.ts });
  await eventually(() => expect(routeWeights(stack.kube, 'payments', m.virtualService)[TO]).toBe(percent), 5000);
  return message;
}

describe('plan, run and finalize', () => {
  it('plan shows the steps and where the migration stands', async () => {
    await command(M.walk, 'plan');
    const plan = await reply(/Plan for migration-41/);
    expect(plan.text).toContain('now 0% to cr-gcpbackend.com');
    expect(plan.text).toMatch(/▶️ 10% to cr-gcpbackend.com — waits for an approver, then a <1m bake/);
  });

  it('finalize refuses before 100%', async () => {
    await command(M.walk, 'finalize');
    await reply(/Not yet: migration-41 sends 0% to cr-gcpbackend.com/);
  });

  it('run walks 10 → 25 → 50 → 100 with approvals and bakes, then finalize leaves only the GCPBackend host', async () => {
    await command(M.walk, 'run');
    await reply(/Run started: 10% → 25% → 50% → 100%/);
    for (const percent of [10, 25, 50, 100]) await approveNext(M.walk, percent);
    await stack.slack.waitForMessage((m) => m.kind === 'message' && (m.text ?? '').startsWith('🏁 The run of migration-41 reached 100%'), 5000);
    await command(M.walk, 'finalize');
    const { message, operationId } = await requestMessage(stack.slack, M.walk.channel);
    await stack.driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: M.walk.channel, messageTs: message.ts });
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.walk.virtualService)).toEqual({ [TO]: 100 }));
    const vs = stack.kube.getObject('virtualservices', 'payments', M.walk.virtualService) as { spec: { http: Record<string, unknown>[] } };
    expect(vs.spec.http[0]?.mirror).toBeUndefined();
    const note = await stack.slack.waitForMessage((m) => m.kind === 'message' && m.thread_ts === message.ts && (m.text ?? '').includes('kubectl delete serviceentry'), 5000);
    expect(note.text).toContain('kubectl delete serviceentry cr-service-entry -n payments');
  });

  it('a breach at 50% stops the run and rolls back to 25%', async () => {
    await command(M.breach, 'run');
    await approveNext(M.breach, 10);
    await approveNext(M.breach, 25);
    const at50 = await approveNext(M.breach, 50);
    await eventually(() => expect(stack.logs.tailCount).toBeGreaterThan(0));
    stack.logs.append(Array.from({ length: 4 }, () => istioProxyAccessLog({ upstreamCluster: `outbound|443||${TO}`, responseFlags: 'UF', now: new Date() })));
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.breach.virtualService)).toEqual({ [FROM]: 75, [TO]: 25 }), 5000);
    await stack.slack.waitForMessage((m) => m.kind === 'message' && m.thread_ts === at50.ts && (m.text ?? '').startsWith('⏹️ The run of migration-42 stopped'), 5000);
    await new Promise((r) => setTimeout(r, 500));
    expect(stack.slack.messages.filter((m) => m.channel === M.breach.channel && m.thread_ts === undefined && (m.blocks ?? []).some((b) => b.type === 'actions'))).toHaveLength(0);
  });

  it('with autoAdvance, a healthy bake applies the next step by itself', async () => {
    await command(M.auto, 'run');
    await approveNext(M.auto, 50);
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.auto.virtualService)[TO]).toBe(100), 8000);
    await stack.slack.waitForMessage((m) => m.kind === 'message' && (m.text ?? '').includes("autoAdvance policy"), 5000);
  });
});
