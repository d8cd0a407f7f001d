import { describe, expect, it } from 'vitest';
import { judgedSpan, completeWindows } from '../../../../src/domain/rates/bake-windows.js';
import { histogramQuantile, mergeHistograms } from '../../../../src/domain/rates/latency-histogram.js';
import { judgeRates, minDifference, type RateRules } from '../../../../src/domain/rates/judge-rates.js';
import { hostCounts, istioHistogram, minutes } from './rate-fixtures.js';

const RULES: RateRules = { errorRate: 0.02, minRequests: 100, latencyP99Ratio: 1.5, latencyFloorMs: 25 };

describe('judgeRates', () => {
  it('a busy healthy step (2,000 requests/min at 0.05 %) is healthy, whatever the error log lines say', () => {
    const verdict = judgeRates(minutes(5, () => ({ to: hostCounts(2000, 1), from: hostCounts(6000, 3) })), true, RULES);
    expect(verdict.status).toBe('healthy');
    expect(verdict.to).toMatchObject({ requests: 10_000, failed: 5, rate: 0.0005 });
    expect(verdict.windows).toHaveLength(5);
  });

  it('the new host at 3 % against the old at 0.1 % breaches within two windows, on both rate rules', () => {
    const two = judgeRates(minutes(2, () => ({ to: hostCounts(2000, 60), from: hostCounts(6000, 6) })), false, RULES);
    expect(two.status).toBe('breach');
    expect(two.breaches.map((b) => b.rule)).toEqual(['error-rate', 'worse-than-old']);
  });

  it('a breach shown only with one window in, and not with that window left out, waits', () => {
    // 4.5 % then 2 %: far over the limit together, but without the first window the share is at the limit.
    const verdict = judgeRates(minutes(2, (i) => ({ to: hostCounts(2000, i === 0 ? 90 : 40), from: hostCounts(0, 0) })), false, RULES);
    expect(verdict.status).toBe('pending');
    const steady = judgeRates(minutes(2, () => ({ to: hostCounts(2000, 90), from: hostCounts(0, 0) })), false, RULES);
    expect(steady.breaches.map((b) => b.rule)).toEqual(['error-rate']);
  });

  it('one noisy minute alone never rolls back, however bad', () => {
    const one = judgeRates(minutes(1, () => ({ to: hostCounts(2000, 400), from: hostCounts(6000, 6) })), false, RULES);
    expect(one.status).toBe('pending');
    const spike = judgeRates(minutes(5, (i) => ({ to: hostCounts(2000, i === 2 ? 400 : 1), from: hostCounts(6000, 6) })), true, RULES);
    expect(spike.status).not.toBe('breach');
  });

  it('too few requests to the new host is inconclusive, never healthy', () => {
    const verdict = judgeRates(minutes(10, () => ({ to: hostCounts(3, 0), from: hostCounts(9, 0) })), true, RULES);
    expect(verdict.status).toBe('inconclusive');
    expect(verdict.doubts).toEqual([{ kind: 'too-few-requests', requests: 30, needed: 100 }]);
  });

  it('no series for the new host at all is inconclusive with zero requests', () => {
    const verdict = judgeRates(minutes(3, () => ({ to: hostCounts(0, 0), from: hostCounts(900, 1) })), true, RULES);
    expect(verdict.status).toBe('inconclusive');
    expect(verdict.to.rate).toBeUndefined();
  });

  it('worse than the old host but not shown yet is inconclusive, not healthy', () => {
    // 4 failures in 1,000 against 1 in 3,000: 0.37 points worse, p ≈ 0.05.
    const verdict = judgeRates(minutes(2, (i) => ({ to: hostCounts(500, 2), from: hostCounts(1500, i) })), true, RULES);
    expect(verdict.status).toBe('inconclusive');
    expect(verdict.doubts).toEqual([{ kind: 'not-shown', rules: ['worse-than-old'] }]);
  });

  it('a failed share above the limit with the old host as bad is still a breach of the limit', () => {
    const verdict = judgeRates(minutes(3, () => ({ to: hostCounts(1000, 50), from: hostCounts(3000, 150) })), true, RULES);
    expect(verdict.breaches.map((b) => b.rule)).toEqual(['error-rate']);
  });

  it('p99 900 ms against 150 ms breaches on latency', () => {
    const windows = minutes(3, () => ({ to: hostCounts(1000, 0, istioHistogram(1000, 100, 900)), from: hostCounts(3000, 0, istioHistogram(3000, 100, 150)) }));
    const verdict = judgeRates(windows, true, RULES);
    expect(verdict.breaches.map((b) => b.rule)).toEqual(['latency']);
    expect(verdict.to.p99Ms).toBeGreaterThan(600);
    expect(verdict.from.p99Ms).toBeLessThan(256);
  });

  it('2 ms against 5 ms is no latency regression (the floor)', () => {
    const windows = minutes(3, () => ({ to: hostCounts(1000, 0, istioHistogram(1000, 2, 5 * 1.9)), from: hostCounts(3000, 0, istioHistogram(3000, 2, 5)) }));
    expect(judgeRates(windows, true, RULES).status).toBe('healthy');
  });

  it('one or two slow requests among a hundred are no latency regression', () => {
    const oneSlow = (n: number) => ({ bounds: [0, 100, 200, 1000], counts: [0, n - 2, 0, 2, 0] });
    const windows = minutes(3, () => ({ to: hostCounts(100, 0, oneSlow(100)), from: hostCounts(300, 0, istioHistogram(300, 40, 150)) }));
    expect(judgeRates(windows, true, RULES).breaches).toEqual([]);
  });

  it('enough requests, no failures, but too few to show the share is under the limit: inconclusive', () => {
    const verdict = judgeRates(minutes(2, () => ({ to: hostCounts(60, 0), from: hostCounts(180, 0) })), true, RULES);
    expect(verdict.status).toBe('inconclusive');
    expect(verdict.doubts).toEqual([{ kind: 'limit-not-shown', requests: 120, failed: 0 }]);
    expect(judgeRates(minutes(2, () => ({ to: hostCounts(100, 0), from: hostCounts(300, 0) })), true, RULES).status).toBe('healthy');
  });

  it('the difference that matters is a tenth of the limit', () => {
    expect(minDifference(RULES)).toBeCloseTo(0.002);
    expect(minDifference({ ...RULES, errorRate: 0.001 })).toBe(0.0005);
  });

  it('a step with no old-host traffic (100 %) is judged against the limit alone', () => {
    const verdict = judgeRates(minutes(3, () => ({ to: hostCounts(1000, 1), from: hostCounts(0, 0) })), true, RULES);
    expect(verdict.status).toBe('healthy');
    expect(verdict.from.rate).toBeUndefined();
  });
});

describe('bake windows', () => {
  it('covers the bake with epoch-aligned windows and is ready a delay after the last ends', () => {
    const at = (hhmmss: string) => Date.parse(`2026-12-01T${hhmmss}Z`);
    const span = judgedSpan(at('10:41:20'), at('10:44:00'), 60_000, 180_000);
    expect(span.windows.map((w) => new Date(w.startMs).toISOString().slice(11, 16))).toEqual(['10:41', '10:42', '10:43']);
    expect(new Date(span.readyAtMs).toISOString().slice(11, 16)).toBe('10:47');
    expect(completeWindows(span, at('10:45:30'), 180_000)).toHaveLength(1);
  });
});

describe('latency histograms', () => {
  it('interpolates the quantile inside its bucket and merges same-bounds histograms', () => {
    const h = { bounds: [0, 1, 2, 4, 8], counts: [0, 0, 0, 0, 100, 0] };
    expect(histogramQuantile(h, 0.5)).toBe(6);
    const merged = mergeHistograms([h, h, undefined]);
    expect(merged?.counts[4]).toBe(200);
    expect(histogramQuantile({ bounds: [0, 1], counts: [0, 0, 0] }, 0.99)).toBeUndefined();
  });
});
