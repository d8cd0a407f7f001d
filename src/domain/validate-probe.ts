import { MANAGED_BY_LABEL, MANAGED_BY_MESHBOT } from './mesh-objects.js';
import type { JsonObject } from './virtual-service.js';

/**
 * `/mesh validate`: the seeds' check — a curl from a pod in the namespace to the ServiceEntry
 * host, expecting HTTP 200 — as a short-lived Pod, and the verdict on what it printed.
 *
 * Example: parseCurlOutput('200 0.012345') → {status: 200, seconds: 0.012345}
 */
export const DEFAULT_VALIDATE_IMAGE = 'curlimages/curl:8.11.1';
export const PROBE_CONTAINER = 'probe';
export const PROBE_DEADLINE_SECONDS = 60;
const CURL_MAX_TIME_SECONDS = 10;
/** curlimages/curl's own user (curl_user). */
const PROBE_UID = 100;

export interface ProbePodSpec {
  readonly name: string;
  readonly namespace: string;
  readonly image: string;
  /** The host probed: the migration's `from` (the ServiceEntry host). */
  readonly host: string;
  readonly migration: string;
}

export const probeUrl = (host: string): string => `http://${host}/`;

/** A Pod name from an operation-like id: lowercase letters, digits and '-', at most 63 characters. */
export function probePodName(id: string): string {
  const suffix = id
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `meshbot-validate-${suffix}`.slice(0, 63).replace(/-+$/, '');
}

/** Runs once (restartPolicy Never), at most 60 s, as a non-root user with nothing it does not need. */
export function probePod(spec: ProbePodSpec): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_MESHBOT, 'app.kubernetes.io/name': 'meshbot-validate', 'meshbot.io/migration': spec.migration },
      // When the namespace injects sidecars, curl starts only once the proxy is ready.
      annotations: { 'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts": true}' },
    },
    spec: {
      restartPolicy: 'Never',
      activeDeadlineSeconds: PROBE_DEADLINE_SECONDS,
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: PROBE_UID, runAsGroup: PROBE_UID, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: PROBE_CONTAINER,
          image: spec.image,
          command: ['curl'],
          args: ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{time_total}', '--max-time', String(CURL_MAX_TIME_SECONDS), probeUrl(spec.host)],
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
        },
      ],
    },
  };
}

export interface CurlResult {
  /** 0 when curl got no HTTP answer (it prints 000). */
  readonly status: number;
  readonly seconds: number;
}

/** The `-w '%{http_code} %{time_total}'` part of the probe's log (stderr may be mixed in). */
export function parseCurlOutput(log: string): CurlResult | undefined {
  const match = /(?:^|[^\d.])(\d{3}) (\d+(?:[.,]\d+)?)(?![\d.])/.exec(log);
  if (!match) return undefined;
  return { status: Number(match[1]), seconds: Number((match[2] as string).replace(',', '.')) };
}

/** How the probe pod ended, as the adapter saw it. */
export type ProbeOutcome =
  | { readonly kind: 'finished'; readonly succeeded: boolean; readonly log: string }
  | { readonly kind: 'timeout'; readonly waitedSeconds: number; readonly phase?: string | undefined; readonly waiting?: string | undefined }
  | { readonly kind: 'error'; readonly message: string };

export interface ProbeVerdict {
  readonly ok: boolean;
  /** One line: status, latency, verdict. */
  readonly headline: string;
  /** What to check when it is not ok. */
  readonly advice?: string;
}

/** 200 is the one good answer; anything else says what to look at. */
export function probeVerdict(host: string, image: string, outcome: ProbeOutcome): ProbeVerdict {
  const url = probeUrl(host);
  if (outcome.kind === 'error') return { ok: false, headline: `❌ The probe could not run: ${outcome.message}` };
  if (outcome.kind === 'timeout') {
    const state = [outcome.phase ? `phase ${outcome.phase}` : undefined, outcome.waiting ? `container waiting: ${outcome.waiting}` : undefined].filter(Boolean).join(', ');
    return {
      ok: false,
      headline: `❌ The probe pod did not finish within ${outcome.waitedSeconds} s${state ? ` (${state})` : ''}; no HTTP status.`,
      advice: `Check that the cluster can pull ${image} (validateImage in the migrations file) and that the namespace admits the pod (quota, admission policies).`,
    };
  }
  const result = parseCurlOutput(outcome.log);
  if (!result || result.status === 0) {
    const why = curlError(outcome.log);
    return {
      ok: false,
      headline: `❌ No HTTP answer from ${url}${result ? ` after ${latency(result.seconds)}` : ''}${why ? ` — ${why}` : outcome.succeeded ? '' : ' — the probe pod failed'}.`,
      advice: `Check that ${host} resolves in the namespace (the ServiceEntry's hosts, DNS proxying), that the ServiceEntry's endpoints answer, and the pod's sidecar.`,
    };
  }
  const measured = `HTTP ${result.status} from ${url} in ${latency(result.seconds)}`;
  if (result.status === 200) return { ok: true, headline: `✅ ${measured} — the seeds' check passes (200 expected).` };
  return { ok: false, headline: `❌ ${measured} — 200 expected.`, advice: adviceFor(result.status) };
}

function adviceFor(status: number): string {
  if (status === 503) return 'No healthy upstream or a failed connection: check that the ServiceEntry endpoints and the GCPBackend backends are up; /mesh errors shows the Envoy response flags (UH, UF).';
  if (status === 404) return 'No route: check that the VirtualService routes this host and path (Envoy flag NR in /mesh errors).';
  if (status === 401 || status === 403) {
    return 'Refused: a Cloud Run backend wants an ID token (the ServiceEntry path needs the app to send Authorization: Bearer; the GCPBackend path injects it), and a 403 from RBAC means an AuthorizationPolicy.';
  }
  if (status === 504) return 'Upstream timeout: the backend did not answer within the route timeout (Envoy flag UT).';
  if (status >= 500) return 'The backend or its sidecar failed the request: /mesh errors shows the classes and remedies.';
  return 'The host answered, but not with 200: check what serves / on it.';
}

function curlError(log: string): string | undefined {
  const line = /curl: \(\d+\)[^\n]*/.exec(log)?.[0];
  return line?.trim().slice(0, 200);
}

function latency(seconds: number): string {
  const ms = seconds * 1000;
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}
