/**
 * Fault injection on Cloud Logging during bakes: a tail that fails with UNAVAILABLE again and
 * again, entries arriving late while it is down, a tail that stalls silently (entries only come
 * through the periodic reconciliation), and suppression notices. No breach may be missed and no
 * entry counted twice: every test puts the threshold exactly at the number of errors it writes,
 * so that one entry counted twice rolls back too early and the breach report's count is off.
 */
import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEntryInput, TailSession } from '../harness/logging-server.js';
import { istioProxyAccessLog } from '../harness/log-samples.js';
import { eventually, FROM, requestMessage, routeWeights, startStack, testMigration, TO, waitUntilWatched, type Stack, type StackOptions } from '../support/meshbot-stack.js';

type Migration = ReturnType<typeof testMigration>;

/** A bake long enough never to end on its own during a test: only a breach ends it. */
const watchFor = (n: number, errors: number) => testMigration(n, { bakeMs: 5 * 60_000, rollbackOn: { errors, errorRate: 1, classes: [] } });
const BAKED = { [FROM]: 75, [TO]: 25 };
const ROLLED_BACK = { [FROM]: 90, [TO]: 10 };
/** The log watch's default reconciliation period: a session silent this long is backfilled. */
const RECONCILE_MS = 15_000;

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** Each test gets its own stack: a bake that wrongly survives a test must not see the next test's entries. */
async function bakeOf(m: Migration, options: StackOptions = {}): Promise<{ stack: Stack; threadTs: string; tail: TailSession }> {
  stack = await startStack([m], undefined, options);
  const s = stack;
  await s.driver.slashCommand({ text: 'shift 25%', userId: 'U0BOB', channelId: m.channel });
  const { message, operationId } = await requestMessage(s.slack, m.channel);
  await s.driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: m.channel, messageTs: message.ts });
  await eventually(() => expect(routeWeights(s.kube, 'payments', m.virtualService)).toEqual(BAKED));
  await waitUntilWatched(s, operationId);
  // Let a session replaced for the bake finish its overlap: then one session reads for it.
  await eventually(() => expect(s.logs.tailCount).toBe(1), 5000);
  return { stack: s, threadTs: message.ts, tail: s.logs.tails[0] as TailSession };
}

/** The first live tail session opened after the `seen` first ones. */
async function newTail(s: Stack, seen: number): Promise<TailSession> {
  return eventually(() => {
    const tail = s.logs.tailHistory.slice(seen).find((t) => t.live);
    if (!tail) throw new Error(`no new tail session (${s.logs.tailHistory.length} opened so far)`);
    return tail;
  }, 10_000);
}

const failure = (at = new Date()): LogEntryInput => istioProxyAccessLog({ upstreamCluster: `outbound|443||${TO}`, authority: TO, responseFlags: 'UF', now: at });
const success = (at = new Date()): LogEntryInput => istioProxyAccessLog({ upstreamCluster: `outbound|443||${TO}`, authority: TO, now: at });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The VirtualService is still at the baked step after `ms`: nothing rolled back (e.g. on a count inflated by duplicates). */
async function expectNoRollbackFor(s: Stack, m: Migration, ms: number, why: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    expect(routeWeights(s.kube, 'payments', m.virtualService), why).toEqual(BAKED);
    await sleep(50);
  }
}

/** The breach report in the thread, once the rollback happened. */
async function breachReport(s: Stack, m: Migration, threadTs: string, timeoutMs: number): Promise<{ text: string; blocks: string }> {
  await eventually(() => expect(routeWeights(s.kube, 'payments', m.virtualService), `${m.name}: rolled back`).toEqual(ROLLED_BACK), timeoutMs);
  const report = await s.slack.waitForMessage((msg) => msg.channel === m.channel && msg.thread_ts === threadTs && (msg.text ?? '').startsWith('🚨 meshbot rolled back'), 5000);
  return { text: report.text ?? '', blocks: JSON.stringify(report.blocks ?? []) };
}

/** Reconciliation (or reconnection) backfills: ListLogEntries oldest first, from the bake's filter. */
const backfills = (s: Stack) => s.logs.listCalls.filter((call) => call.order_by === 'timestamp asc').length;

describe('the bake, when Cloud Logging misbehaves', () => {
  it('a tail failing with UNAVAILABLE again and again: every error counted once, the breach caught at exactly the threshold', { timeout: 60_000 }, async () => {
    const m = watchFor(401, 8);
    const { stack: s, threadTs } = await bakeOf(m);
    let written = 0;
    for (let round = 0; round < 3; round++) {
      // One error through the live tail...
      const live = s.logs.tails[0] as TailSession;
      s.logs.append([success(), failure()]);
      written++;
      await eventually(() => expect(live.delivered.length).toBeGreaterThan(0));
      await sleep(100);
      // ...then the stream breaks; one error written while it is down, one more as it comes back.
      const opened = s.logs.tailHistory.length;
      s.logs.failTails(status.UNAVAILABLE, 'The service is currently unavailable.');
      s.logs.append(failure());
      written++;
      await newTail(s, opened);
    }
    s.logs.append(failure());
    written++;
    expect(written).toBe(7);
    // The reconnections backfill from the newest entry seen, so they read some entries again.
    await expectNoRollbackFor(s, m, 1500, `${m.name}: 7 errors written, threshold 8: a rollback now means an entry was counted twice`);

    s.logs.append(failure());
    const report = await breachReport(s, m, threadTs, 5000);
    expect(report.text).toContain(': 8 counted errors reached the threshold of 8 (8 × upstream-connect-failure)');
    expect(report.blocks).toContain('• 8 × `upstream-connect-failure`');
    expect(report.blocks).toContain('3 successful requests');
  });

  it('errors that arrive late (timestamped before the newest entry seen) while the tail is down are still counted', { timeout: 60_000 }, async () => {
    const m = watchFor(402, 3);
    const { stack: s, threadTs, tail } = await bakeOf(m);
    await sleep(1500);
    // The newest entry seen by the bake...
    s.logs.append(success());
    await eventually(() => expect(tail.delivered.length).toBe(1));
    await sleep(100);
    // ...then a short outage, during which three errors from a second ago arrive (Cloud Logging does not
    // promise timestamp order; its own tail buffers 2 s by default for exactly that).
    s.logs.failTails(status.UNAVAILABLE, 'The service is currently unavailable.');
    const aSecondAgo = new Date(Date.now() - 1000);
    s.logs.append([failure(aSecondAgo), failure(aSecondAgo), failure(aSecondAgo)]);
    // The reconnection backfill, and the periodic reconciliation after it, are the only ways to see them.
    const report = await breachReport(s, m, threadTs, RECONCILE_MS + 5000);
    expect(report.text).toContain(': 3 counted errors reached the threshold of 3');
  });

  it('a busy service writing 25,000 entries while the tail is down: the reconnections still reach the newest entries', { timeout: 60_000 }, async () => {
    const m = watchFor(406, 3);
    // Reading 25,000 entries back takes 25 ListLogEntries pages per pass: more than meshbot's share
    // of Cloud Logging's 60 a minute allows twice. This test is about what the passes read, so its
    // project has a larger quota (LOGGING_READ_QUOTA); the budget itself is tested on its own.
    const { stack: s, threadTs } = await bakeOf(m, { logWatch: { readQuotaPerMinute: 600 } });
    // 25,000 requests spread over the last second of the bake (more than one backfill page reads), then three failures.
    const from = Date.now();
    await sleep(1000);
    const to = Date.now();
    const busy = Array.from({ length: 25_000 }, (_, i) => success(new Date(from + Math.floor(((to - from) * i) / 25_000))));
    s.logs.failTails(status.UNAVAILABLE, 'The service is currently unavailable.');
    s.logs.append(busy);
    s.logs.append([failure(), failure(), failure()]);
    // Every time the tail comes back it breaks again: only the reconnection backfills read the backlog.
    for (let outage = 1; outage < 4; outage++) {
      const opened = s.logs.tailHistory.length;
      const rolledBack = await eventually(() => {
        if (routeWeights(s.kube, 'payments', m.virtualService)[TO] !== 25) return true;
        if (s.logs.tailHistory.slice(opened - 1).some((t) => t.live)) return false;
        throw new Error(`outage ${outage}: neither a rollback nor a new tail session`);
      }, 15_000);
      if (rolledBack) break;
      await sleep(1500);
      s.logs.failTails(status.UNAVAILABLE, 'The service is currently unavailable.');
    }
    const report = await breachReport(s, m, threadTs, 5000);
    expect(report.text).toContain(': 3 counted errors reached the threshold of 3');
    expect(report.blocks).toContain('25000 successful requests');
  });

  it('a stalled tail: entries come through the periodic reconciliation, the tail delivering them again later counts nothing twice', { timeout: 60_000 }, async () => {
    const m = watchFor(403, 4);
    const { stack: s, threadTs, tail } = await bakeOf(m);
    s.logs.stallTails();
    const before = backfills(s);
    s.logs.append([success(), failure(), failure(), failure()]);
    // Only the reconciliation (every 15 s) can see them now.
    await eventually(() => expect(backfills(s)).toBeGreaterThan(before), RECONCILE_MS + 3000);
    await sleep(500);
    expect(tail.live).toBe(true);
    expect(tail.delivered).toHaveLength(0);
    // The stream wakes up and delivers the same four entries.
    s.logs.resumeTails();
    await eventually(() => expect(tail.delivered).toHaveLength(4));
    await expectNoRollbackFor(s, m, 1000, `${m.name}: 3 errors written, threshold 4: a rollback now means the tail's copies were counted again`);

    // Stalled again: the fourth error reaches the bake through the next reconciliation only.
    s.logs.stallTails();
    s.logs.append(failure());
    const report = await breachReport(s, m, threadTs, RECONCILE_MS + 5000);
    expect(report.text).toContain(': 4 counted errors reached the threshold of 4');
    expect(report.blocks).toContain('1 successful requests');
    s.logs.resumeTails();
  });

  it('suppression notices are not errors; a later breach still rolls back and the report says how many were dropped', { timeout: 30_000 }, async () => {
    const m = watchFor(404, 5);
    const { stack: s, threadTs } = await bakeOf(m);
    s.logs.sendSuppression({ reason: 'RATE_LIMIT', suppressedCount: 2000 });
    s.logs.append([success(), success()]);
    s.logs.sendSuppression({ reason: 'NOT_CONSUMED', suppressedCount: 500 });
    s.logs.sendSuppression({ reason: 'RATE_LIMIT', suppressedCount: 1000 });
    await expectNoRollbackFor(s, m, 1000, `${m.name}: 3500 suppressed entries and no error`);

    s.logs.append([failure(), failure(), failure(), failure()]);
    await expectNoRollbackFor(s, m, 700, `${m.name}: 4 errors, threshold 5`);
    s.logs.append(failure());
    const report = await breachReport(s, m, threadTs, 5000);
    expect(report.text).toContain(': 5 counted errors reached the threshold of 5');
    expect(report.blocks).toContain('2 successful requests · 3500 entries suppressed by Cloud Logging');
  });

  it('a clean bake during which Cloud Logging dropped entries says its counts are a lower bound', { timeout: 30_000 }, async () => {
    const m = testMigration(405, { bakeMs: 2500 });
    const { stack: s, threadTs } = await bakeOf(m);
    s.logs.append([success(), success(), success()]);
    s.logs.sendSuppression({ reason: 'RATE_LIMIT', suppressedCount: 1200 });
    const healthy = await s.slack.waitForMessage((msg) => msg.channel === m.channel && msg.thread_ts === threadTs && (msg.text ?? '').startsWith('💚 Healthy'), 8000);
    expect(routeWeights(s.kube, 'payments', m.virtualService)).toEqual(BAKED);
    const said = `${healthy.text ?? ''} ${JSON.stringify(healthy.blocks ?? [])}`;
    expect(said).toContain('3 successful requests');
    expect(said, 'a "healthy" verdict over a window in which 1200 entries were never delivered must say so').toMatch(/1200 entries|lower bound/);
  });
});
