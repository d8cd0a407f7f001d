import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { istioProxyAccessLog, tdPermissionDenied, xdsClosed13 } from '../harness/log-samples.js';
import { eventually, requestMessage, routeWeights, startStack, testMigration, TO, type Stack } from '../support/meshbot-stack.js';

const M = {
  denied: testMigration(31, { incidentChannel: 'C0INCIDENTS' }),
  // Cloud Run sidecar lines name no upstream host: a migration scopes them to its clients with logFilter.
  routine: testMigration(32, { incidentChannel: 'C0ROUTINE', logFilter: 'resource.labels.service_name="routine-client"' }),
  report: testMigration(33),
  next: testMigration(34, { bakeMs: 300 }),
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(Object.values(M), { bot: true, worker: true }, { sentinelEveryMs: 300 });
});
afterAll(async () => {
  await stack?.close();
});

const incidentMessages = (channel: string) => stack.slack.messages.filter((m) => m.channel === channel);

describe('the sentinel, outside bakes', () => {
  it('reports a burst of permission denials once, aggregated, with the remedy', async () => {
    stack.logs.append(Array.from({ length: 12 }, () => tdPermissionDenied({ meshProjectNumber: '901234567890', now: new Date() })));
    const notice = await stack.slack.waitForMessage((m) => m.kind === 'message' && m.channel === 'C0INCIDENTS' && (m.text ?? '').includes('migration-31'), 5000);
    expect(notice.text).toContain('12 × `td-permission-denied`');
    expect(notice.text).toContain('roles/trafficdirector.client');
    // The grant names the project of the denied resource, as in a rollback report.
    expect(notice.text).toContain('gcloud projects add-iam-policy-binding 901234567890');
    stack.logs.append(Array.from({ length: 3 }, () => tdPermissionDenied({ now: new Date() })));
    await new Promise((r) => setTimeout(r, 1500));
    expect(incidentMessages('C0INCIDENTS').filter((m) => (m.text ?? '').includes('migration-31'))).toHaveLength(1);
  });

  it('stays quiet for routine `closed: 13` reconnects (and would have spoken for a denial)', async () => {
    stack.logs.append(Array.from({ length: 5 }, () => xdsClosed13({ service: 'routine-client', now: new Date() })));
    await new Promise((r) => setTimeout(r, 1500));
    expect(incidentMessages('C0ROUTINE')).toHaveLength(0);
    stack.logs.append(tdPermissionDenied({ service: 'routine-client', now: new Date() }));
    await stack.slack.waitForMessage((m) => m.kind === 'message' && m.channel === 'C0ROUTINE' && (m.text ?? '').includes('1 × `td-permission-denied`'), 5000);
  });
});

describe('/mesh errors', () => {
  it('summarises the errors by class with remedies', async () => {
    stack.logs.append([istioProxyAccessLog({ upstreamCluster: `outbound|443||${TO}`, responseFlags: 'UH', now: new Date() }), istioProxyAccessLog({ upstreamCluster: `outbound|443||${TO}`, responseFlags: 'NR', now: new Date() })]);
    stack.logs.append(tdPermissionDenied({ meshProjectNumber: '734009210042', now: new Date() }));
    await stack.driver.slashCommand({ text: 'errors --since 1h', userId: 'U0BOB', channelId: M.report.channel });
    const reply = await stack.slack.waitForResponse((r) => r.kind === 'response' && (r.text ?? '').includes('Envoy sidecar errors in the last 1h'), 5000);
    expect(reply.text).toMatch(/1 × no-healthy-upstream/);
    expect(reply.text).toMatch(/1 × no-route/);
    expect(reply.text).toContain('Logs Explorer');
    // As in a rollback report: the zero-tolerance class first, its grant naming the project of the denied resource.
    const text = reply.text ?? '';
    expect(text.indexOf('td-permission-denied')).toBeLessThan(text.indexOf('no-healthy-upstream'));
    expect(text).toContain('gcloud projects add-iam-policy-binding 734009210042');
  });
});

describe('the next-step button', () => {
  it('requests the next step of the plan after a healthy bake', async () => {
    await stack.driver.slashCommand({ text: 'shift 25%', userId: 'U0BOB', channelId: M.next.channel });
    const first = await requestMessage(stack.slack, M.next.channel);
    await stack.driver.clickButton({ actionId: 'meshbot_approve', value: first.operationId, userId: 'U0ALICE', channelId: M.next.channel, messageTs: first.message.ts });
    const healthy = await stack.slack.waitForMessage((m) => m.kind === 'message' && m.thread_ts === first.message.ts && (m.text ?? '').startsWith('💚 Healthy'), 5000);
    const button = (healthy.blocks ?? []).flatMap((b) => (b as { elements?: { action_id: string; value: string }[] }).elements ?? []).find((e) => e.action_id === 'meshbot_next_step');
    expect(button?.value).toBe('migration-34:50');
    await stack.driver.clickButton({ actionId: 'meshbot_next_step', value: button!.value, userId: 'U0BOB', channelId: M.next.channel, messageTs: healthy.ts });
    const second = await stack.slack.waitForMessage((m) => m.kind === 'message' && m.channel === M.next.channel && m.thread_ts === undefined && m.ts !== first.message.ts, 5000);
    expect(JSON.stringify(second.blocks)).toContain('shift 50%');
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.next.virtualService)[TO]).toBe(25));
  });
});
