/** The metric descriptors this server knows without being told: Istio's client-side metrics. */
import type { MetricKind, ValueType } from './series.js';

export const REQUEST_COUNT = 'istio.io/service/client/request_count';
export const ROUNDTRIP_LATENCIES = 'istio.io/service/client/roundtrip_latencies';

export interface MetricDescriptor {
  type: string;
  metricKind: MetricKind;
  valueType: ValueType;
  unit: string;
}

export const ISTIO_METRICS: Readonly<Record<string, MetricDescriptor>> = {
  [REQUEST_COUNT]: { type: REQUEST_COUNT, metricKind: 'DELTA', valueType: 'INT64', unit: '1' },
  [ROUNDTRIP_LATENCIES]: { type: ROUNDTRIP_LATENCIES, metricKind: 'DELTA', valueType: 'DISTRIBUTION', unit: 'ms' },
};

export const POD_RESOURCE_TYPE = 'k8s_pod';
export const DEFAULT_LOCATION = 'us-central1';
export const DEFAULT_CLUSTER = 'mesh-cluster';
