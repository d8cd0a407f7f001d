import { isJsonObject, type JsonObject } from './virtual-service.js';

/**
 * What a GCPBackend stands for, in a line for the preflight, and what the docs say can't work.
 * Cloud Run fields follow the API reference (`spec.cloudrun.service`, `regions` — exactly one —
 * and `project`, which must be the mesh's); the Compute Engine variant's fields are unverified,
 * so any `backendService`/`computeEngine`-like key is read generically.
 *
 * Example: describeGcpBackend({spec: {cloudrun: {service: 'checkout', regions: ['us-central1']}}}, {meshProject: 'shop'})
 *   → {kind: 'cloud-run', summary: 'Cloud Run service checkout in us-central1, project shop (default: the cluster\'s)', warnings: []}
 */
export interface GcpBackendDescription {
  readonly kind: 'cloud-run' | 'compute-engine' | 'unknown';
  readonly summary: string;
  readonly warnings: readonly string[];
}

export interface GcpBackendContext {
  /** The configured GCP project (GCP_PROJECT), when known. */
  readonly meshProject?: string | undefined;
}

const CLOUD_RUN_SERVICE_MAX = 49;
/** Spec keys taken for the Compute Engine variant (unverified upstream). */
const COMPUTE_ENGINE_KEY = /^(backend[-_]?service|compute[-_]?engine|gce|vms?|instance[-_]?groups?)$/i;
const NAME_KEYS = ['name', 'backendService', 'service', 'instanceGroup', 'id'];

export function describeGcpBackend(obj: unknown, context: GcpBackendContext): GcpBackendDescription {
  const spec = isJsonObject(obj) && isJsonObject(obj.spec) ? obj.spec : {};
  if (isJsonObject(spec.cloudrun)) return describeCloudRun(spec.cloudrun, context);
  const vmKey = Object.keys(spec).find((key) => COMPUTE_ENGINE_KEY.test(key));
  if (vmKey !== undefined) return describeComputeEngine(vmKey, spec[vmKey], context);
  const keys = Object.keys(spec);
  return {
    kind: 'unknown',
    summary: `neither spec.cloudrun nor a Compute Engine backend (spec keys: ${keys.length > 0 ? keys.join(', ') : 'none'})`,
    warnings: ['The GCPBackend names no Cloud Run service (spec.cloudrun) and no Compute Engine backend: check its spec before shifting traffic to it'],
  };
}

function describeCloudRun(cloudrun: JsonObject, context: GcpBackendContext): GcpBackendDescription {
  const service = typeof cloudrun.service === 'string' && cloudrun.service !== '' ? cloudrun.service : undefined;
  const regions = Array.isArray(cloudrun.regions) ? cloudrun.regions.filter((r): r is string => typeof r === 'string') : [];
  const project = typeof cloudrun.project === 'string' && cloudrun.project !== '' ? cloudrun.project : undefined;
  const where = regions[0] === undefined ? 'no region' : `in ${regions[0]}`;
  const projectText = project ?? (context.meshProject ? `${context.meshProject} (default: the cluster's)` : "the cluster's (default)");
  const warnings: string[] = [];
  if (service === undefined) warnings.push('spec.cloudrun.service is missing: name the Cloud Run service the GCPBackend stands for');
  else if (service.length > CLOUD_RUN_SERVICE_MAX) warnings.push(`spec.cloudrun.service "${service}" is ${service.length} characters; the API takes 1–${CLOUD_RUN_SERVICE_MAX}`);
  if (regions.length !== 1) warnings.push(`spec.cloudrun.regions lists ${regions.length} regions; a GCPBackend takes exactly one`);
  if (project !== undefined && context.meshProject !== undefined && project !== context.meshProject) {
    warnings.push(`Cloud Run project ${project} is not the mesh project ${context.meshProject}: the Cloud Run service must be in the same project as the mesh (spec.cloudrun.project)`);
  }
  return { kind: 'cloud-run', summary: `Cloud Run service ${service ?? '(none)'} ${where}, project ${projectText}`, warnings };
}

function describeComputeEngine(key: string, value: unknown, context: GcpBackendContext): GcpBackendDescription {
  const name = nameOf(value);
  const project = isJsonObject(value) && typeof value.project === 'string' ? value.project : undefined;
  const warnings = ['No mTLS to Compute Engine VM backends: traffic from the sidecars to these VMs is not mutually authenticated'];
  if (project !== undefined && context.meshProject !== undefined && project !== context.meshProject) {
    warnings.push(`Compute Engine project ${project} is not the mesh project ${context.meshProject}: the VMs must be in the same project as the mesh`);
  }
  return { kind: 'compute-engine', summary: `Compute Engine backend ${name ?? '(unnamed)'} (spec.${key}; the VM variant's fields are unverified)`, warnings };
}

function nameOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (!isJsonObject(value)) return undefined;
  for (const key of NAME_KEYS) {
    const candidate = value[key];
    if (typeof candidate === 'string' && candidate !== '') return candidate;
  }
  return Object.values(value).find((v): v is string => typeof v === 'string' && v !== '');
}
