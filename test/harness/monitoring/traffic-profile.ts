/** A host's traffic as tests describe it, with defaults, and the labels of the series it feeds. */
import { createHash } from 'node:crypto';
import { DEFAULT_CLUSTER, DEFAULT_LOCATION, POD_RESOURCE_TYPE } from './metrics.js';
import type { LabelledObject } from './series.js';
import type { ResponseCode } from './traffic-split.js';

export interface HostTraffic {
  /** destination_service_name label, e.g. 'cr-gcpbackend.com'. */
  destinationService: string;
  /** destination_service_namespace; default 'payments'. */
  destinationNamespace?: string;
  /** source_workload_namespace, also the pods' namespace_name; default 'payments'. */
  sourceNamespace?: string;
  /** source_workload_name, also the prefix of the pod names; default 'checkout'. */
  sourceWorkload?: string;
  requestsPerMinute: number;
  /** Share answered 503 (server errors); default 0. */
  errorShare?: number;
  /** Share with response_code "0" (connection reset, no response); default 0. */
  resetShare?: number;
  /** Share answered 404 (application 4xx, not failures); default 0. */
  clientErrorShare?: number;
  /** Latency shape; defaults 20 and 80 ms. */
  p50Ms?: number;
  p99Ms?: number;
  /** Caller pods the traffic is split across (round robin); default 2. */
  pods?: number;
  /** Extra or replaced metric labels, e.g. to mimic how a GCPBackend's destination_service_name reads. */
  metricLabels?: Record<string, string>;
}

export type TrafficProfile = Required<Omit<HostTraffic, 'metricLabels'>> & { metricLabels: Record<string, string> };

export function normalizeTraffic(traffic: HostTraffic): TrafficProfile {
  const profile: TrafficProfile = {
    destinationNamespace: 'payments',
    sourceNamespace: 'payments',
    sourceWorkload: 'checkout',
    errorShare: 0,
    resetShare: 0,
    clientErrorShare: 0,
    p50Ms: 20,
    p99Ms: 80,
    pods: 2,
    ...withoutUndefined(traffic),
    destinationService: traffic.destinationService,
    requestsPerMinute: traffic.requestsPerMinute,
    metricLabels: { ...traffic.metricLabels },
  };
  validate(profile);
  return profile;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

function validate(profile: TrafficProfile): void {
  const shares = [profile.errorShare, profile.resetShare, profile.clientErrorShare];
  if (!profile.destinationService) throw new Error('destinationService is required');
  if (!(profile.requestsPerMinute >= 0)) throw new Error('requestsPerMinute must be a number ≥ 0');
  if (shares.some((share) => !(share >= 0 && share <= 1))) throw new Error('shares must lie between 0 and 1');
  if (shares.reduce((sum, share) => sum + share, 0) > 1 + 1e-12) throw new Error('errorShare + resetShare + clientErrorShare must not exceed 1');
  if (!Number.isInteger(profile.pods) || profile.pods < 1) throw new Error('pods must be a positive integer');
  if (!(profile.p50Ms > 0 && profile.p99Ms >= profile.p50Ms)) throw new Error('latencies need 0 < p50Ms ≤ p99Ms');
}

/** Kubernetes-looking, deterministic pod names: `checkout-5c9f7d8b4-xk2pq`. */
export function podName(sourceWorkload: string, sourceNamespace: string, index: number): string {
  const digest = createHash('sha256').update(`${sourceNamespace}/${sourceWorkload}`).digest();
  const replicaSet = digest.subarray(0, 5).toString('hex').slice(0, 9);
  return `${sourceWorkload}-${replicaSet}-${podSuffix(digest, index)}`;
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const SUFFIX_SPACE = SUFFIX_ALPHABET.length ** 5;

// A stride coprime with the suffix space keeps the suffixes of different pods distinct.
function podSuffix(digest: Buffer, index: number): string {
  let rest = (digest.readUInt32BE(8) + index * 104_729) % SUFFIX_SPACE;
  let suffix = '';
  for (let i = 0; i < 5; i++) {
    suffix += SUFFIX_ALPHABET[rest % SUFFIX_ALPHABET.length];
    rest = Math.floor(rest / SUFFIX_ALPHABET.length);
  }
  return suffix;
}

export interface PodPlacement {
  projectId: string;
  location?: string;
  cluster?: string;
}

export function podResource(profile: TrafficProfile, pod: number, placement: PodPlacement): LabelledObject {
  return {
    type: POD_RESOURCE_TYPE,
    labels: {
      project_id: placement.projectId,
      location: placement.location ?? DEFAULT_LOCATION,
      cluster_name: placement.cluster ?? DEFAULT_CLUSTER,
      namespace_name: profile.sourceNamespace,
      pod_name: podName(profile.sourceWorkload, profile.sourceNamespace, pod),
    },
  };
}

/** Istio's client-side metric labels, for both request_count and roundtrip_latencies. */
export function istioMetricLabels(profile: TrafficProfile, code: ResponseCode): Record<string, string> {
  return {
    request_protocol: 'http',
    response_code: code,
    destination_service_name: profile.destinationService,
    destination_service_namespace: profile.destinationNamespace,
    destination_port: '443',
    destination_workload_name: 'unknown',
    destination_workload_namespace: 'unknown',
    destination_canonical_service_name: 'unknown',
    destination_canonical_service_namespace: 'unknown',
    destination_principal: 'unknown',
    source_workload_name: profile.sourceWorkload,
    source_workload_namespace: profile.sourceNamespace,
    source_canonical_service_name: profile.sourceWorkload,
    source_canonical_service_namespace: profile.sourceNamespace,
    source_canonical_revision: 'latest',
    source_principal: `spiffe://cluster.local/ns/${profile.sourceNamespace}/sa/${profile.sourceWorkload}`,
    service_authentication_policy: 'unknown',
    ...profile.metricLabels,
  };
}
