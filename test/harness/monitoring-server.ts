/**
 * A local Cloud Monitoring API (google.monitoring.v3.MetricService over insecure gRPC on
 * 127.0.0.1) serving ListTimeSeries from a traffic model and from series that tests seed, with
 * hooks to inject faults and delays. Every other method answers UNIMPLEMENTED.
 *
 * The real client reaches it with
 *   process.env.METADATA_SERVER_DETECTION = 'none';   // no metadata-server probe
 *   new MetricServiceClient({ apiEndpoint: '127.0.0.1', port: server.port, sslCreds: grpc.credentials.createInsecure() } as never)
 * and needs no credentials: given sslCreds, google-gax uses them as the channel credentials and
 * never asks google-auth-library for a token; ListTimeSeries names its project in the request.
 * The client retries UNAVAILABLE on its own (100 ms backoff growing ×1.3, for up to 10 minutes),
 * so an injected UNAVAILABLE shows up as repeated calls; with the call option
 * `{ retry: { retryCodes: [] } }` it reaches the caller at once.
 *
 * Traffic: setTraffic() takes effect from the sample period in progress on the server's clock,
 * which counts in full under the new profile; earlier periods keep the profile they had.
 */
import * as grpc from '@grpc/grpc-js';
import { FaultQueue, startLocalGrpcServer, unaryMethod } from './grpc-server.js';
import type { LocalGrpcServer } from './grpc-server.js';
import { DEFAULT_PROJECT_ID } from './logging/entries.js';
import { listTimeSeries } from './monitoring/list.js';
import type { ListTimeSeriesRequest, ListTimeSeriesResponse, SeriesSource } from './monitoring/list.js';
import { ISTIO_METRICS } from './monitoring/metrics.js';
import { metricServiceDefinition } from './monitoring/protos.js';
import { SeedStore } from './monitoring/seeds.js';
import type { SeedSeries } from './monitoring/seeds.js';
import type { SeriesType } from './monitoring/aggregation-spec.js';
import { mergeSameSeries } from './monitoring/series.js';
import type { TimeSeries } from './monitoring/series.js';
import { TrafficModel } from './monitoring/traffic.js';
import type { HostTraffic } from './monitoring/traffic-profile.js';

export { DEFAULT_PROJECT_ID } from './logging/entries.js';
export { ISTIO_LATENCY_BOUNDS, distributionPercentile } from './monitoring/distribution.js';
export { REQUEST_COUNT, ROUNDTRIP_LATENCIES } from './monitoring/metrics.js';
export { parseFilter, MonitoringFilterError } from './monitoring/filter-parser.js';
export { podName } from './monitoring/traffic-profile.js';
export type { HostTraffic } from './monitoring/traffic-profile.js';
export type { DistributionInput, SeedPoint, SeedSeries } from './monitoring/seeds.js';
export type { ListTimeSeriesRequest } from './monitoring/list.js';

export interface MonitoringServerOptions {
  /** Default DEFAULT_PROJECT_ID; ListTimeSeries for any other project answers PERMISSION_DENIED. */
  projectId?: string;
  /** The server's clock: traffic changes, visibility and the first page of a query read it. */
  now?: () => Date;
  /** Raw points every this many ms, end times on multiples of it; default 60,000 as Istio writes them. */
  samplePeriodMs?: number;
  /** A point becomes visible this long after its end time; default 0 (Cloud Monitoring: up to 180 s). */
  visibilityDelayMs?: number;
  /** Smallest alignment period accepted; default 60 as Cloud Monitoring. Tests and the demo use 1 or 2. */
  minAlignmentSeconds?: number;
  /** resource.labels of the caller pods; defaults 'us-central1' and 'mesh-cluster'. */
  location?: string;
  cluster?: string;
}

export interface MonitoringServer {
  /** `127.0.0.1:PORT`; the Node client wants apiEndpoint + port. */
  readonly endpoint: string;
  readonly port: number;
  readonly projectId: string;
  /** Every ListTimeSeries request received, decoded (snake_case), including those answered with a fault. */
  readonly calls: readonly ListTimeSeriesRequest[];
  /** Starts or changes a destination's traffic from the sample period in progress on. */
  setTraffic(traffic: HostTraffic | readonly HostTraffic[]): void;
  /** Ends a destination's traffic from the sample period in progress on. */
  stopTraffic(destinationService: string): void;
  /** Seeds raw series next to the traffic model's (same identity: points are merged). */
  addPoints(series: SeedSeries | readonly SeedSeries[]): void;
  /** Answers the next `times` ListTimeSeries calls with this status. */
  failCalls(times: number, code: grpc.status, details?: string): void;
  /** Answers every ListTimeSeries call with this status until stopFailing(). */
  failAllCalls(code: grpc.status, details?: string): void;
  stopFailing(): void;
  /** Holds every ListTimeSeries answer for `ms` (0 to stop). */
  delayCalls(ms: number): void;
  /** Forgets traffic, seeded series, recorded calls, faults and the delay. */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_DETAILS: Partial<Record<grpc.status, string>> = {
  [grpc.status.RESOURCE_EXHAUSTED]:
    "Quota exceeded for quota metric 'Time series queries' and limit 'Time series queries per minute' of service 'monitoring.googleapis.com'",
  [grpc.status.PERMISSION_DENIED]: 'Permission monitoring.timeSeries.list denied (or the resource may not exist).',
  [grpc.status.UNAVAILABLE]: 'The service is currently unavailable.',
  [grpc.status.DEADLINE_EXCEEDED]: 'Deadline exceeded.',
  [grpc.status.INTERNAL]: 'Internal error encountered.',
};

export async function startMonitoringServer(options: MonitoringServerOptions = {}): Promise<MonitoringServer> {
  const state = new MonitoringState(options);
  const server = await startLocalGrpcServer(metricServiceDefinition(), {
    ListTimeSeries: unaryMethod((request: ListTimeSeriesRequest) => state.answerList(request)),
  });
  return createFacade(state, server);
}

function createFacade(state: MonitoringState, server: LocalGrpcServer): MonitoringServer {
  const detailsFor = (code: grpc.status, details?: string) => details ?? DEFAULT_DETAILS[code] ?? grpc.status[code];
  return {
    endpoint: server.endpoint,
    port: server.port,
    projectId: state.projectId,
    calls: state.calls,
    setTraffic: (traffic) => state.setTraffic(traffic),
    stopTraffic: (destinationService) => state.traffic.stop(destinationService, state.nowMs()),
    addPoints: (series) => state.seeds.add(Array.isArray(series) ? series : [series as SeedSeries]),
    failCalls: (times, code, details) => state.faults.add(times, { code, details: detailsFor(code, details) }),
    failAllCalls: (code, details) => (state.faults.persistent = { code, details: detailsFor(code, details) }),
    stopFailing: () => state.faults.stopFailing(),
    delayCalls: (ms) => (state.faults.delayMs = ms),
    reset: () => state.reset(),
    close: () => server.shutDown(),
  };
}

class MonitoringState implements SeriesSource {
  readonly projectId: string;
  readonly calls: ListTimeSeriesRequest[] = [];
  readonly traffic: TrafficModel;
  readonly seeds: SeedStore;
  /** Faults and the delay for ListTimeSeries. */
  readonly faults = new FaultQueue();
  private readonly now: () => Date;
  private readonly visibilityDelayMs: number;
  private readonly minAlignmentSeconds: number;

  constructor(options: MonitoringServerOptions) {
    this.projectId = options.projectId ?? DEFAULT_PROJECT_ID;
    this.now = options.now ?? (() => new Date());
    this.visibilityDelayMs = options.visibilityDelayMs ?? 0;
    this.minAlignmentSeconds = options.minAlignmentSeconds ?? 60;
    const samplePeriodMs = options.samplePeriodMs ?? 60_000;
    this.traffic = new TrafficModel(samplePeriodMs, { projectId: this.projectId, location: options.location, cluster: options.cluster });
    this.seeds = new SeedStore(this.projectId, samplePeriodMs);
  }

  nowMs(): number {
    return this.now().getTime();
  }

  setTraffic(traffic: HostTraffic | readonly HostTraffic[]): void {
    const atMs = this.nowMs();
    for (const one of Array.isArray(traffic) ? traffic : [traffic as HostTraffic]) this.traffic.set(one, atMs);
  }

  async answerList(request: ListTimeSeriesRequest): Promise<ListTimeSeriesResponse> {
    this.calls.push(request);
    await this.faults.hold();
    return listTimeSeries(request, {
      projectId: this.projectId,
      nowMs: this.nowMs(),
      minAlignmentSeconds: this.minAlignmentSeconds,
      visibilityDelayMs: this.visibilityDelayMs,
      source: this,
    });
  }

  series(metricType: string, fromMs: number, toMs: number): TimeSeries[] {
    return mergeSameSeries([...this.traffic.series(metricType, fromMs, toMs), ...this.seeds.series(metricType, fromMs, toMs)]);
  }

  describe(metricType: string): SeriesType | undefined {
    const descriptor = ISTIO_METRICS[metricType];
    if (descriptor) return descriptor;
    const metricKind = this.seeds.kindOf(metricType);
    const valueType = this.seeds.valueTypeOf(metricType);
    return metricKind && valueType ? { metricKind, valueType } : undefined;
  }

  reset(): void {
    this.traffic.clear();
    this.seeds.clear();
    this.calls.length = 0;
    this.faults.reset();
  }
}
