import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { histogramCount, histogramQuantile } from '../../src/domain/rates/latency-histogram.js';
import type { TrafficWindow } from '../../src/domain/rates/traffic-window.js';
import type { CallPolicy } from '../../src/metrics/list-time-series.js';
import { MetricsError } from '../../src/metrics/metrics-error.js';
import { createMonitoringClient } from '../../src/metrics/monitoring-client.js';
import { CloudRateSource, type RateQuery } from '../../src/metrics/rate-source.js';
import { REQUEST_COUNT, ROUNDTRIP_LATENCIES, startMonitoringServer, type ListTimeSeriesRequest, type MonitoringServer, type SeedSeries } from '../harness/monitoring-server.js';
import { eventually } from '../support/meshbot-stack.js';

process.env.METADATA_SERVER_DETECTION = 'none';

/**
 * A fixed, hand-moved server clock and Cloud Monitoring's own 60 s sample period and minimum
 * alignment: traffic set at 10:00:30 counts from the period 10:00–10:01 on, and with the clock at
 * 10:05 the five minutes 10:00–10:05 are complete and visible. No test waits for a real minute.
 */
const T0 = Date.parse('2026-12-01T10:00:00Z');
const MINUTE = 60_000;
const OLD = 'cr-service-entry.com';
const NEW = 'cr-gcpbackend.com';
const DESTINATION = 'metric.labels.destination_service_name';
const RESPONSE_CODE = 'metric.labels.response_code';

let clockMs = T0;
let server: MonitoringServer;
const opened: CloudRateSource[] = [];

const FAST: CallPolicy = { timeoutMs: 500, attempts: 3, backoffMs: 10, maxPages: 20, deadlineMs: 5000 };
/** The real client (createMonitoringClient) made by CloudRateSource on first use, for `projectId` (default the server's). */
function source(policy: CallPolicy = FAST, projectId: string = server.projectId): CloudRateSource {
  const made = new CloudRateSource(() => createMonitoringClient({ projectId, endpoint: server.endpoint }), projectId, policy);
  opened.push(made);
  return made;
}
const query = (extra: Partial<RateQuery> = {}): RateQuery => ({ callerNamespace: 'payments', fromService: OLD, toService: NEW, startMs: T0, endMs: T0 + 5 * MINUTE, windowMs: MINUTE, ...extra });
const requestFor = (metricType: string): ListTimeSeriesRequest | undefined => server.calls.find((c) => c.filter.includes(`"${metricType}"`));

/** 1,000 rpm to the new host: 20 × 503 + 10 × code 0 (failed) and 50 × 404 (not failed) a minute; 2,000 rpm to the old: 2 × 503 and 20 × 404 a minute. */
function startTraffic(): void {
  clockMs = T0 + 30_000;
  server.setTraffic([
    { destinationService: NEW, requestsPerMinute: 1000, errorShare: 0.02, resetShare: 0.01, clientErrorShare: 0.05, p50Ms: 40, p99Ms: 300 },
    { destinationService: OLD, requestsPerMinute: 2000, errorShare: 0.001, clientErrorShare: 0.01, p50Ms: 20, p99Ms: 80 },
  ]);
  clockMs = T0 + 5 * MINUTE;
}

/** One request_count (or latency) point per minute 10:00–10:05 for a series of the given labels. */
function perMinute(metricType: string, labels: Record<string, string>, value: SeedSeries['points'][number]['value']): SeedSeries {
  return { metricType, metricLabels: labels, points: Array.from({ length: 5 }, (_, i) => ({ endTime: T0 + (i + 1) * MINUTE, value })) };
}

beforeAll(async () => {
  server = await startMonitoringServer({ now: () => new Date(clockMs) });
});
beforeEach(() => {
  server.reset();
  clockMs = T0;
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((one) => one.close()));
});
afterAll(async () => {
  await server.close();
});

describe('CloudRateSource.windows against the local Cloud Monitoring', () => {
  it('gives exact requests and failed counts per window for both hosts (503 and code 0 fail, 404 does not)', async () => {
    startTraffic();
    const windows = await source().windows(query());
    expect(windows).toHaveLength(5);
    for (const w of windows) {
      expect({ requests: w.to.requests, failed: w.to.failed }).toEqual({ requests: 1000, failed: 30 });
      expect({ requests: w.from.requests, failed: w.from.failed }).toEqual({ requests: 2000, failed: 2 });
    }
  });

  it('returns the windows oldest first, aligned to the query start, empty before the traffic began and after the clock', async () => {
    startTraffic();
    const windows = await source().windows(query({ startMs: T0 - 2 * MINUTE, endMs: T0 + 7 * MINUTE }));
    expect(windows.map((w) => [w.startMs - T0, w.endMs - T0])).toEqual(Array.from({ length: 9 }, (_, i) => [(i - 2) * MINUTE, (i - 1) * MINUTE]));
    // 10:00–10:05 carry traffic; 09:58–10:00 came before it, 10:05–10:07 are not written yet at 10:05.
    expect(windows.map((w) => w.to.requests)).toEqual([0, 0, 1000, 1000, 1000, 1000, 1000, 0, 0]);
    expect(windows.map((w) => w.from.failed)).toEqual([0, 0, 2, 2, 2, 2, 2, 0, 0]);
  });

  it('a host with no traffic gets zero-request windows without latency', async () => {
    startTraffic();
    const windows = await source().windows(query({ toService: 'idle.payments.svc' }));
    expect(windows.map((w) => w.to)).toEqual(Array.from({ length: 5 }, () => ({ requests: 0, failed: 0, latency: undefined })));
    expect(windows.map((w) => w.from.requests)).toEqual([2000, 2000, 2000, 2000, 2000]);
  });

  it('carries each window latency histogram, every request in it, with the p99 in the profile bucket', async () => {
    startTraffic();
    const windows = await source().windows(query());
    for (const w of windows) {
      expect(histogramCount(w.to.latency)).toBe(1000);
      expect(histogramCount(w.from.latency)).toBe(2000);
      // Istio's buckets: 300 ms lies in [256, 512), 80 ms in [64, 128), p50s 40 in [32, 64) and 20 in [16, 32).
      const toP99 = histogramQuantile(w.to.latency, 0.99)!;
      const fromP99 = histogramQuantile(w.from.latency, 0.99)!;
      expect(toP99).toBeGreaterThanOrEqual(256);
      expect(toP99).toBeLessThan(512);
      expect(fromP99).toBeGreaterThanOrEqual(64);
      expect(fromP99).toBeLessThan(128);
      expect(histogramQuantile(w.to.latency, 0.5)).toBeGreaterThanOrEqual(32);
      expect(histogramQuantile(w.to.latency, 0.5)).toBeLessThan(64);
      expect(histogramQuantile(w.from.latency, 0.5)).toBeGreaterThanOrEqual(16);
      expect(histogramQuantile(w.from.latency, 0.5)).toBeLessThan(32);
    }
  });

  it('counts only the callers in the namespace asked for', async () => {
    startTraffic();
    // Another namespace's callers reach the new host too, failing a lot and slowly: none of it may count.
    const batch = { destination_service_name: NEW, source_workload_namespace: 'batch', response_code: '503' };
    server.addPoints([perMinute(REQUEST_COUNT, batch, 700), perMinute(ROUNDTRIP_LATENCIES, { destination_service_name: NEW, source_workload_namespace: 'batch' }, { bucketCounts: [...new Array<number>(21).fill(0), 700] })]);
    const windows = await source().windows(query());
    expect(windows.map((w) => [w.to.requests, w.to.failed, histogramCount(w.to.latency)])).toEqual(Array.from({ length: 5 }, () => [1000, 30, 1000]));
    const fromBatch = await source().windows(query({ callerNamespace: 'batch' }));
    expect(fromBatch.map((w) => [w.to.requests, w.to.failed, histogramCount(w.to.latency), w.from.requests])).toEqual(Array.from({ length: 5 }, () => [700, 700, 700, 0]));
    expect(histogramQuantile(fromBatch[0]!.to.latency, 0.99)).toBe(2 ** 19);
  });

  it('asks for one metric type per query, per-window deltas summed by destination (and response code), over the query interval', async () => {
    startTraffic();
    await source().windows(query());
    expect(server.calls).toHaveLength(2);
    const interval = { start_time: { seconds: T0 / 1000, nanos: 0 }, end_time: { seconds: (T0 + 5 * MINUTE) / 1000, nanos: 0 } };
    const expected = (metricType: string, groupBy: string[]) => ({
      name: `projects/${server.projectId}`,
      interval,
      aggregation: { alignment_period: { seconds: 60, nanos: 0 }, per_series_aligner: 'ALIGN_DELTA', cross_series_reducer: 'REDUCE_SUM', group_by_fields: groupBy },
      view: 'FULL',
      page_token: '',
    });
    const counts = requestFor(REQUEST_COUNT)!;
    const latencies = requestFor(ROUNDTRIP_LATENCIES)!;
    expect(counts).toMatchObject(expected(REQUEST_COUNT, [DESTINATION, RESPONSE_CODE]));
    expect(latencies).toMatchObject(expected(ROUNDTRIP_LATENCIES, [DESTINATION]));
    for (const [request, metricType] of [[counts, REQUEST_COUNT], [latencies, ROUNDTRIP_LATENCIES]] as const) {
      expect(request.filter.match(/metric\.type\s*=/g)).toHaveLength(1);
      expect(request.filter).toContain(`metric.type="${metricType}"`);
      expect(request.filter).toContain('metric.labels.source_workload_namespace="payments"');
      expect(request.filter).toContain(`${DESTINATION}="${OLD}"`);
      expect(request.filter).toContain(`${DESTINATION}="${NEW}"`);
    }
  });

  it('asks nothing for an empty span', async () => {
    expect(await source().windows(query({ endMs: T0 }))).toEqual([]);
    expect(server.calls).toHaveLength(0);
  });
});

describe('CloudRateSource.destinations', () => {
  it('lists the destination_service_name values the namespace called in the span, sorted', async () => {
    startTraffic();
    server.addPoints([
      perMinute(REQUEST_COUNT, { destination_service_name: 'ledger.payments.svc', source_workload_namespace: 'payments', response_code: '200' }, 5),
      perMinute(REQUEST_COUNT, { destination_service_name: 'only-batch.svc', source_workload_namespace: 'batch', response_code: '200' }, 5),
    ]);
    expect(await source().destinations('payments', T0, T0 + 5 * MINUTE)).toEqual([OLD, NEW, 'ledger.payments.svc'].sort());
    expect(await source().destinations('batch', T0, T0 + 5 * MINUTE)).toEqual(['only-batch.svc']);
    expect(await source().destinations('payments', T0 - 10 * MINUTE, T0)).toEqual([]);
  });

  it('reads every page when there are more series than a page holds', async () => {
    // view HEADERS with page_size 1000 counts series: 2,100 seeded ones take three pages.
    const names = Array.from({ length: 2100 }, (_, i) => `svc-${String(i).padStart(4, '0')}.payments.svc`);
    server.addPoints(names.map((name) => ({ metricType: REQUEST_COUNT, metricLabels: { destination_service_name: name, source_workload_namespace: 'payments', response_code: '200' }, points: [{ endTime: T0 + MINUTE, value: 1 }] })));
    clockMs = T0 + 5 * MINUTE;
    const listed = await source().destinations('payments', T0, T0 + 5 * MINUTE);
    expect(listed).toEqual(names);
    expect(server.calls).toHaveLength(3);
    expect(server.calls.map((c) => c.page_size)).toEqual([1000, 1000, 1000]);
    expect(server.calls[0]!.page_token).toBe('');
    expect(server.calls[1]!.page_token).not.toBe('');
    expect(server.calls[2]!.page_token).not.toBe(server.calls[1]!.page_token);
  });

  it('more pages than the policy allows fail the query rather than answer with part of it', async () => {
    const names = Array.from({ length: 1500 }, (_, i) => `svc-${String(i).padStart(4, '0')}.payments.svc`);
    server.addPoints(names.map((name) => ({ metricType: REQUEST_COUNT, metricLabels: { destination_service_name: name, source_workload_namespace: 'payments', response_code: '200' }, points: [{ endTime: T0 + MINUTE, value: 1 }] })));
    clockMs = T0 + 5 * MINUTE;
    const error = await source({ ...FAST, maxPages: 1 }).destinations('payments', T0, T0 + 5 * MINUTE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetricsError);
    expect((error as Error).message).toBe('Cloud Monitoring series discovery: more than 1 pages; nothing was judged on part of the data');
  });
});

describe('Cloud Monitoring faults', () => {
  it('UNAVAILABLE twice, then an answer: the query succeeds after two retries', async () => {
    startTraffic();
    server.failCalls(2, status.UNAVAILABLE);
    expect(await source().destinations('payments', T0, T0 + 5 * MINUTE)).toEqual([OLD, NEW].sort());
    expect(server.calls).toHaveLength(3);
  });

  it('UNAVAILABLE on the first call of both window queries: both retried, the windows exact', async () => {
    startTraffic();
    server.failCalls(2, status.UNAVAILABLE);
    const windows: TrafficWindow[] = await source().windows(query());
    expect(windows.map((w) => [w.to.requests, w.to.failed, w.from.requests, w.from.failed])).toEqual(Array.from({ length: 5 }, () => [1000, 30, 2000, 2]));
    expect(server.calls).toHaveLength(4);
  });

  it('UNAVAILABLE always: a MetricsError after the policy attempts, within a bounded time', async () => {
    startTraffic();
    server.failAllCalls(status.UNAVAILABLE, 'backend restarting');
    const started = Date.now();
    const error = await source().destinations('payments', T0, T0 + 5 * MINUTE).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error).toBeInstanceOf(MetricsError);
    expect(error).toMatchObject({ code: status.UNAVAILABLE, transient: true });
    expect((error as Error).message).toContain('series discovery');
    expect((error as Error).message).toContain('UNAVAILABLE: backend restarting');
    expect(server.calls).toHaveLength(3);

    server.reset();
    server.failAllCalls(status.UNAVAILABLE);
    const windowsStarted = Date.now();
    const windowsError = await source().windows(query()).catch((e: unknown) => e);
    expect(Date.now() - windowsStarted).toBeLessThan(1500);
    expect(windowsError).toBeInstanceOf(MetricsError);
    expect(windowsError).toMatchObject({ code: status.UNAVAILABLE, transient: true });
    // Both queries use their three attempts, none more.
    await eventually(() => expect(server.calls).toHaveLength(6));
    await new Promise((r) => setTimeout(r, 100));
    expect(server.calls).toHaveLength(6);
  });

  it('PERMISSION_DENIED fails at once, naming the role to grant', async () => {
    startTraffic();
    // The server denies any project but its own, as Cloud Monitoring does without roles/monitoring.viewer.
    const error = await source(FAST, 'someone-elses-project').destinations('payments', T0, T0 + 5 * MINUTE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetricsError);
    expect(error).toMatchObject({ code: status.PERMISSION_DENIED, transient: false });
    expect((error as Error).message).toContain('roles/monitoring.viewer');
    expect((error as Error).message).toContain('PERMISSION_DENIED');
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]!.name).toBe('projects/someone-elses-project');

    server.reset();
    server.failAllCalls(status.PERMISSION_DENIED);
    const windowsError = await source().windows(query()).catch((e: unknown) => e);
    expect(windowsError).toBeInstanceOf(MetricsError);
    expect((windowsError as Error).message).toContain('roles/monitoring.viewer');
    await new Promise((r) => setTimeout(r, 100));
    expect(server.calls).toHaveLength(2);
  });

  it('an answer slower than timeoutMs fails with DEADLINE_EXCEEDED as a MetricsError, each attempt bounded by the timeout', async () => {
    startTraffic();
    server.delayCalls(600);
    const policy: CallPolicy = { timeoutMs: 150, attempts: 3, backoffMs: 10, maxPages: 20, deadlineMs: 5000 };
    const started = Date.now();
    const error = await source(policy).destinations('payments', T0, T0 + 5 * MINUTE).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(MetricsError);
    expect(error).toMatchObject({ code: status.DEADLINE_EXCEEDED, transient: true });
    expect((error as Error).message).toContain('DEADLINE_EXCEEDED');
    expect(server.calls).toHaveLength(3);
    // Three attempts of 150 ms and 10 + 20 ms of backoff; far below three held answers (1,800 ms).
    expect(elapsed).toBeGreaterThanOrEqual(3 * 150);
    expect(elapsed).toBeLessThan(1200);
  });

  it('the whole query stops at its deadline, retries included', async () => {
    startTraffic();
    server.delayCalls(300);
    const policy: CallPolicy = { timeoutMs: 250, attempts: 10, backoffMs: 10, maxPages: 20, deadlineMs: 600 };
    const started = Date.now();
    const error = await source(policy).destinations('payments', T0, T0 + 5 * MINUTE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetricsError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.calls.length).toBeLessThan(5);
  });

  it('when one of the two queries of a window read fails for good, the other stops retrying', async () => {
    startTraffic();
    // The first query answered is refused for good; the other meets UNAVAILABLE, which it would retry 4 times over 750 ms.
    server.failCalls(1, status.PERMISSION_DENIED);
    server.failAllCalls(status.UNAVAILABLE);
    const error = await source({ ...FAST, attempts: 5, backoffMs: 50 }).windows(query()).catch((e: unknown) => e);
    expect((error as Error).message).toContain('PERMISSION_DENIED');
    await new Promise((r) => setTimeout(r, 1000));
    expect(server.calls).toHaveLength(2);
  });
});
