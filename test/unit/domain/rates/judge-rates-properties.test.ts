import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeRates, type RateRules } from '../../../../src/domain/rates/judge-rates.js';
import type { HostCounts, TrafficWindow } from '../../../../src/domain/rates/traffic-window.js';
import { istioHistogram, minutes } from './rate-fixtures.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 500);

const rulesArb: fc.Arbitrary<RateRules> = fc.record({
  errorRate: fc.constantFrom(0.005, 0.02, 0.1),
  minRequests: fc.constantFrom(1, 100, 1000),
  latencyP99Ratio: fc.constantFrom(1.2, 1.5, 3),
  latencyFloorMs: fc.constantFrom(0, 25),
});

const hostArb: fc.Arbitrary<HostCounts> = fc
  .record({ requests: fc.integer({ min: 0, max: 5000 }), failedShare: fc.double({ min: 0, max: 0.2, noNaN: true }), p50: fc.integer({ min: 1, max: 200 }), p99Factor: fc.double({ min: 1, max: 10, noNaN: true }), latency: fc.boolean() })
  .map(({ requests, failedShare, p50, p99Factor, latency }) => ({
    requests,
    failed: Math.min(requests, Math.round(requests * failedShare)),
    ...(latency && requests > 0 ? { latency: istioHistogram(requests, p50, p50 * p99Factor) } : {}),
  }));

const windowsArb = fc.integer({ min: 1, max: 8 }).chain((n) => fc.array(fc.record({ to: hostArb, from: hostArb }), { minLength: n, maxLength: n }).map((hosts) => minutes(n, (i) => hosts[i] as Pick<TrafficWindow, 'to' | 'from'>)));

const scaled = (c: HostCounts, k: number): HostCounts => ({
  requests: c.requests * k,
  failed: c.failed * k,
  ...(c.latency ? { latency: { bounds: c.latency.bounds, counts: c.latency.counts.map((n) => n * k) } } : {}),
});

describe('judgeRates properties', () => {
  it('more failures on the new host never turn a breach into anything else', () => {
    fc.assert(
      fc.property(windowsArb, fc.boolean(), rulesArb, fc.nat(), fc.integer({ min: 1, max: 500 }), (windows, complete, rules, at, extra) => {
        const before = judgeRates(windows, complete, rules);
        fc.pre(before.status === 'breach');
        const i = at % windows.length;
        const worse = windows.map((w, j) => (j === i ? { ...w, to: { ...w.to, failed: Math.min(w.to.requests, w.to.failed + extra) } } : w));
        expect(judgeRates(worse, complete, rules).status).toBe('breach');
      }),
      { numRuns: RUNS },
    );
  });

  it('more failures never turn anything that was not healthy into healthy', () => {
    fc.assert(
      fc.property(windowsArb, rulesArb, fc.nat(), fc.integer({ min: 1, max: 500 }), (windows, rules, at, extra) => {
        const before = judgeRates(windows, true, rules);
        fc.pre(before.status !== 'healthy');
        const i = at % windows.length;
        const worse = windows.map((w, j) => (j === i ? { ...w, to: { ...w.to, failed: Math.min(w.to.requests, w.to.failed + extra) } } : w));
        expect(judgeRates(worse, true, rules).status).not.toBe('healthy');
      }),
      { numRuns: RUNS },
    );
  });

  it('more traffic at the same rates never turns healthy into breach', () => {
    fc.assert(
      fc.property(windowsArb, rulesArb, fc.integer({ min: 2, max: 20 }), (windows, rules, k) => {
        fc.pre(judgeRates(windows, true, rules).status === 'healthy');
        const busier = windows.map((w) => ({ ...w, to: scaled(w.to, k), from: scaled(w.from, k) }));
        expect(judgeRates(busier, true, rules).status).toBe('healthy');
      }),
      { numRuns: RUNS },
    );
  });

  it('is never healthy before every window is in, nor with fewer than minRequests requests to the new host', () => {
    fc.assert(
      fc.property(windowsArb, fc.boolean(), rulesArb, (windows, complete, rules) => {
        const verdict = judgeRates(windows, complete, rules);
        if (verdict.status === 'healthy') {
          expect(complete).toBe(true);
          expect(verdict.to.requests).toBeGreaterThanOrEqual(rules.minRequests);
        }
        if (verdict.status === 'breach') expect(windows.length).toBeGreaterThanOrEqual(2);
      }),
      { numRuns: RUNS },
    );
  });
});
