import { describe, expect, it } from 'vitest';
import { breachReasons, doubtReasons, formatCount, formatMs, formatRate, rateSparkline, type HostNames } from '../../../src/domain/rates/describe-verdict.js';
import { judgeRates, type RateRules, type RateVerdict } from '../../../src/domain/rates/judge-rates.js';
import { addToTally, emptyTally } from '../../../src/domain/logs/tally.js';
import type { Operation } from '../../../src/domain/operation/operation.js';
import { breachMessage, healthyMessage, inconclusiveMessage, NEXT_STEP_ACTION } from '../../../src/slack/blocks/bake-report.js';
import type { Block, SlackMessage } from '../../../src/slack/blocks/block-kit.js';
import { clock, rateSummary, rateTable, type RateReport } from '../../../src/slack/blocks/rate-report.js';
import { hostCounts, istioHistogram, minutes } from '../domain/rates/rate-fixtures.js';

const RULES: RateRules = { errorRate: 0.02, minRequests: 100, latencyP99Ratio: 1.5, latencyFloorMs: 25 };
const HOSTS: HostNames = { from: 'cr-service-entry.com', to: 'cr-gcpbackend.com' };
const AT = '2026-12-01T10:00:00.000Z';
const op = (extra: Partial<Operation> = {}): Operation => ({
  id: 'op-7', migration: 'checkout', kind: 'shift', percent: 25, state: 'applied', requestedBy: 'U0BOB', decidedBy: 'U0ALICE', requestedAt: AT, expiresAt: AT, channel: 'C1', version: 1, history: [], ...extra,
});
const report = (verdict: RateVerdict, hosts: HostNames = HOSTS): RateReport => ({ verdict, hosts });

/** Five minutes at 2,000 and 6,000 requests/min, 0.05 % failed on both, both p99 96 ms (80 ms in Istio's [64, 128) bucket). */
const healthy = () => judgeRates(minutes(5, () => ({ to: hostCounts(2000, 1, istioHistogram(2000, 20, 80)), from: hostCounts(6000, 3, istioHistogram(6000, 20, 80)) })), true, RULES);
/** 3 %, 4 %, 2 % against 0.1 %: both rate rules breach. */
const rateBreach = () => judgeRates(minutes(3, (i) => ({ to: hostCounts(2000, [60, 80, 40][i]!), from: hostCounts(6000, 6) })), false, RULES);
/** p99 384 ms (300 ms in [256, 512)) against 96 ms, no failures: the latency rule breaches. */
const latencyBreach = () => judgeRates(minutes(3, () => ({ to: hostCounts(2000, 0, istioHistogram(2000, 20, 300)), from: hostCounts(6000, 0, istioHistogram(6000, 20, 80)) })), false, RULES);
/** 3 requests a minute to the new host for ten minutes. */
const tooFew = () => judgeRates(minutes(10, () => ({ to: hostCounts(3, 0), from: hostCounts(9, 0) })), true, RULES);

const codeText = (block: Block | undefined): string => (block as unknown as { text: { text: string } }).text.text;
const tableLines = (r: RateReport): string[] => codeText(rateTable(r)).replace(/^```|```$/g, '').split('\n');
const allText = (message: SlackMessage): string => JSON.stringify(message.blocks);
const buttons = (message: SlackMessage) =>
  (message.blocks as readonly { type: string; elements?: { action_id?: string; text?: { text: string }; value?: string; style?: string }[] }[])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? []);

describe('describe-verdict texts', () => {
  it.each([
    [0.0005, '0.05%'],
    [0.03, '3%'],
    [undefined, '–'],
    [0, '0%'],
    [0.00012, '0.012%'],
    [0.123456, '12.35%'],
  ] as const)('formatRate(%s) is %s', (rate, text) => {
    expect(formatRate(rate)).toBe(text);
  });

  it('formats counts with thousands separators and ms rounded', () => {
    expect(formatCount(1_234_567)).toBe('1,234,567');
    expect(formatMs(383.6)).toBe('384 ms');
    expect(formatMs(undefined)).toBe('–');
  });

  it('names the limit and its key when the failed share breaches it, and the old host with the p-value when worse than it', () => {
    const verdict = rateBreach();
    expect(verdict.status).toBe('breach');
    expect(breachReasons(verdict, HOSTS)).toEqual([
      'cr-gcpbackend.com failed 3% of 6,000 requests (180), above the limit of 2% (rollbackOn.errorRate)',
      'cr-gcpbackend.com failed 3% against 0.1% for cr-service-entry.com in the same windows: 2.9 points worse, where 0.2 points is what matters (chance p < 0.000001)',
    ]);
  });

  it('names both p99s, the ratio and the floor on a latency breach', () => {
    const verdict = latencyBreach();
    expect(verdict.breaches.map((b) => b.rule)).toEqual(['latency']);
    expect(breachReasons(verdict, HOSTS)).toEqual([
      'latency: cr-gcpbackend.com p99 384 ms against 96 ms for cr-service-entry.com, above 1.5 × (rollbackOn.latencyP99Ratio) and 25 ms more (p < 0.000001)',
    ]);
  });

  it('says too few requests, in the singular for one', () => {
    expect(doubtReasons(tooFew(), HOSTS)).toEqual(['only 30 requests reached cr-gcpbackend.com (100 needed, rollbackOn.minRequests): not enough evidence either way']);
    const one = judgeRates(minutes(1, () => ({ to: hostCounts(1, 0), from: hostCounts(9, 0) })), true, RULES);
    expect(doubtReasons(one, HOSTS)).toEqual(['only 1 request reached cr-gcpbackend.com (100 needed, rollbackOn.minRequests): not enough evidence either way']);
  });

  it('says when the failed share cannot be shown under the limit', () => {
    // 1 in 100 at a 2 % limit: P(≤ 1 failure | 2 %) ≈ 0.40, far from the 5 % that would show it.
    const verdict = judgeRates(minutes(1, () => ({ to: hostCounts(100, 1), from: hostCounts(300, 3) })), true, RULES);
    expect(verdict.doubts).toEqual([{ kind: 'limit-not-shown', requests: 100, failed: 1 }]);
    expect(doubtReasons(verdict, HOSTS)).toEqual(['100 requests to cr-gcpbackend.com with 1 failed cannot show its failed share is under 2% (rollbackOn.errorRate): not enough evidence to call it healthy']);
  });

  it('names every rule that looks worse without the evidence to roll back', () => {
    const worse = judgeRates(minutes(2, (i) => ({ to: hostCounts(500, 2), from: hostCounts(1500, i) })), true, RULES);
    expect(doubtReasons(worse, HOSTS)).toEqual(['cr-gcpbackend.com looks worse (more failures than the old host) but not by enough evidence to roll back']);
    const both = judgeRates(minutes(1, () => ({ to: hostCounts(100, 3), from: hostCounts(300, 3) })), true, RULES);
    expect(doubtReasons(both, HOSTS)).toEqual([
      '100 requests to cr-gcpbackend.com with 3 failed cannot show its failed share is under 2% (rollbackOn.errorRate): not enough evidence to call it healthy',
      'cr-gcpbackend.com looks worse (failed share above the limit, more failures than the old host) but not by enough evidence to roll back',
    ]);
    // The old host saw 40 requests: too few to show a p99 regression.
    const slow = judgeRates(minutes(2, () => ({ to: hostCounts(1000, 0, istioHistogram(1000, 20, 300)), from: hostCounts(20, 0, istioHistogram(20, 20, 80)) })), true, RULES);
    expect(slow.status).toBe('inconclusive');
    expect(doubtReasons(slow, HOSTS)).toEqual(['cr-gcpbackend.com looks worse (p99 latency) but not by enough evidence to roll back']);
  });

  it('draws the new host failed share per window, scaled to the worst window, · without requests', () => {
    expect(rateSparkline(rateBreach())).toBe('▆█▄');
    expect(rateSparkline(healthy())).toBe('▁▁▁▁▁');
    const gap = judgeRates(minutes(3, (i) => ({ to: hostCounts(i === 1 ? 0 : 1000, i === 2 ? 20 : 0), from: hostCounts(1000, 0) })), true, RULES);
    expect(rateSparkline(gap)).toBe('▁·█');
  });
});

describe('the rate table', () => {
  it('sets both hosts side by side: counts with separators, rates, p99, the limit, the sparkline and the UTC span', () => {
    const verdict = healthy();
    expect(verdict.status).toBe('healthy');
    expect(tableLines(report(verdict))).toEqual([
      'host                      requests  failed    rate      p99',
      'new cr-gcpbackend.com       10,000       5   0.05%    96 ms  (limit 2%, p99 ≤ 1.5 × old or + 25 ms)',
      'old cr-service-entry.com    30,000      15   0.05%    96 ms',
      "new host's failed share by window: ▁▁▁▁▁  (10:00–10:05 UTC)",
    ]);
    expect(rateTable(report(verdict)).type).toBe('section');
  });

  it('shows a missing host as dashes and a breach window by window', () => {
    const none = judgeRates(minutes(3, () => ({ to: hostCounts(0, 0), from: hostCounts(900, 1) })), true, RULES);
    expect(tableLines(report(none))[1]).toBe('new cr-gcpbackend.com            0       0       –        –  (limit 2%, p99 ≤ 1.5 × old or + 25 ms)');
    const lines = tableLines(report(rateBreach()));
    expect(lines[1]).toBe('new cr-gcpbackend.com        6,000     180      3%        –  (limit 2%, p99 ≤ 1.5 × old or + 25 ms)');
    expect(lines[3]).toBe("new host's failed share by window: ▆█▄  (10:00–10:03 UTC)");
  });

  it('reads clock times in UTC and sums both hosts in one line for notifications', () => {
    expect(clock(Date.parse('2026-12-01T23:59:30Z'))).toBe('23:59:30');
    expect(clock(Date.parse('2026-12-01T23:59:00Z'))).toBe('23:59');
    expect(clock(undefined)).toBe('?');
    expect(rateSummary(report(healthy()))).toBe('cr-gcpbackend.com failed 0.05% of 10,000 requests (p99 96 ms), cr-service-entry.com 0.05% of 30,000 (p99 96 ms)');
  });
});

describe('bake reports with rates', () => {
  it('healthy: "💚 Healthy" with both hosts rates, the table and the next step', () => {
    const message = healthyMessage(op(), emptyTally(), 50, { rates: report(healthy()) });
    expect(message.text.startsWith('💚 Healthy: shift 25% for checkout baked: ')).toBe(true);
    expect(message.text).toContain('cr-gcpbackend.com failed 0.05% of 10,000 requests (p99 96 ms)');
    expect(message.text).toContain('cr-service-entry.com 0.05% of 30,000 (p99 96 ms)');
    expect(message.text).toContain('no counted error lines');
    expect(codeText(message.blocks[1])).toContain('new cr-gcpbackend.com       10,000       5   0.05%');
    expect(buttons(message)).toEqual([{ type: 'button', action_id: NEXT_STEP_ACTION, text: { type: 'plain_text', text: 'Request shift to 50%' }, value: 'checkout:50', style: 'primary' }]);
  });

  it('inconclusive: never "Healthy", the doubts, the table, and the next step only "anyway"', () => {
    const verdict = tooFew();
    const message = inconclusiveMessage(op(), report(verdict), doubtReasons(verdict, HOSTS), 50);
    expect(message.text.startsWith('⚠️ Inconclusive: shift 25% for checkout baked without enough evidence to call it healthy')).toBe(true);
    expect(`${message.text} ${allText(message)}`).not.toMatch(/Healthy|💚/);
    expect(allText(message)).toContain('• only 30 requests reached cr-gcpbackend.com (100 needed, rollbackOn.minRequests)');
    expect(message.text).toContain('cr-gcpbackend.com failed 0% of 30 requests (p99 –), cr-service-entry.com 0% of 90 (p99 –).');
    expect(allText(message)).toContain('Not advanced automatically.');
    expect(buttons(message)).toEqual([{ type: 'button', action_id: NEXT_STEP_ACTION, text: { type: 'plain_text', text: 'Request shift to 50% anyway' }, value: 'checkout:50' }]);
    expect(buttons(inconclusiveMessage(op(), report(verdict), doubtReasons(verdict, HOSTS), undefined))).toEqual([]);
  });

  it('breach: the reasons, a rates section with the table, and the error log lines as counted lines', () => {
    const verdict = rateBreach();
    const tally = emptyTally();
    addToTally(tally, { kind: 'error', classId: 'http-5xx', sample: 'checkout: 503 from cr-gcpbackend.com' }, { insertId: 'e1', timestamp: AT });
    const message = breachMessage({ operation: op(), virtualService: 'payments/checkout', tally, reasons: breachReasons(verdict, HOSTS), logsUrl: 'https://console.cloud.google.com/logs/query;query=x', rates: report(verdict) });
    expect(message.text).toContain('🚨 meshbot rolled back checkout (shift 25% for checkout): cr-gcpbackend.com failed 3% of 6,000 requests (180), above the limit of 2%');
    const sections = message.blocks.filter((b) => b.type === 'section').map(codeText);
    const rates = sections.indexOf('*Rates during the bake* (Cloud Monitoring)');
    expect(rates).toBeGreaterThan(0);
    expect(sections[rates + 1]).toContain('new cr-gcpbackend.com        6,000     180      3%');
    const logs = sections.find((s) => s.startsWith('*Error log lines during the bake*'));
    expect(logs).toContain('• 1 × `http-5xx`');
    expect(logs).toContain('1 counted error line(s) · 0 entries suppressed by Cloud Logging');
    expect(logs).not.toContain('successful requests');
    expect(sections.indexOf(logs!)).toBeGreaterThan(rates + 1);
  });
});

describe('Slack limits', () => {
  // 90 one-minute windows (a 30-minute bake extended to its 3 × maximum), every tenth one without requests to the new host.
  const long = judgeRates(
    minutes(90, (i) => ({ to: hostCounts(i % 10 === 0 ? 0 : 2000, i % 10 === 0 ? 0 : i % 7, istioHistogram(2000, 20, 80)), from: hostCounts(6000, 3, istioHistogram(6000, 20, 80)) })),
    true,
    RULES,
  );
  const longHosts: HostNames = { from: `legacy-${'x'.repeat(180)}.example.com`, to: `gcpbackend-${'y'.repeat(180)}.example.com` };

  function expectWithinLimits(message: SlackMessage): void {
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const block of message.blocks as readonly { type: string; text?: { text: string }; elements?: { text?: string | { text: string } }[] }[]) {
      if (block.type === 'section') expect(block.text!.text.length).toBeLessThanOrEqual(3000);
      if (block.type === 'header') expect(block.text!.text.length).toBeLessThanOrEqual(150);
      if (block.type === 'context') for (const e of block.elements ?? []) expect((e.text as string).length).toBeLessThanOrEqual(2000);
      if (block.type === 'actions') for (const e of block.elements ?? []) expect((e.text as { text: string }).text.length).toBeLessThanOrEqual(75);
    }
  }

  it('keeps a 90-window table whole: every window in the sparkline, the span 10:00–11:30', () => {
    expect(long.windows).toHaveLength(90);
    const lines = tableLines(report(long));
    const sparkline = /window: (\S+) {2}\((.*)\)$/.exec(lines[3]!);
    expect(sparkline?.[1]).toHaveLength(90);
    expect([...sparkline![1]!].filter((c) => c === '·')).toHaveLength(9);
    expect(sparkline?.[2]).toBe('10:00–11:30 UTC');
  });

  it('keeps every report of a 90-window verdict within section, header, context and button limits', () => {
    const tally = emptyTally();
    for (let i = 0; i < 40; i++) addToTally(tally, { kind: 'error', classId: 'http-5xx', sample: `line ${i} ${'z'.repeat(400)}` }, { insertId: `e${i}`, timestamp: AT });
    for (const hosts of [HOSTS, longHosts]) {
      const r = report(long, hosts);
      expectWithinLimits(healthyMessage(op(), tally, 50, { rates: r }));
      expectWithinLimits(inconclusiveMessage(op(), r, Array.from({ length: 60 }, (_, i) => `doubt ${i}: ${'d'.repeat(80)}`), 50));
      expectWithinLimits(breachMessage({ operation: op(), virtualService: 'payments/checkout', tally, reasons: Array.from({ length: 40 }, (_, i) => `reason ${i} ${'r'.repeat(100)}`), logsUrl: 'https://x', rates: r }));
    }
  });
});
