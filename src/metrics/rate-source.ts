import type { MetricServiceClient } from '@google-cloud/monitoring';
import type { TrafficWindow } from '../domain/rates/traffic-window.js';
import { DESTINATION_LABEL, istioFilter, REQUEST_COUNT, RESPONSE_CODE_LABEL, ROUNDTRIP_LATENCIES } from './istio-metrics.js';
import { DEFAULT_CALL_POLICY, listAllTimeSeries, type CallPolicy, type ListRequest } from './list-time-series.js';
import { MetricsError, toMetricsError } from './metrics-error.js';
import { countsByDestination, hostWindow, latencyByDestination, type WindowGrid } from './series-to-windows.js';

/** Which traffic a bake is judged on: the migration's callers, to its two hosts. */
export interface RateQuery {
  readonly callerNamespace: string;
  readonly fromService: string;
  readonly toService: string;
  /** Windows `[startMs, endMs)`, both multiples of windowMs. */
  readonly startMs: number;
  readonly endMs: number;
  readonly windowMs: number;
}

/** Where request rates come from: Cloud Monitoring's Istio metrics. */
export interface RateSource {
  /** Both hosts in each window of the query, oldest first. */
  windows(query: RateQuery): Promise<TrafficWindow[]>;
  /** The destination_service_name values the callers sent requests to in `[sinceMs, untilMs]`. */
  destinations(callerNamespace: string, sinceMs: number, untilMs: number): Promise<string[]>;
}

/**
 * Cloud Monitoring through the real MetricServiceClient (ListTimeSeries, not MQL). The client is
 * made on first use and made again after it failed to start (no credentials yet, say): its
 * generated methods rethrow a failed start where nothing catches it, which would end the
 * process, so every call first waits for the start here, where the failure is caught.
 */
export class CloudRateSource implements RateSource {
  private client: MetricServiceClient | undefined;

  constructor(
    private readonly connect: () => MetricServiceClient,
    /** The metrics scope (GCP_PROJECT); unset: the project of the credentials. */
    private readonly projectId: string | undefined,
    private readonly policy: CallPolicy = DEFAULT_CALL_POLICY,
  ) {}

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => undefined);
  }

  async windows(query: RateQuery): Promise<TrafficWindow[]> {
    const grid: WindowGrid = { startMs: query.startMs, windowMs: query.windowMs, count: Math.max(0, Math.round((query.endMs - query.startMs) / query.windowMs)) };
    if (grid.count === 0) return [];
    const services = [query.fromService, query.toService];
    const client = await this.ready();
    const name = await this.scope(client);
    // One query failing stops the other's retries: its answer would be of no use.
    const stop = new AbortController();
    const read = (metric: string, groupBy: string[], what: string) =>
      listAllTimeSeries(client, this.aligned(name, query, metric, groupBy), what, this.policy, stop.signal).catch((error: unknown) => {
        stop.abort();
        throw error;
      });
    const [counts, latencies] = await Promise.all([read(REQUEST_COUNT, [DESTINATION_LABEL, RESPONSE_CODE_LABEL], 'request counts'), read(ROUNDTRIP_LATENCIES, [DESTINATION_LABEL], 'latencies')]);
    const byHost = countsByDestination(counts, grid);
    const latency = latencyByDestination(latencies, grid);
    return Array.from({ length: grid.count }, (_, i) => ({
      startMs: grid.startMs + i * grid.windowMs,
      endMs: grid.startMs + (i + 1) * grid.windowMs,
      to: hostWindow(byHost.get(services[1] as string), latency.get(services[1] as string), i),
      from: hostWindow(byHost.get(services[0] as string), latency.get(services[0] as string), i),
    }));
  }

  async destinations(callerNamespace: string, sinceMs: number, untilMs: number): Promise<string[]> {
    const client = await this.ready();
    const series = await listAllTimeSeries(
      client,
      { name: await this.scope(client), filter: istioFilter(REQUEST_COUNT, callerNamespace, []), interval: interval(sinceMs, untilMs), view: 'HEADERS', pageSize: 1000 },
      'series discovery',
      this.policy,
    );
    return [...new Set(series.map((s) => String(s.metric?.labels?.destination_service_name ?? '')).filter((name) => name !== ''))].sort();
  }

  /** Per-window sums (ALIGN_DELTA over the window, REDUCE_SUM across pods) grouped by `groupBy`. */
  private async ready(): Promise<MetricServiceClient> {
    const client = (this.client ??= this.connect());
    try {
      await client.initialize();
      return client;
    } catch (error) {
      if (this.client === client) this.client = undefined;
      void client.close().catch(() => undefined);
      throw toMetricsError(error, 'client start');
    }
  }

  private async scope(client: MetricServiceClient): Promise<string> {
    try {
      return `projects/${this.projectId ?? (await client.getProjectId())}`;
    } catch (error) {
      throw new MetricsError(`Cloud Monitoring: no project to read metrics from (${(error as Error).message}); set GCP_PROJECT`, undefined, false);
    }
  }

  private aligned(name: string, query: RateQuery, metricType: string, groupBy: string[]): ListRequest {
    return {
      name,
      filter: istioFilter(metricType, query.callerNamespace, [query.fromService, query.toService]),
      interval: interval(query.startMs, query.endMs),
      aggregation: { alignmentPeriod: { seconds: query.windowMs / 1000 }, perSeriesAligner: 'ALIGN_DELTA', crossSeriesReducer: 'REDUCE_SUM', groupByFields: groupBy },
      view: 'FULL',
    };
  }
}

function interval(startMs: number, endMs: number) {
  const at = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });
  return { startTime: at(startMs), endTime: at(endMs) };
}
