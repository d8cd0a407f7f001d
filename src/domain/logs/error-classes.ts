/**
 * The classes of Envoy sidecar trouble that meshbot recognises in Cloud Logging (see the
 * domain notes, "Envoy sidecar logs in Cloud Logging"), with what an operator can do about
 * each. `closed: 13` (the routine xDS reconnect about every 30 minutes) is deliberately not a
 * class: it is never an error.
 *
 * The order of ERROR_CLASSES is the precedence among Envoy response flags: when an access log
 * carries several (`UF,URX`), the class that comes first wins (the cause before the symptom:
 * `UF` before `URX`; upstream trouble before `DC`).
 */

export type ErrorClassId =
  | 'td-permission-denied'
  | 'xds-unavailable'
  | 'xds-nack'
  | 'tls-error'
  | 'no-healthy-upstream'
  | 'upstream-connect-failure'
  | 'no-route'
  | 'upstream-overflow'
  | 'upstream-timeout'
  | 'upstream-reset'
  | 'retry-limit'
  | 'ext-authz-denied'
  | 'rbac-denied'
  | 'http-5xx'
  | 'downstream-closed';

export type ErrorSeverity = 'critical' | 'error' | 'warning' | 'info';

/** data: requests between workloads; control: the sidecar's configuration (xDS from Traffic Director). */
export type Plane = 'data' | 'control';

export interface ErrorClass {
  /** Stable kebab-case name, used in config (`rollbackOn.classes`) and reports. */
  readonly id: ErrorClassId;
  readonly title: string;
  readonly severity: ErrorSeverity;
  /** Whether entries of this class count toward rollback thresholds (errors, error rate). */
  readonly counts: boolean;
  readonly plane: Plane;
  /** Envoy RESPONSE_FLAGS that mean this class; empty for classes recognised otherwise. */
  readonly flags: readonly string[];
  /** What to do about it, short (< 300 characters) and concrete. */
  readonly remedy: string;
}

export const ERROR_CLASSES: readonly ErrorClass[] = [
  {
    id: 'td-permission-denied',
    title: 'Sidecar denied access to Traffic Director',
    severity: 'critical',
    counts: true,
    plane: 'control',
    flags: [],
    remedy:
      "gcloud projects add-iam-policy-binding PROJECT --member=serviceAccount:SA --role=roles/trafficdirector.client — PROJECT: the mesh (fleet host) project's ID; SA: the email of the service account the Cloud Run service runs as.",
  },
  {
    id: 'xds-unavailable',
    title: 'Sidecar cannot reach its control plane (xDS closed: 14)',
    severity: 'error',
    counts: true,
    plane: 'control',
    flags: [],
    remedy:
      'Check egress from the workload to trafficdirector.googleapis.com:443 (Private Google Access, firewall, VPC-SC, DNS) and that the Traffic Director API is enabled on the mesh project. A single occurrence during a reconnect is harmless; repeats are not.',
  },
  {
    id: 'xds-nack',
    title: 'Sidecar rejected pushed config (xDS NACK)',
    severity: 'error',
    counts: true,
    plane: 'control',
    flags: [],
    remedy:
      'The last change to a VirtualService, DestinationRule or GCPBackend produced config this proxy rejects: read the rejection reason in the sample, then fix or revert that resource.',
  },
  {
    id: 'tls-error',
    title: 'TLS handshake failed (mTLS or CA mismatch)',
    severity: 'error',
    counts: true,
    plane: 'data',
    flags: [],
    remedy:
      'Check the DestinationRule tls mode for the destination (ISTIO_MUTUAL vs SIMPLE/DISABLE), the PeerAuthentication of the receiver, and that both sides trust the same mesh CA; an external host needs SIMPLE TLS with the right SNI.',
  },
  {
    id: 'no-healthy-upstream',
    title: 'No healthy upstream (UH)',
    severity: 'critical',
    counts: true,
    plane: 'data',
    flags: ['UH'],
    remedy:
      'The destination has no healthy endpoint: check the GCPBackend (kubectl get gcpbackend -n NS NAME -o yaml): its Cloud Run service, region and project exist and serve; for VMs, the BackendService health checks.',
  },
  {
    id: 'upstream-connect-failure',
    title: 'Upstream connection failure (UF)',
    severity: 'error',
    counts: true,
    plane: 'data',
    flags: ['UF'],
    remedy:
      "Envoy could not connect to the endpoint: check the GCPBackend's endpoints are reachable from the mesh network (firewall, egress), and the port and protocol of the destination (ServiceEntry ports, VirtualService destination port).",
  },
  {
    id: 'no-route',
    title: 'No route or no cluster (NR/NC)',
    severity: 'error',
    counts: true,
    plane: 'data',
    flags: ['NR', 'NC'],
    remedy:
      'No route matched, or it names an unknown destination: check that the VirtualService hosts and match rules cover the request (host, port, path), that each destination host exists (GCPBackend, ServiceEntry), and the DestinationRule subsets it uses.',
  },
  {
    id: 'upstream-overflow',
    title: 'Circuit breaker overflow (UO)',
    severity: 'warning',
    counts: true,
    plane: 'data',
    flags: ['UO'],
    remedy:
      "Circuit breaking rejected the request: raise the destination's DestinationRule connectionPool limits (http2MaxRequests, maxPendingRequests, maxConnections) or scale the backend (Cloud Run max instances, concurrency).",
  },
  {
    id: 'upstream-timeout',
    title: 'Upstream request timeout (UT)',
    severity: 'error',
    counts: true,
    plane: 'data',
    flags: ['UT'],
    remedy:
      "The backend answered too slowly: compare its latency with the VirtualService route timeout; for Cloud Run, watch cold starts (set min instances) and concurrency, or raise the route's timeout.",
  },
  {
    id: 'upstream-reset',
    title: 'Upstream connection reset (UR/UC/LR)',
    severity: 'error',
    counts: true,
    plane: 'data',
    flags: ['UR', 'UC', 'LR'],
    remedy:
      "The connection was reset: check the backend's logs for crashes or restarts, the protocol (HTTP/1.1 vs HTTP/2: port name or appProtocol of the destination), and idle timeouts in the DestinationRule connectionPool.",
  },
  {
    id: 'retry-limit',
    title: 'Retries exhausted (URX)',
    severity: 'error',
    counts: true,
    plane: 'data',
    flags: ['URX'],
    remedy:
      'Envoy gave up after its retries: the cause is the underlying failure (connection failures, resets, UH) of the same destination; check the GCPBackend health and endpoints, then the VirtualService retries policy.',
  },
  {
    id: 'ext-authz-denied',
    title: 'Denied by external authorization (UAEX)',
    severity: 'warning',
    counts: true,
    plane: 'data',
    flags: ['UAEX'],
    remedy:
      'The ext-authz provider denied the request or failed: check the CUSTOM AuthorizationPolicy that selects this workload and the provider (its logs, reachability, mesh config extensionProviders).',
  },
  {
    id: 'rbac-denied',
    title: 'Denied by an AuthorizationPolicy (403 rbac_access_denied)',
    severity: 'warning',
    counts: true,
    plane: 'data',
    flags: [],
    remedy:
      "An AuthorizationPolicy denied the request: check the ALLOW/DENY policies of the receiving workload's namespace (and the root namespace) for the caller's principal and the new host or path.",
  },
  {
    id: 'http-5xx',
    title: 'Server error (5xx, no Envoy flag)',
    severity: 'error',
    counts: true,
    plane: 'data',
    flags: [],
    remedy:
      "The backend itself answered 5xx (the mesh saw no transport problem): read the backend's own logs (the Cloud Run service, or the ServiceEntry's target) and compare with the old host.",
  },
  {
    id: 'downstream-closed',
    title: 'Client closed the connection (DC)',
    severity: 'info',
    counts: false,
    plane: 'data',
    flags: ['DC'],
    remedy:
      "The client went away before the response; not counted. Many at once usually mean client timeouts shorter than the backend's latency: compare them.",
  },
];

export const ERROR_CLASS_IDS: readonly ErrorClassId[] = ERROR_CLASSES.map((c) => c.id);

const BY_ID: ReadonlyMap<string, ErrorClass> = new Map(ERROR_CLASSES.map((c) => [c.id, c]));

export function isErrorClassId(value: string): value is ErrorClassId {
  return BY_ID.has(value);
}

/** The table row of a class id. */
export function errorClass(id: ErrorClassId): ErrorClass {
  return BY_ID.get(id)!;
}

