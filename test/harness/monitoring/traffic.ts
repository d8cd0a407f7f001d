/**
 * The traffic model: per destination, a timeline of profiles, sampled into DELTA points every
 * `periodMs` on epoch-aligned boundaries (point k covers [k·P − P, k·P]). A change at time T
 * takes effect from the sample period in progress at T, which counts in full under the new
 * profile; periods that ended before T keep the old one. Points with no requests are not
 * written, as Istio writes nothing for a response code that did not occur.
 */
import { ISTIO_LATENCY_BOUNDS } from './distribution.js';
import { latencyDistribution } from './latency-shape.js';
import { ISTIO_METRICS, REQUEST_COUNT, ROUNDTRIP_LATENCIES } from './metrics.js';
import { mergeSameSeries } from './series.js';
import type { Point, TimeSeries } from './series.js';
import { istioMetricLabels, normalizeTraffic, podResource } from './traffic-profile.js';
import type { HostTraffic, PodPlacement, TrafficProfile } from './traffic-profile.js';
import { cumulativeByCode, cumulativeForPod, cumulativeRequests, RESPONSE_CODES } from './traffic-split.js';
import type { ResponseCode } from './traffic-split.js';

interface Segment {
  profile: TrafficProfile;
  /** End time of the segment's first point. */
  firstEndMs: number;
  /** End time of its last point; Infinity while it runs. */
  lastEndMs: number;
}

export class TrafficModel {
  private readonly timelines = new Map<string, Segment[]>();

  constructor(
    private readonly periodMs: number,
    private readonly placement: PodPlacement,
  ) {
    if (!(periodMs > 0) || !Number.isInteger(periodMs)) throw new Error('samplePeriodMs must be a positive integer');
  }

  set(traffic: HostTraffic, atMs: number): void {
    const profile = normalizeTraffic(traffic);
    const firstEndMs = this.endOfPeriodInProgress(atMs);
    const timeline = this.endRunning(profile.destinationService, firstEndMs);
    timeline.push({ profile, firstEndMs, lastEndMs: Infinity });
  }

  stop(destinationService: string, atMs: number): void {
    this.endRunning(destinationService, this.endOfPeriodInProgress(atMs));
  }

  clear(): void {
    this.timelines.clear();
  }

  /** Series of `metricType` with the points whose end time lies in (fromMs, toMs]. */
  series(metricType: string, fromMs: number, toMs: number): TimeSeries[] {
    if (metricType !== REQUEST_COUNT && metricType !== ROUNDTRIP_LATENCIES) return [];
    const generated = [...this.timelines.values()].flat().flatMap((segment) => this.segmentSeries(segment, metricType, fromMs, toMs));
    return mergeSameSeries(generated);
  }

  private endOfPeriodInProgress(atMs: number): number {
    return (Math.floor(atMs / this.periodMs) + 1) * this.periodMs;
  }

  private endRunning(destinationService: string, nextFirstEndMs: number): Segment[] {
    const timeline = this.timelines.get(destinationService) ?? [];
    this.timelines.set(destinationService, timeline);
    const running = timeline.at(-1);
    if (running && running.lastEndMs > nextFirstEndMs - this.periodMs) {
      running.lastEndMs = nextFirstEndMs - this.periodMs;
      if (running.lastEndMs < running.firstEndMs) timeline.pop();
    }
    return timeline;
  }

  private segmentSeries(segment: Segment, metricType: string, fromMs: number, toMs: number): TimeSeries[] {
    const { profile } = segment;
    const lastMs = Math.min(toMs, segment.lastEndMs);
    const firstPoint = Math.max(1, Math.floor((fromMs - segment.firstEndMs) / this.periodMs) + 2);
    const lastPoint = Math.floor((lastMs - segment.firstEndMs) / this.periodMs) + 1;
    const series = new Map<string, TimeSeries>();
    for (let point = firstPoint; point <= lastPoint; point++) {
      const before = cumulativeByCode(cumulativeRequests(profile.requestsPerMinute, this.periodMs, point - 1), profile);
      const after = cumulativeByCode(cumulativeRequests(profile.requestsPerMinute, this.periodMs, point), profile);
      const endMs = segment.firstEndMs + (point - 1) * this.periodMs;
      for (const code of RESPONSE_CODES) {
        for (let pod = 0; pod < profile.pods; pod++) {
          const first = cumulativeForPod(before[code], pod, profile.pods);
          const count = cumulativeForPod(after[code], pod, profile.pods) - first;
          if (count === 0) continue;
          const value = metricType === REQUEST_COUNT ? count : latencyDistribution(profile, first, count, ISTIO_LATENCY_BOUNDS);
          this.seriesOf(series, metricType, profile, code, pod).points.push({ startMs: endMs - this.periodMs, endMs, value } satisfies Point);
        }
      }
    }
    return [...series.values()];
  }

  private seriesOf(series: Map<string, TimeSeries>, metricType: string, profile: TrafficProfile, code: ResponseCode, pod: number): TimeSeries {
    const key = `${code}/${pod}`;
    let one = series.get(key);
    if (!one) {
      const descriptor = ISTIO_METRICS[metricType]!;
      one = {
        metric: { type: metricType, labels: istioMetricLabels(profile, code) },
        resource: podResource(profile, pod, this.placement),
        metricKind: descriptor.metricKind,
        valueType: descriptor.valueType,
        unit: descriptor.unit,
        points: [],
      };
      series.set(key, one);
    }
    return one;
  }
}
