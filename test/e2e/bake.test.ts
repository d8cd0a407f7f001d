import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { istioProxyAccessLog, tdPermissionDenied, xdsClosed13 } from '../harness/log-samples.js';
import { eventually, FROM, requestMessage, routeWeights, startStack, testMigration, TO, waitUntilWatched, type Stack } from '../support/meshbot-stack.js';

const M = {
  burst: testMigration(21, { bakeMs: 20_000, rollbackOn: { errors: 5, errorRate: 0.5, classes: ['td-permission-denied'] } }),
  clean: testMigration(22, { bakeMs: 1500 }),
  flaky: testMigration(23, { bakeMs: 20_000, rollbackOn: { errors: 3, errorRate: 0.9, classes: [] } }),
  denied: testMigration(24, { bakeMs: 20_000 }),
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(Object.values(M));
});
afterAll(async () => {
  await stack?.close();
});

const toGcpBackend = (responseFlags: string) => istioProxyAccessLog({ upstreamCluster: `outbound|443||${TO}`, authority: TO, responseFlags, now: new Date() });
const ok = () => istioProxyAccessLog({ upstreamCluster: `outbound|443||${TO}`, authority: TO, now: new Date() });

/** Requests a shift, approves it, and waits until the log watch reads for its bake. */
async function shiftAndBake(m: typeof M.burst, percent: number) {
  await stack.driver.slashCommand({ text: `shift ${percent}%`, userId: 'U0BOB', channelId: m.channel });
  const { message, operationId } = await requestMessage(stack.slack, m.channel);
  await stack.driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: m.channel, messageTs: message.ts });
  await eventually(() => expect(routeWeights(stack.kube, 'payments', m.virtualService)[TO]).toBe(percent));
  await waitUntilWatched(stack, operationId);
  return { message, operationId };
}

const threadTexts = (channel: string, ts: string) => stack.slack.thread(channel, ts).map((m) => `${m.text ?? ''} ${JSON.stringify(m.blocks ?? [])}`);

describe('bake', () => {
  it('an error burst during the bake rolls back and reports in the thread and the incident channel', async () => {
    const { message } = await shiftAndBake(M.burst, 25);
    expect(stack.logs.tails.map((t) => t.request.filter).join(' ')).toContain(TO.replaceAll('.', '\\\\.'));
    stack.logs.append([ok(), ok(), xdsClosed13({ now: new Date() }), ...Array.from({ length: 6 }, () => toGcpBackend('UH'))]);
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.burst.virtualService)).toEqual({ [FROM]: 90, [TO]: 10 }), 5000);
    await eventually(() => expect(threadTexts(M.burst.channel, message.ts).some((t) => t.includes('meshbot rolled back migration-21'))).toBe(true));
    const incident = await stack.slack.waitForMessage((m) => m.kind === 'message' && m.channel === 'C0INCIDENTS' && (m.text ?? '').includes('migration-21'), 5000);
    const body = JSON.stringify(incident.blocks);
    expect(body).toContain('no-healthy-upstream');
    expect(body).toContain('approved by <@U0ALICE>');
    expect(body).toContain('console.cloud.google.com/logs/query');
    expect(body).toContain('Samples');
    expect(body).not.toContain('closed: 13');
  });

  it('a clean bake posts healthy and offers the next step', async () => {
    const { message } = await shiftAndBake(M.clean, 25);
    stack.logs.append([ok(), ok(), ok(), xdsClosed13({ now: new Date() })]);
    const healthy = await stack.slack.waitForMessage((m) => m.kind === 'message' && m.thread_ts === message.ts && (m.text ?? '').startsWith('💚 Healthy'), 6000);
    expect(JSON.stringify(healthy.blocks)).toContain('Request shift to 50%');
    expect(routeWeights(stack.kube, 'payments', M.clean.virtualService)).toEqual({ [FROM]: 75, [TO]: 25 });
  });

  it('a stream failing mid-bake reconnects, backfills, and still catches the breach', async () => {
    await shiftAndBake(M.flaky, 50);
    stack.logs.failTails(status.UNAVAILABLE, 'tail backend restarting');
    stack.logs.append([toGcpBackend('UF'), toGcpBackend('UF'), toGcpBackend('UT'), toGcpBackend('UF')]);
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.flaky.virtualService)).toEqual({ [FROM]: 90, [TO]: 10 }), 8000);
  });

  it('Traffic Director permission denials (a zero-tolerance class) among 503s roll back with both remedies, the filled-in gcloud grant first', async () => {
    const { message } = await shiftAndBake(M.denied, 20);
    stack.logs.append([...Array.from({ length: 8 }, () => toGcpBackend('UH')), ...Array.from({ length: 3 }, () => tdPermissionDenied({ service: 'ts-client', meshProjectNumber: '734009210042', now: new Date() }))]);
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.denied.virtualService)).toEqual({ [FROM]: 90, [TO]: 10 }), 5000);
    const report = await eventually(() => {
      const found = threadTexts(M.denied.channel, message.ts).find((t) => t.includes('meshbot rolled back migration-24'));
      expect(found).toBeDefined();
      return found!;
    });
    expect(report).toContain('add-iam-policy-binding 734009210042 --member=serviceAccount:SERVICE_ACCOUNT --role=roles/trafficdirector.client');
    expect(report).toContain('gcloud run services describe ts-client --region=us-central1');
    expect(report.indexOf('• *td-permission-denied* (3, zero tolerance)')).toBeGreaterThan(-1);
    expect(report.indexOf('• *td-permission-denied*')).toBeLessThan(report.indexOf('• *no-healthy-upstream* (8)'));
  });
});
