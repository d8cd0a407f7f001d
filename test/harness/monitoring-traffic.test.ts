import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distributionPercentile, ISTIO_LATENCY_BOUNDS, mergeDistributions } from './monitoring/distribution.js';
import { latencyDistribution } from './monitoring/latency-shape.js';
import { REQUEST_COUNT, ROUNDTRIP_LATENCIES } from './monitoring/metrics.js';
import { pageOfPoints } from './monitoring/paging.js';
import type { Distribution } from './monitoring/distribution.js';
import type { TimeSeries } from './monitoring/series.js';
import { TrafficModel } from './monitoring/traffic.js';
import { cumulativeByCode, cumulativeForPod, cumulativeRequests, RESPONSE_CODES } from './monitoring/traffic-split.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const T0 = Date.parse('2026-03-02T10:00:00Z');

const sumPoints = (series: readonly TimeSeries[]) => series.flatMap((one) => one.points).reduce((sum, point) => sum + (point.value as number), 0);

describe('exact request counts', () => {
  it('carries fractions forward: 2,000 rpm at 0.05 % errors is one 503 a minute, 3 rpm three requests a minute', () => {
    for (const periodMs of [SECOND, 10 * SECOND, MINUTE]) {
      const perMinute = MINUTE / periodMs;
      for (let minute = 1; minute <= 10; minute++) {
        const requests = (rpm: number) => cumulativeRequests(rpm, periodMs, minute * perMinute) - cumulativeRequests(rpm, periodMs, (minute - 1) * perMinute);
        const errors = (n: number) => cumulativeByCode(cumulativeRequests(2000, periodMs, n), { errorShare: 0.0005, resetShare: 0, clientErrorShare: 0 })['503'];
        expect(requests(2000)).toBe(2000);
        expect(errors(minute * perMinute) - errors((minute - 1) * perMinute)).toBe(1);
        expect(requests(3)).toBe(3);
      }
    }
  });

  it('never counts a code or pod negative and always adds up to the total', () => {
    const shares = fc
      .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
      .map(([a, b, c]) => {
        const scale = Math.max(1, a + b + c);
        return { errorShare: a / scale, resetShare: b / scale, clientErrorShare: c / scale };
      });
    fc.assert(
      fc.property(shares, fc.nat(100_000), fc.nat(50), fc.integer({ min: 1, max: 5 }), (codeShares, total, more, pods) => {
        const before = cumulativeByCode(total, codeShares);
        const after = cumulativeByCode(total + more, codeShares);
        expect(RESPONSE_CODES.reduce((sum, code) => sum + after[code], 0)).toBe(total + more);
        for (const code of RESPONSE_CODES) {
          expect(after[code]).toBeGreaterThanOrEqual(before[code]);
          const perPod = Array.from({ length: pods }, (_, pod) => cumulativeForPod(after[code], pod, pods) - cumulativeForPod(before[code], pod, pods));
          expect(perPod.every((count) => count >= 0)).toBe(true);
          expect(perPod.reduce((sum, count) => sum + count, 0)).toBe(after[code] - before[code]);
        }
      }),
    );
  });
});

describe('latency distributions', () => {
  const profile = { p50Ms: 20, p99Ms: 80 };

  it('puts p50 and p99 of many small points, merged, in the buckets of the profile', () => {
    const points: Distribution[] = [];
    for (let first = 0; first < 6000; first += 3) points.push(latencyDistribution(profile, first, 3, ISTIO_LATENCY_BOUNDS));
    const merged = mergeDistributions(points);

    expect(merged.count).toBe(6000);
    expect(distributionPercentile(merged, 50)).toBeGreaterThanOrEqual(16);
    expect(distributionPercentile(merged, 50)).toBeLessThan(32);
    expect(distributionPercentile(merged, 99)).toBeGreaterThanOrEqual(64);
    expect(distributionPercentile(merged, 99)).toBeLessThan(128);
    // Half at most p50 (20 ms), 1 % above p99 (80 ms): buckets below 16 ms hold less than half, 128 ms and up less than 1 %.
    const below16 = merged.bucketCounts.slice(0, 6).reduce((sum, count) => sum + count, 0);
    expect(below16 / merged.count).toBeGreaterThan(0.35);
    expect(below16 / merged.count).toBeLessThan(0.5);
    expect(merged.bucketCounts.slice(9).reduce((sum, count) => sum + count, 0) / merged.count).toBeLessThan(0.01);
  });

  it('gives large points the same shape from the distribution function', () => {
    const sampled = latencyDistribution(profile, 0, 2000, ISTIO_LATENCY_BOUNDS);
    const computed = latencyDistribution(profile, 0, 20_000, ISTIO_LATENCY_BOUNDS);
    expect(computed.count).toBe(20_000);
    expect(computed.bucketCounts.reduce((sum, count) => sum + count, 0)).toBe(20_000);
    computed.bucketCounts.forEach((count, index) => expect(Math.abs(count / 20_000 - sampled.bucketCounts[index]! / 2000)).toBeLessThan(0.01));
  });

  it('interpolates percentiles linearly inside the bucket', () => {
    const distribution = { count: 10, mean: 0, bounds: [0, 10, 20], bucketCounts: [0, 4, 4, 2] };
    expect(distributionPercentile(distribution, 50)).toBe(12.5);
    expect(distributionPercentile(distribution, 20)).toBe(5);
    expect(distributionPercentile(distribution, 95)).toBe(20);
  });
});

describe('TrafficModel', () => {
  const placement = { projectId: 'p' };

  it('applies a change from the sample period in progress, which counts in full', () => {
    const model = new TrafficModel(10 * SECOND, placement);
    model.set({ destinationService: 'a', requestsPerMinute: 60, pods: 1 }, T0 + 3 * SECOND);
    model.set({ destinationService: 'a', requestsPerMinute: 120, pods: 1 }, T0 + 25 * SECOND);
    model.stop('a', T0 + 41 * SECOND);

    const [series] = model.series(REQUEST_COUNT, T0 - MINUTE, T0 + MINUTE);

    expect(series!.points.map((point) => [(point.endMs - T0) / SECOND, point.value])).toEqual([
      [40, 20],
      [30, 20],
      [20, 10],
      [10, 10],
    ]);
  });

  it('keeps earlier segments when a destination stops and starts again, and writes latencies for the same requests', () => {
    const model = new TrafficModel(SECOND, placement);
    model.set({ destinationService: 'a', requestsPerMinute: 600, errorShare: 0.5 }, T0);
    model.stop('a', T0 + 10 * SECOND);
    model.set({ destinationService: 'a', requestsPerMinute: 600, resetShare: 0.2, clientErrorShare: 0.1 }, T0 + 20 * SECOND);

    const counts = model.series(REQUEST_COUNT, T0, T0 + 30 * SECOND);
    const latencies = model.series(ROUNDTRIP_LATENCIES, T0, T0 + 30 * SECOND);

    const byCode = (code: string) => sumPoints(counts.filter((one) => one.metric.labels['response_code'] === code));
    expect([byCode('200'), byCode('503'), byCode('0'), byCode('404')]).toEqual([50 + 70, 50, 20, 10]);
    expect(latencies.flatMap((one) => one.points).reduce((sum, point) => sum + (point.value as Distribution).count, 0)).toBe(200);
    expect(counts.map((one) => one.metric.labels['response_code']).sort()).toEqual(['0', '0', '200', '200', '404', '404', '503', '503']);
  });
});

describe('pageOfPoints', () => {
  const series = (name: string, points: number): TimeSeries => ({
    metric: { type: REQUEST_COUNT, labels: { name } },
    resource: { type: 'k8s_pod', labels: {} },
    metricKind: 'DELTA',
    valueType: 'INT64',
    unit: '1',
    points: Array.from({ length: points }, (_, index) => ({ startMs: index, endMs: index + 1, value: index })),
  });

  it('splits series across pages and ends without a next offset', () => {
    const all = [series('a', 3), series('b', 2), series('c', 1)];
    const pages = [0, 2, 4].map((offset) => pageOfPoints(all, offset, 2));
    expect(pages.map((page) => [page.series.map((one) => `${one.metric.labels['name']}${one.points.length}`), page.nextOffset])).toEqual([
      [['a2'], 2],
      [['a1', 'b1'], 4],
      [['b1', 'c1'], undefined],
    ]);
  });
});
