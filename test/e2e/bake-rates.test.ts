import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationSettings } from '../../src/app/deps.js';
import type { HostTraffic } from '../harness/monitoring-server.js';
import { istioProxyAccessLog, tdPermissionDenied } from '../harness/log-samples.js';
import { eventually, FROM, requestMessage, routeWeights, startStack, testMigration, TO, type Stack } from '../support/meshbot-stack.js';

/**
 * Bakes judged on Cloud Monitoring rates, end to end: the real MetricServiceClient against the
 * local MetricService, fed by a traffic model. Windows are 1 s here (the file refuses less than
 * 1m unless MONITORING_API_ENDPOINT is on loopback), so a 4 s bake is judged on ~5 windows.
 */
const WINDOW_MS = 1000;
const ratesMigration = (n: number, overrides: Partial<MigrationSettings> = {}): MigrationSettings =>
  testMigration(n, {
    bakeMs: 4000,
    rollbackOn: { errorRate: 0.02, minRequests: 100, latencyP99Ratio: 1.5, latencyFloorMs: 25, classes: ['td-permission-denied'] },
    analysis: { metrics: 'auto', metricsDelayMs: 400, windowMs: WINDOW_MS, maxBakeMs: 7000, fromService: `old-${n}.svc`, toService: `new-${n}.svc` },
    ...overrides,
  });

const M = {
  busy: ratesMigration(31),
  failing: ratesMigration(32, { bakeMs: 20_000 }),
  quiet: ratesMigration(33),
  slow: ratesMigration(34, { bakeMs: 20_000 }),
  denied: ratesMigration(35, { bakeMs: 20_000 }),
  unseen: ratesMigration(36, { bakeMs: 2000, analysis: { metrics: 'auto', metricsDelayMs: 400, windowMs: WINDOW_MS, maxBakeMs: 2000, fromService: 'old-36.svc', toService: 'new-36.svc' } }),
};

/** `perWindow` requests each 1 s window: requestsPerMinute is per minute of the model's clock. */
const traffic = (service: string, perWindow: number, extra: Partial<HostTraffic> = {}): HostTraffic => ({ destinationService: service, requestsPerMinute: perWindow * 60, ...extra });

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(Object.values(M), undefined, { monitoring: { samplePeriodMs: WINDOW_MS, minAlignmentSeconds: 1, visibilityDelayMs: 200 } });
  const monitoring = stack.monitoring!;
  monitoring.setTraffic([
    traffic('old-31.svc', 6000, { errorShare: 0.0005 }),
    traffic('new-31.svc', 2000, { errorShare: 0.0005 }),
    traffic('old-32.svc', 3000, { errorShare: 0.001 }),
    traffic('new-32.svc', 1000, { errorShare: 0.03 }),
    traffic('old-33.svc', 9),
    traffic('new-33.svc', 3),
    traffic('old-34.svc', 3000, { p50Ms: 40, p99Ms: 150 }),
    traffic('new-34.svc', 1000, { p50Ms: 60, p99Ms: 900 }),
    traffic('old-35.svc', 3000),
    traffic('new-35.svc', 1000),
    traffic('old-36.svc', 3000),
    traffic('cr-gcpbackend-36.payments', 1000),
  ]);
});
afterAll(async () => {
  await stack?.close();
});

async function shiftAndBake(m: MigrationSettings, percent = 25) {
  await stack.driver.slashCommand({ text: `shift ${percent}%`, userId: 'U0BOB', channelId: m.channel });
  const { message, operationId } = await requestMessage(stack.slack, m.channel);
  await stack.driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: m.channel, messageTs: message.ts });
  await eventually(() => expect(routeWeights(stack.kube, 'payments', m.virtualService)[TO]).toBe(percent));
  return { message, operationId, threadTs: message.ts };
}

const threadText = (m: MigrationSettings, ts: string) => stack.slack.thread(m.channel, ts).map((msg) => `${msg.text ?? ''} ${JSON.stringify(msg.blocks ?? [])}`).join('\n');
const waitInThread = (m: MigrationSettings, ts: string, pattern: RegExp, timeoutMs = 15_000) =>
  stack.slack.waitForMessage((msg) => msg.kind === 'message' && msg.channel === m.channel && msg.thread_ts === ts && pattern.test(msg.text ?? ''), timeoutMs);
const gcpBackendError = () => istioProxyAccessLog({ upstreamCluster: `outbound|443||${TO}`, authority: TO, responseFlags: 'UH', now: new Date() });

describe('bakes judged on Cloud Monitoring rates', () => {
  it('a busy, healthy step with 25 error log lines is healthy, and the message shows both hosts\' rates and request counts', async () => {
    const { threadTs } = await shiftAndBake(M.busy);
    await waitInThread(M.busy, threadTs, /Judging new-31\.svc against old-31\.svc on Cloud Monitoring rates/);
    stack.logs.append(Array.from({ length: 25 }, gcpBackendError));
    const healthy = await waitInThread(M.busy, threadTs, /^💚 Healthy/);
    const body = `${healthy.text} ${JSON.stringify(healthy.blocks)}`;
    expect(body).toMatch(/new-31\.svc failed 0\.0\d+% of [\d,]+ requests/);
    expect(body).toMatch(/old old-31\.svc +[\d,]+ +\d+ +0\.0\d+%/); // the old host's row beside the new host's
    expect(body).toMatch(/failed share by window/);
    expect(JSON.stringify(healthy.blocks)).toContain('Request shift to 50%');
    expect(routeWeights(stack.kube, 'payments', M.busy.virtualService)).toEqual({ [FROM]: 75, [TO]: 25 });
  });

  it('the new host at 3 % against 0.1 % rolls back, with both rates in the thread and the incident channel', async () => {
    const { threadTs } = await shiftAndBake(M.failing);
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.failing.virtualService)).toEqual({ [FROM]: 90, [TO]: 10 }), 15_000);
    const report = await waitInThread(M.failing, threadTs, /meshbot rolled back migration-32/);
    expect(report.text).toMatch(/new-32\.svc failed 3(\.\d+)?% against 0\.1\d*% for old-32\.svc/);
    const incident = await stack.slack.waitForMessage((msg) => msg.channel === 'C0INCIDENTS' && (msg.text ?? '').includes('migration-32'), 5000);
    expect(JSON.stringify(incident.blocks)).toMatch(/new new-32\.svc.*old old-32\.svc/);
  });

  it('3 requests per window is inconclusive: never "Healthy", not advanced, the next step offered with the warning', async () => {
    const { threadTs } = await shiftAndBake(M.quiet);
    await waitInThread(M.quiet, threadTs, /Not enough evidence yet/);
    const inconclusive = await waitInThread(M.quiet, threadTs, /^⚠️ Inconclusive/);
    expect(inconclusive.text).toMatch(/only \d+ requests reached new-33\.svc \(100 needed, rollbackOn\.minRequests\)/);
    expect(JSON.stringify(inconclusive.blocks)).toContain('Request shift to 50% anyway');
    expect(threadText(M.quiet, threadTs)).not.toContain('Healthy');
    expect(routeWeights(stack.kube, 'payments', M.quiet.virtualService)).toEqual({ [FROM]: 75, [TO]: 25 });
  });

  it('p99 900 ms against 150 ms rolls back, naming latency', async () => {
    const { threadTs } = await shiftAndBake(M.slow);
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.slow.virtualService)).toEqual({ [FROM]: 90, [TO]: 10 }), 15_000);
    const report = await waitInThread(M.slow, threadTs, /meshbot rolled back migration-34/);
    expect(report.text).toMatch(/latency: new-34\.svc p99 \d+ ms against \d+ ms for old-34\.svc/);
  });

  it('a Traffic Director denial still rolls back at once, in under 2 s', async () => {
    const { threadTs } = await shiftAndBake(M.denied);
    await waitInThread(M.denied, threadTs, /Judging new-35\.svc/);
    const started = Date.now();
    stack.logs.append(tdPermissionDenied({ now: new Date() }));
    await eventually(() => expect(routeWeights(stack.kube, 'payments', M.denied.virtualService)).toEqual({ [FROM]: 90, [TO]: 10 }), 2000);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a new host that never shows a series: warned in the preflight, inconclusive with the values seen and the key to set', async () => {
    await stack.driver.slashCommand({ text: 'shift 25%', userId: 'U0BOB', channelId: M.unseen.channel });
    const { message, operationId } = await requestMessage(stack.slack, M.unseen.channel);
    const preflight = JSON.stringify(message.blocks);
    expect(preflight).toMatch(/Callers in payments send to \(last 30 min\) — [^"]*cr-gcpbackend-36\.payments[^"]*old-36\.svc/);
    expect(preflight).toContain('⚠️ new-36.svc has no series yet');
    expect(preflight).toContain('✅ old-36.svc has series (the baseline)');
    await stack.driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: M.unseen.channel, messageTs: message.ts });
    const inconclusive = await waitInThread(M.unseen, message.ts, /^⚠️ Inconclusive/);
    expect(inconclusive.text).toMatch(/Cloud Monitoring has no series for new-36\.svc; the callers send to [^:]*cr-gcpbackend-36\.payments[^:]*: set analysis\.toService/);
  });

  it('/mesh status shows the last 10 minutes\' rates by host', async () => {
    await stack.driver.slashCommand({ text: 'status', userId: 'U0BOB', channelId: M.busy.channel });
    const reply = await stack.slack.waitForResponse((r) => r.kind === 'response' && /Rates, last 10 min/.test(r.text ?? ''), 5000);
    expect(reply.text).toMatch(/• new new-31\.svc: 0\.0\d+% failed of [\d,]+ requests, p99 \d+ ms\n• old old-31\.svc: 0\.0\d+% failed of [\d,]+ requests/);
  });

  it('counts every verdict in /metrics by what judged it', async () => {
    const body = await (await fetch(`http://127.0.0.1:${stack.meshbot.port}/metrics`)).text();
    expect(body).toContain('meshbot_bake_verdicts_total{verdict="healthy",judged="metrics"} 1');
    expect(body).toContain('meshbot_bake_verdicts_total{verdict="inconclusive",judged="metrics"} 2');
    expect(body).toContain('meshbot_bake_verdicts_total{verdict="breached",judged="metrics"} 3');
  });
});
