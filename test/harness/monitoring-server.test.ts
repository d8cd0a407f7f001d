import * as grpc from '@grpc/grpc-js';
import { MetricServiceClient } from '@google-cloud/monitoring';
import type { protos } from '@google-cloud/monitoring';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { distributionPercentile, ISTIO_LATENCY_BOUNDS, podName, REQUEST_COUNT, ROUNDTRIP_LATENCIES, startMonitoringServer } from './monitoring-server.js';
import type { MonitoringServer, MonitoringServerOptions } from './monitoring-server.js';
import { rejection } from '../support/grpc-rejection.js';

type Request = protos.google.monitoring.v3.IListTimeSeriesRequest;
type Series = protos.google.monitoring.v3.ITimeSeries;
type Aggregation = protos.google.monitoring.v3.IAggregation;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const T0 = Date.parse('2026-03-02T10:00:00Z');
const GCP = 'cr-gcpbackend.com';
const LEGACY = 'legacy.payments.example.com';
const COUNT_FILTER = `metric.type = "${REQUEST_COUNT}"`;
const LATENCY_FILTER = `metric.type = "${ROUNDTRIP_LATENCIES}"`;

let clock: number;
let server: MonitoringServer;
let client: MetricServiceClient;

beforeAll(() => {
  process.env.METADATA_SERVER_DETECTION = 'none';
});

beforeEach(async () => {
  clock = T0;
  server = await startTestServer();
  client = clientFor(server);
});

afterEach(async () => {
  await client.close();
  await server.close();
});

function startTestServer(options: MonitoringServerOptions = {}): Promise<MonitoringServer> {
  return startMonitoringServer({ now: () => new Date(clock), samplePeriodMs: SECOND, minAlignmentSeconds: 1, ...options });
}

function clientFor(target: MonitoringServer): MetricServiceClient {
  return new MetricServiceClient({ apiEndpoint: '127.0.0.1', port: target.port, sslCreds: grpc.credentials.createInsecure() } as never);
}

function interval(fromMs: number, toMs: number): Request['interval'] {
  return { startTime: { seconds: fromMs / SECOND }, endTime: { seconds: toMs / SECOND } };
}

function sumBy(period: number, groupByFields: string[], aligner: Aggregation['perSeriesAligner'] = 'ALIGN_DELTA'): Aggregation {
  return { alignmentPeriod: { seconds: period }, perSeriesAligner: aligner, crossSeriesReducer: 'REDUCE_SUM', groupByFields };
}

async function list(request: Request, target = client): Promise<Series[]> {
  const [series] = await target.listTimeSeries({ name: `projects/${server.projectId}`, view: 'FULL', ...request }, { autoPaginate: false });
  return series;
}

const endMs = (point: protos.google.monitoring.v3.IPoint) => Number(point.interval!.endTime!.seconds) * SECOND;
const startMs = (point: protos.google.monitoring.v3.IPoint) => Number(point.interval!.startTime!.seconds) * SECOND;
const int64s = (series: Series | undefined) => (series?.points ?? []).map((point) => Number(point.value!.int64Value));
const total = (series: readonly Series[]) => series.flatMap(int64s).reduce((sum, value) => sum + value, 0);
const byCode = (series: readonly Series[], code: string) => series.filter((one) => one.metric!.labels!['response_code'] === code);

function distributionOf(point: protos.google.monitoring.v3.IPoint) {
  const value = point.value!.distributionValue!;
  const counts = (value.bucketCounts ?? []).map(Number);
  const bucketCounts = Array.from({ length: ISTIO_LATENCY_BOUNDS.length + 1 }, (_, index) => counts[index] ?? 0);
  return { count: Number(value.count), mean: value.mean ?? 0, bounds: value.bucketOptions!.explicitBuckets!.bounds!, bucketCounts };
}

describe('series shape', () => {
  it('lists a request_count series per caller pod and response code, shaped like Istio on k8s_pod', async () => {
    server.setTraffic({ destinationService: GCP, requestsPerMinute: 120, errorShare: 0.25 });
    clock += 10 * SECOND;

    const series = await list({ filter: `${COUNT_FILTER} AND metric.labels.destination_service_name = "${GCP}"`, interval: interval(T0, clock) });

    expect(series).toHaveLength(4);
    const pods = [podName('checkout', 'payments', 0), podName('checkout', 'payments', 1)];
    expect(new Set(series.map((one) => one.resource!.labels!['pod_name']))).toEqual(new Set(pods));
    expect(series[0]).toMatchObject({
      metricKind: 'DELTA',
      valueType: 'INT64',
      unit: '1',
      resource: { type: 'k8s_pod', labels: { project_id: 'meshbot-test', location: 'us-central1', cluster_name: 'mesh-cluster', namespace_name: 'payments' } },
      metric: {
        type: REQUEST_COUNT,
        labels: {
          destination_service_name: GCP,
          destination_service_namespace: 'payments',
          source_workload_name: 'checkout',
          source_workload_namespace: 'payments',
          request_protocol: 'http',
        },
      },
    });
    expect(total(series)).toBe(20);
    expect(total(byCode(series, '503'))).toBe(5);
    expect(total(byCode(series, '200'))).toBe(15);
    const points = series.flatMap((one) => one.points ?? []);
    expect(points.every((point) => endMs(point) - startMs(point) === SECOND && endMs(point) % SECOND === 0)).toBe(true);
    const ends = series[0]!.points!.map(endMs);
    expect(ends).toEqual([...ends].sort((a, b) => b - a));
    expect(Math.max(...points.map(endMs))).toBe(clock);
    expect(Math.min(...points.map(endMs))).toBe(T0 + SECOND);
  });

  it('lists latencies as DISTRIBUTION in ms on Istio buckets, counting every request', async () => {
    server.setTraffic({ destinationService: GCP, requestsPerMinute: 600, errorShare: 0.1 });
    clock += 30 * SECOND;

    const series = await list({ filter: LATENCY_FILTER, interval: interval(T0, clock) });

    expect(series.map((one) => one.metric!.labels!['response_code']).sort()).toEqual(['200', '200', '503', '503']);
    expect(series[0]).toMatchObject({ metricKind: 'DELTA', valueType: 'DISTRIBUTION', unit: 'ms' });
    const distributions = series.flatMap((one) => one.points!.map(distributionOf));
    expect(distributions[0]!.bounds).toEqual([0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288]);
    expect(distributions.reduce((sum, one) => sum + one.count, 0)).toBe(300);
    expect(distributions.every((one) => one.bucketCounts.reduce((sum, count) => sum + count, 0) === one.count)).toBe(true);
  });
});

describe('filters', () => {
  beforeEach(() => {
    server.setTraffic([
      { destinationService: GCP, requestsPerMinute: 600, errorShare: 0.1 },
      { destinationService: LEGACY, requestsPerMinute: 600, sourceWorkload: 'billing', pods: 1 },
    ]);
    clock += 5 * SECOND;
  });

  async function destinations(filter: string): Promise<string[]> {
    const series = await list({ filter: `${COUNT_FILTER} ${filter}`, interval: interval(T0, clock), view: 'HEADERS' });
    return series.map((one) => `${one.metric!.labels!['destination_service_name']}/${one.metric!.labels!['response_code']}`).sort();
  }

  it('selects by labels with =, !=, functions, NOT, OR, parentheses and both label spellings', async () => {
    expect(await destinations(`AND metric.labels.destination_service_name = one_of("${GCP}", "other")`)).toEqual([`${GCP}/200`, `${GCP}/200`, `${GCP}/503`, `${GCP}/503`]);
    expect(await destinations('metric.label.destination_service_name = starts_with("legacy.")')).toEqual([`${LEGACY}/200`]);
    expect(await destinations('AND metric.labels.destination_service_name = ends_with(".com") AND metric.labels.response_code != "200"')).toEqual([`${GCP}/503`, `${GCP}/503`]);
    expect(await destinations('AND NOT metric.labels.destination_service_name = has_substring("gcp")')).toEqual([`${LEGACY}/200`]);
    expect(
      await destinations(`AND (resource.labels.pod_name = "${podName('billing', 'payments', 0)}" OR metric.labels.response_code = "503") resource.type = "k8s_pod"`),
    ).toEqual([`${GCP}/503`, `${GCP}/503`, `${LEGACY}/200`]);
    expect(await destinations('AND resource.label.pod_name = starts_with("checkout-") AND metric.labels.response_code >= "500"')).toEqual([`${GCP}/503`, `${GCP}/503`]);
    expect(await destinations('AND resource.type = "gce_instance"')).toEqual([]);
  });

  it('reads escapes in quoted strings', async () => {
    server.addPoints({ metricType: REQUEST_COUNT, metricLabels: { note: 'say "hi"\\now' }, points: [{ endTime: clock, value: 7 }] });

    const series = await list({ filter: `${COUNT_FILTER} AND metric.labels.note = "say \\"hi\\"\\\\now"`, interval: interval(T0, clock) });

    expect(series.map(int64s)).toEqual([[7]]);
  });

  it('refuses filters without exactly one metric type, and bad syntax, naming the position', async () => {
    const query = (filter: string) => rejection(list({ filter, interval: interval(T0, clock) }));

    const none = await query('resource.type = "k8s_pod"');
    expect(none.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(none.details).toMatch(/^Field filter had an invalid value of "resource.type = \\?"k8s_pod\\?"": A time series filter must specify a metric type/);
    const two = await query(`${COUNT_FILTER} OR ${LATENCY_FILTER}`);
    expect(two.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(two.details).toMatch(/exactly one metric type/);
    const unbalanced = await query(`${COUNT_FILTER} AND (resource.type = "k8s_pod"`);
    expect(unbalanced.code).toBe(grpc.status.INVALID_ARGUMENT);
    // COUNT_FILTER is 53 characters long.
    expect(unbalanced.details).toMatch(/unbalanced '\(' at position 58\.$/);
    const selector = await query(`${COUNT_FILTER} metadata.system_labels.x = "y"`);
    expect(selector.details).toMatch(/unknown selector 'metadata.system_labels.x' at position 54\.$/);
  });
});

describe('requests', () => {
  it('answers PERMISSION_DENIED for another project and INVALID_ARGUMENT without a name', async () => {
    const other = await rejection(list({ name: 'projects/someone-else', filter: COUNT_FILTER, interval: interval(T0, clock) }));
    expect(other.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(other.details).toBe('Permission monitoring.timeSeries.list denied (or the resource may not exist).');

    const missing = await rejection(list({ name: '', filter: COUNT_FILTER, interval: interval(T0, clock) }));
    expect(missing.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('takes interval start as exclusive and end as inclusive', async () => {
    const start = T0 + MINUTE;
    const end = T0 + 3 * MINUTE;
    clock = end + MINUTE;
    server.addPoints({
      metricType: REQUEST_COUNT,
      metricLabels: { destination_service_name: GCP },
      points: [start - MINUTE, start, start + MINUTE, end, end + MINUTE].map((endTime, index) => ({ startTime: endTime - MINUTE, endTime, value: index + 1 })),
    });

    const [series] = await list({ filter: COUNT_FILTER, interval: interval(start, end) });

    expect(series!.points!.map(endMs)).toEqual([end, start + MINUTE]);
    expect(int64s(series)).toEqual([4, 3]);
    expect(startMs(series!.points![1]!)).toBe(start);
  });

  it('requires an end time, and a start time for DELTA metrics; a gauge without start is read at the instant', async () => {
    const noEnd = await rejection(list({ filter: COUNT_FILTER, interval: { startTime: { seconds: T0 / SECOND } } }));
    expect(noEnd.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(noEnd.details).toMatch(/interval.endTime is required/);
    const noStart = await rejection(list({ filter: COUNT_FILTER, interval: { endTime: { seconds: T0 / SECOND } } }));
    expect(noStart.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(noStart.details).toMatch(/startTime is required for metrics of kind DELTA/);

    server.addPoints({ metricType: 'custom.googleapis.com/queue_depth', metricKind: 'GAUGE', points: [{ endTime: T0 - MINUTE, value: 1 }, { endTime: T0, value: 2 }] });
    const [gauge] = await list({ filter: 'metric.type = "custom.googleapis.com/queue_depth"', interval: { endTime: { seconds: T0 / SECOND } } });
    expect(gauge).toMatchObject({ metricKind: 'GAUGE', valueType: 'INT64' });
    expect(int64s(gauge)).toEqual([2]);
  });

  it('records every request, with its filter, including those answered with a fault', async () => {
    server.failCalls(1, grpc.status.INTERNAL);
    await rejection(list({ filter: COUNT_FILTER, interval: interval(T0, clock) }));
    await list({ filter: `${LATENCY_FILTER} resource.type = "k8s_pod"`, interval: interval(T0 - MINUTE, T0) });

    expect(server.calls.map((call) => call.filter)).toEqual([COUNT_FILTER, `${LATENCY_FILTER} resource.type = "k8s_pod"`]);
    expect(server.calls[1]).toMatchObject({ name: 'projects/meshbot-test', view: 'FULL', interval: { start_time: { seconds: (T0 - MINUTE) / SECOND }, end_time: { seconds: T0 / SECOND } } });
  });

  it('answers UNIMPLEMENTED for other methods', async () => {
    const error = await rejection(client.listMetricDescriptors({ name: `projects/${server.projectId}` }, { autoPaginate: false }));
    expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
  });
});

describe('aggregation', () => {
  it('sums deltas per destination and response code exactly: 2,000 rpm at 0.05 % errors and 3 rpm', async () => {
    server.setTraffic([
      { destinationService: GCP, requestsPerMinute: 2000, errorShare: 0.0005 },
      { destinationService: LEGACY, requestsPerMinute: 3, sourceWorkload: 'billing' },
    ]);
    clock += 5 * MINUTE;

    const series = await list({
      filter: COUNT_FILTER,
      interval: interval(clock - 3 * MINUTE, clock),
      aggregation: sumBy(60, ['metric.labels.destination_service_name', 'metric.labels.response_code']),
    });

    const keyed = Object.fromEntries(series.map((one) => [`${one.metric!.labels!['destination_service_name']}/${one.metric!.labels!['response_code']}`, int64s(one)]));
    expect(keyed).toEqual({ [`${GCP}/200`]: [1999, 1999, 1999], [`${GCP}/503`]: [1, 1, 1], [`${LEGACY}/200`]: [3, 3, 3] });
    const [first] = series;
    expect(first!.metric!.labels).toEqual({ destination_service_name: GCP, response_code: '200' });
    expect(first!.resource).toMatchObject({ type: 'k8s_pod', labels: {} });
    expect(first!.points!.map((point) => [startMs(point), endMs(point)])).toEqual([
      [clock - MINUTE, clock],
      [clock - 2 * MINUTE, clock - MINUTE],
      [clock - 3 * MINUTE, clock - 2 * MINUTE],
    ]);
  });

  it('merges distributions and puts the percentiles in the buckets of the profile', async () => {
    server.setTraffic({ destinationService: GCP, requestsPerMinute: 1200, p50Ms: 300, p99Ms: 1500 });
    clock += 3 * MINUTE;
    const window = interval(clock - 2 * MINUTE, clock);

    const [merged] = await list({ filter: LATENCY_FILTER, interval: window, aggregation: sumBy(60, ['metric.labels.destination_service_name']) });
    expect(merged).toMatchObject({ valueType: 'DISTRIBUTION', metricKind: 'DELTA', metric: { labels: { destination_service_name: GCP } } });
    const distributions = merged!.points!.map(distributionOf);
    expect(distributions.map((one) => one.count)).toEqual([1200, 1200]);
    expect(distributionPercentile(distributions[0]!, 99)).toBeGreaterThanOrEqual(1024);
    expect(distributionPercentile(distributions[0]!, 99)).toBeLessThan(2048);

    const p99 = await list({ filter: LATENCY_FILTER, interval: window, aggregation: { alignmentPeriod: { seconds: 60 }, perSeriesAligner: 'ALIGN_PERCENTILE_99', crossSeriesReducer: 'REDUCE_MEAN' } });
    const p50 = await list({ filter: LATENCY_FILTER, interval: window, aggregation: { alignmentPeriod: { seconds: 60 }, perSeriesAligner: 'ALIGN_PERCENTILE_50', crossSeriesReducer: 'REDUCE_MAX' } });
    expect(p99[0]).toMatchObject({ valueType: 'DOUBLE', metricKind: 'GAUGE' });
    const doubles = (series: Series | undefined) => series!.points!.map((point) => point.value!.doubleValue!);
    expect(doubles(p99[0]).every((value) => value >= 1024 && value < 2048)).toBe(true);
    expect(doubles(p50[0]).every((value) => value >= 256 && value < 512)).toBe(true);
    expect(startMs(p99[0]!.points![0]!)).toBe(clock);
  });

  it('turns counts into rates and counts series', async () => {
    server.setTraffic({ destinationService: GCP, requestsPerMinute: 120, pods: 3 });
    clock += 2 * MINUTE;

    const [rate] = await list({ filter: COUNT_FILTER, interval: interval(clock - MINUTE, clock), aggregation: sumBy(60, [], 'ALIGN_RATE') });
    expect(rate).toMatchObject({ valueType: 'DOUBLE', metricKind: 'GAUGE', metric: { labels: {} } });
    expect(rate!.points!.map((point) => point.value!.doubleValue)).toEqual([2]);

    const [count] = await list({ filter: COUNT_FILTER, interval: interval(clock - MINUTE, clock), aggregation: { ...sumBy(60, []), crossSeriesReducer: 'REDUCE_COUNT' } });
    expect(int64s(count)).toEqual([3]);
  });

  it('refuses alignment periods below the minimum, a reducer without aligner and aligners that do not fit the metric', async () => {
    const strict = await startTestServer({ minAlignmentSeconds: undefined });
    const strictClient = clientFor(strict);
    try {
      const short = await rejection(list({ filter: COUNT_FILTER, interval: interval(T0 - MINUTE, T0), aggregation: sumBy(30, []) }, strictClient));
      expect(short.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(short.details).toMatch(/alignment period must be at least 60 seconds/);
      await expect(list({ filter: COUNT_FILTER, interval: interval(T0 - MINUTE, T0), aggregation: sumBy(60, []) }, strictClient)).resolves.toEqual([]);
    } finally {
      await strictClient.close();
      await strict.close();
    }

    const noAligner = await rejection(list({ filter: COUNT_FILTER, interval: interval(T0 - MINUTE, T0), aggregation: { crossSeriesReducer: 'REDUCE_SUM' } }));
    expect(noAligner.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(noAligner.details).toMatch(/per-series aligner other than ALIGN_NONE is required/);
    const noPeriod = await rejection(list({ filter: COUNT_FILTER, interval: interval(T0 - MINUTE, T0), aggregation: { perSeriesAligner: 'ALIGN_DELTA' } }));
    expect(noPeriod.details).toMatch(/alignmentPeriod is required/);
    const percentileOfCount = await rejection(list({ filter: COUNT_FILTER, interval: interval(T0 - MINUTE, T0), aggregation: { alignmentPeriod: { seconds: 60 }, perSeriesAligner: 'ALIGN_PERCENTILE_99' } }));
    expect(percentileOfCount.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(percentileOfCount.details).toMatch(/kind DELTA and value type INT64/);
  });
});

describe('views and paging', () => {
  beforeEach(() => {
    // Each of the two pods sends one 200 and one 503 a second.
    server.setTraffic({ destinationService: GCP, requestsPerMinute: 240, errorShare: 0.5 });
    clock += 6 * SECOND;
  });

  it('lists headers without points, raw or aggregated', async () => {
    const raw = await list({ filter: COUNT_FILTER, interval: interval(T0, clock), view: 'HEADERS' });
    expect(raw).toHaveLength(4);
    expect(raw.every((one) => one.points!.length === 0 && one.metric!.labels!['destination_service_name'] === GCP)).toBe(true);

    const grouped = await list({ filter: COUNT_FILTER, interval: interval(T0, clock), view: 'HEADERS', aggregation: sumBy(2, ['metric.labels.response_code']) });
    expect(grouped.map((one) => one.metric!.labels)).toEqual([{ response_code: '200' }, { response_code: '503' }]);
    expect(grouped.every((one) => one.points!.length === 0)).toBe(true);
  });

  it('pages FULL views by points, continuing a series on the next page, and HEADERS by series', async () => {
    const request: Request = { name: `projects/${server.projectId}`, filter: `${COUNT_FILTER} metric.labels.response_code = "200"`, interval: interval(T0, clock), view: 'FULL', pageSize: 4 };
    const pages: Series[][] = [];
    let next: Request | null | undefined = request;
    while (next) {
      const [series, nextRequest]: [Series[], Request | null | undefined, unknown] = await client.listTimeSeries(next, { autoPaginate: false });
      pages.push(series);
      next = nextRequest;
    }

    expect(pages.map((page) => page.map((one) => one.points!.length))).toEqual([[4], [2, 2], [4]]);
    expect(pages[1]![0]!.resource!.labels!['pod_name']).toBe(pages[0]![0]!.resource!.labels!['pod_name']);
    expect(server.calls.map((call) => call.page_size)).toEqual([4, 4, 4]);
    const [all] = await client.listTimeSeries({ ...request, pageSize: 5 });
    expect(all.flatMap((one) => one.points!).length).toBe(12);

    const [headers, nextHeaders] = await client.listTimeSeries({ ...request, view: 'HEADERS', pageSize: 1 }, { autoPaginate: false });
    expect(headers).toHaveLength(1);
    expect(nextHeaders?.pageToken).toBeTruthy();
  });

  it('refuses an unknown page token', async () => {
    const error = await rejection(list({ filter: COUNT_FILTER, interval: interval(T0, clock), pageToken: 'not-a-token' }));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/pageToken/);
  });
});

describe('timing and faults', () => {
  it('hides points until they are visibilityDelayMs old', async () => {
    const late = await startTestServer({ visibilityDelayMs: 5 * SECOND });
    const lateClient = clientFor(late);
    try {
      late.setTraffic({ destinationService: GCP, requestsPerMinute: 60, pods: 1 });
      clock += 10 * SECOND;
      const points = async () => (await list({ filter: COUNT_FILTER, interval: interval(T0, T0 + 10 * SECOND) }, lateClient)).flatMap((one) => one.points!.map(endMs));

      expect(await points()).toEqual([5, 4, 3, 2, 1].map((second) => T0 + second * SECOND));
      clock += 5 * SECOND;
      expect(await points()).toHaveLength(10);
    } finally {
      await lateClient.close();
      await late.close();
    }
  });

  it('answers injected faults with their gRPC code, as many times as asked or until stopped', async () => {
    const query = () => list({ filter: COUNT_FILTER, interval: interval(T0 - MINUTE, T0) });
    server.failCalls(1, grpc.status.RESOURCE_EXHAUSTED);
    const quota = await rejection(query());
    expect(quota.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(quota.details).toMatch(/^Quota exceeded for quota metric 'Time series queries'/);

    server.failAllCalls(grpc.status.PERMISSION_DENIED);
    expect((await rejection(query())).code).toBe(grpc.status.PERMISSION_DENIED);
    expect((await rejection(query())).code).toBe(grpc.status.PERMISSION_DENIED);
    server.stopFailing();
    await expect(query()).resolves.toEqual([]);

    // The client retries UNAVAILABLE by itself unless told not to.
    server.failCalls(2, grpc.status.UNAVAILABLE, 'backend restarting');
    await expect(query()).resolves.toEqual([]);
    expect(server.calls).toHaveLength(7);
    server.failCalls(1, grpc.status.UNAVAILABLE, 'backend restarting');
    const request = { name: `projects/${server.projectId}`, filter: COUNT_FILTER, interval: interval(T0 - MINUTE, T0) };
    const unavailable = await rejection(client.listTimeSeries(request, { autoPaginate: false, retry: { retryCodes: [] } } as never));
    expect([unavailable.code, unavailable.details]).toEqual([grpc.status.UNAVAILABLE, 'backend restarting']);
    expect(server.calls).toHaveLength(8);
  });

  it('delays answers when asked to', async () => {
    server.delayCalls(300);
    const started = Date.now();
    await list({ filter: COUNT_FILTER, interval: interval(T0 - MINUTE, T0) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe('traffic timeline', () => {
  it('changes traffic from "now" on, leaving earlier windows as they were, and stops it', async () => {
    server.setTraffic({ destinationService: GCP, requestsPerMinute: 600 });
    clock += 2 * MINUTE;
    server.setTraffic({ destinationService: GCP, requestsPerMinute: 1200, errorShare: 0.1 });
    clock += 2 * MINUTE;
    server.stopTraffic(GCP);
    clock += MINUTE;

    const series = await list({ filter: COUNT_FILTER, interval: interval(T0, clock), aggregation: sumBy(60, ['metric.labels.response_code']) });

    const windows = (code: string) => byCode(series, code)[0]!.points!.map((point) => [(endMs(point) - T0) / MINUTE, Number(point.value!.int64Value)]);
    expect(windows('200')).toEqual([
      [4, 1080],
      [3, 1080],
      [2, 600],
      [1, 600],
    ]);
    expect(windows('503')).toEqual([
      [4, 120],
      [3, 120],
    ]);
  });

  it('forgets traffic, seeds, calls and faults on reset', async () => {
    server.setTraffic({ destinationService: GCP, requestsPerMinute: 600 });
    server.addPoints({ metricType: REQUEST_COUNT, points: [{ endTime: T0, value: 1 }] });
    server.failAllCalls(grpc.status.UNAVAILABLE);
    clock += MINUTE;

    server.reset();

    expect(server.calls).toEqual([]);
    await expect(list({ filter: COUNT_FILTER, interval: interval(T0 - MINUTE, clock) })).resolves.toEqual([]);
  });
});
