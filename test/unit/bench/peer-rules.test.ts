import { describe, expect, it } from 'vitest';
import { countRuleVerdict, flaggerCheck, flaggerVerdict } from '../../../bench/peer-rules.js';
import { meshbotBake } from '../../../bench/verdict-bake.js';
import { binomial, bucketShares, ISTIO_BOUNDS, poisson, sampleHistogram, simulateWindows, type HostProfile } from '../../../bench/verdict-model.js';
import { seededRandom } from '../../support/seeded-random.js';
import { histogramQuantile } from '../../../src/domain/rates/latency-histogram.js';
import type { HostCounts, TrafficWindow } from '../../../src/domain/rates/traffic-window.js';

const fast = (requests: number, failed: number): HostCounts => ({ requests, failed, latency: { bounds: ISTIO_BOUNDS, counts: [0, 0, 0, 0, 0, 0, 0, requests, ...new Array<number>(14).fill(0)] } });
const minute = (to: HostCounts, from: HostCounts = fast(300, 0), i = 0): TrafficWindow => ({ startMs: i * 60_000, endMs: (i + 1) * 60_000, to, from });
const PASS = minute(fast(100, 1));
const FAIL = minute(fast(100, 2));
const host = (requestsPerMinute: number, failedShare: number): HostProfile => ({ requestsPerMinute, failedShare, p50Ms: 40, p99Ms: 150 });

function meanAndVariance(draw: () => number, n: number): { mean: number; variance: number } {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    squares += x * x;
  }
  const mean = sum / n;
  return { mean, variance: squares / n - mean * mean };
}

describe('the traffic model', () => {
  it('the same seed gives the same series, another seed another', () => {
    const a = simulateWindows(seededRandom(42), host(1000, 0.001), host(3000, 0.001), 5);
    expect(simulateWindows(seededRandom(42), host(1000, 0.001), host(3000, 0.001), 5)).toEqual(a);
    expect(simulateWindows(seededRandom(43), host(1000, 0.001), host(3000, 0.001), 5)).not.toEqual(a);
  });

  it.each([0.01, 3, 100, 30_000])('Poisson(%d) has the right mean and variance', (mean) => {
    const rng = seededRandom(7);
    const got = meanAndVariance(() => poisson(rng, mean), 20_000);
    const tolerance = 5 * Math.sqrt(mean / 20_000);
    expect(Math.abs(got.mean - mean)).toBeLessThan(tolerance);
    expect(got.variance / mean).toBeGreaterThan(0.9);
    expect(got.variance / mean).toBeLessThan(1.1);
  });

  it.each([
    [100, 0.001],
    [30_000, 0.001],
    [30_000, 0.4],
    [20, 0.9],
  ])('Binomial(%d, %d) has the right mean and stays within 0…n', (n, p) => {
    const rng = seededRandom(11);
    const draws = Array.from({ length: 20_000 }, () => binomial(rng, n, p));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    expect(Math.abs(mean - n * p)).toBeLessThan(5 * Math.sqrt((n * p * (1 - p)) / draws.length));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThanOrEqual(n);
  });

  it('latency buckets keep every request and put the p50 and p99 where the log-normal does (within Istio’s buckets)', () => {
    const shares = bucketShares(40, 150);
    expect(shares.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
    const histogram = sampleHistogram(seededRandom(3), 100_000, shares);
    expect(histogram.counts.reduce((s, c) => s + c, 0)).toBe(100_000);
    expect(histogramQuantile(histogram, 0.5)).toBeGreaterThan(32);
    expect(histogramQuantile(histogram, 0.5)).toBeLessThan(64);
    expect(histogramQuantile(histogram, 0.99)).toBeGreaterThan(128);
    expect(histogramQuantile(histogram, 0.99)).toBeLessThan(256);
  });
});

describe('Flagger’s analysis', () => {
  it('a check passes at 99 % success, fails below it, above 500 ms p99, and without requests', () => {
    expect(flaggerCheck(PASS)).toBe('passed');
    expect(flaggerCheck(FAIL)).toBe('success-rate');
    expect(flaggerCheck(minute({ requests: 0, failed: 0 }))).toBe('no-data');
    const slow: HostCounts = { requests: 100, failed: 0, latency: { bounds: ISTIO_BOUNDS, counts: [...new Array<number>(11).fill(0), 100, ...new Array<number>(10).fill(0)] } };
    expect(flaggerCheck(minute(slow))).toBe('request-duration');
  });

  it('rolls back on the 5th failed check, not the 4th, and passes in between do not reset the count', () => {
    const four = [FAIL, PASS, FAIL, PASS, FAIL, FAIL, ...new Array<TrafficWindow>(10).fill(PASS)];
    expect(flaggerVerdict(four)).toEqual({ outcome: 'promote', windows: 14 });
    const five = [FAIL, PASS, FAIL, PASS, FAIL, FAIL, PASS, FAIL, ...new Array<TrafficWindow>(10).fill(PASS)];
    expect(flaggerVerdict(five)).toEqual({ outcome: 'rollback', windows: 8 });
  });

  it('promotes after 10 passed checks', () => {
    expect(flaggerVerdict(new Array<TrafficWindow>(30).fill(PASS))).toEqual({ outcome: 'promote', windows: 10 });
  });
});

describe('the count rule', () => {
  it('counts failed requests of both hosts and rolls back when the count reaches exactly 20', () => {
    const nineteen = [minute(fast(100, 5), fast(300, 4)), minute(fast(100, 5), fast(300, 5)), ...new Array<TrafficWindow>(8).fill(minute(fast(100, 0)))];
    expect(countRuleVerdict(nineteen)).toEqual({ outcome: 'promote', windows: 10 });
    const twenty = [minute(fast(100, 5), fast(300, 4)), minute(fast(100, 5), fast(300, 5)), ...new Array<TrafficWindow>(7).fill(minute(fast(100, 0))), minute(fast(100, 0), fast(300, 1))];
    expect(countRuleVerdict(twenty)).toEqual({ outcome: 'rollback', windows: 10 });
  });

  it('counts only the bake’s 10 windows', () => {
    const late = [...new Array<TrafficWindow>(10).fill(minute(fast(100, 1))), minute(fast(100, 50))];
    expect(countRuleVerdict(late)).toEqual({ outcome: 'promote', windows: 10 });
  });
});

describe('meshbot as the bake calls judgeRates', () => {
  const RULES = { errorRate: 0.02, minRequests: 100, latencyP99Ratio: 1.5, latencyFloorMs: 25 };

  it('healthy at the bake’s end when the evidence is in', () => {
    expect(meshbotBake(new Array<TrafficWindow>(30).fill(minute(fast(1000, 1), fast(3000, 3))), RULES)).toEqual({ outcome: 'healthy', windows: 10, extended: false });
  });

  it('an inconclusive end extends the bake to 3 × bake, and stays inconclusive without more evidence', () => {
    expect(meshbotBake(new Array<TrafficWindow>(30).fill(minute(fast(3, 0), fast(9, 0))), RULES)).toEqual({ outcome: 'inconclusive', windows: 30, extended: true });
  });

  it('a breach at any look ends the bake as a rollback', () => {
    expect(meshbotBake(new Array<TrafficWindow>(30).fill(minute(fast(1000, 50), fast(3000, 3))), RULES)).toMatchObject({ outcome: 'rollback', windows: 2, extended: false });
  });
});
