import type { ResourceName } from './status.js';

/** `watch` is a GET with `?watch=true` (on a list path, or one object's path). */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface ResourceDef extends ResourceName {
  /** '' for the core group (`/api/v1`). */
  group: string;
  /** Every version serves the same stored object; the first is the preferred one. */
  versions: string[];
  singular: string;
  namespaced: boolean;
  verbs: Verb[];
  shortNames: string[];
  /** A custom resource (CRD): updates need a resourceVersion, DELETE answers a Status, list items keep their kind. */
  custom: boolean;
  /** Writes through the main endpoint keep the stored status, as with a CRD's status subresource. */
  statusSubresource: boolean;
  /** Writes are checked against the Istio CRD schemas. */
  istio: boolean;
  /** Server-side defaults applied on create (cluster IPs, pod phase…). */
  onCreate?: (object: KubeObject) => void;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: KubeMetadata;
  [key: string]: unknown;
}

export interface KubeMetadata {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface GcpBackendOptions {
  group?: string;
  version?: string;
  plural?: string;
  kind?: string;
}

const ALL_VERBS: Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const ISTIO_GROUP = 'networking.istio.io';
const ISTIO_VERSIONS = ['v1', 'v1beta1', 'v1alpha3'];

function istioResource(kind: string, plural: string, shortNames: string[]): ResourceDef {
  return { group: ISTIO_GROUP, versions: ISTIO_VERSIONS, plural, singular: kind.toLowerCase(), kind, namespaced: true, verbs: ALL_VERBS, shortNames, custom: true, statusSubresource: true, istio: true };
}

function coreResource(kind: string, plural: string, extra: Partial<ResourceDef> = {}): ResourceDef {
  return { group: '', versions: ['v1'], plural, singular: kind.toLowerCase(), kind, namespaced: true, verbs: ALL_VERBS, shortNames: [], custom: false, statusSubresource: true, istio: false, ...extra };
}

function gcpBackendResource(options: GcpBackendOptions): ResourceDef {
  const kind = options.kind ?? 'GCPBackend';
  return {
    group: options.group ?? 'networking.gke.io',
    versions: [options.version ?? 'v1'],
    plural: options.plural ?? 'gcpbackends',
    singular: kind.toLowerCase(),
    kind,
    namespaced: true,
    verbs: ALL_VERBS,
    shortNames: [],
    custom: true,
    statusSubresource: true,
    istio: false,
  };
}

function defaultPod(pod: KubeObject): void {
  pod.status ??= { phase: 'Pending' };
}

function defaultNamespace(namespace: KubeObject): void {
  const metadata = (namespace.metadata ??= {});
  metadata.labels = { ...metadata.labels, 'kubernetes.io/metadata.name': metadata.name ?? '' };
  namespace.spec ??= { finalizers: ['kubernetes'] };
  namespace.status ??= { phase: 'Active' };
}

export class ResourceRegistry {
  readonly resources: ResourceDef[];
  private nextClusterIp = 1;

  constructor(gcpBackend: GcpBackendOptions = {}) {
    this.resources = [
      istioResource('VirtualService', 'virtualservices', ['vs']),
      istioResource('ServiceEntry', 'serviceentries', ['se']),
      istioResource('WorkloadEntry', 'workloadentries', ['we']),
      gcpBackendResource(gcpBackend),
      coreResource('Namespace', 'namespaces', { namespaced: false, verbs: ['get', 'list', 'watch', 'create'], shortNames: ['ns'], onCreate: defaultNamespace }),
      coreResource('Service', 'services', { shortNames: ['svc'], onCreate: (service) => this.assignClusterIp(service) }),
      coreResource('Pod', 'pods', { shortNames: ['po'], onCreate: defaultPod }),
    ];
  }

  find(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.resources.find((def) => def.group === group && def.plural === plural && def.versions.includes(version));
  }

  /** Resolves a kind (`VirtualService`), plural (`virtualservices`) or short name (`vs`), case-insensitively. */
  resolve(kindOrPlural: string): ResourceDef {
    const wanted = kindOrPlural.toLowerCase();
    const def = this.resources.find((d) => d.kind.toLowerCase() === wanted || d.plural === wanted || d.singular === wanted || d.shortNames.includes(wanted));
    if (!def) throw new Error(`kube harness: unknown resource "${kindOrPlural}" (known: ${this.resources.map((d) => d.plural).join(', ')})`);
    return def;
  }

  forObject(object: KubeObject): ResourceDef {
    const { group, version } = splitApiVersion(object.apiVersion ?? '');
    const def = this.resources.find((d) => d.group === group && d.kind === object.kind && d.versions.includes(version));
    if (!def) throw new Error(`kube harness: no resource for apiVersion "${String(object.apiVersion)}" kind "${String(object.kind)}"`);
    return def;
  }

  groupVersions(group: string): string[] {
    const versions = this.resources.filter((def) => def.group === group).flatMap((def) => def.versions);
    return [...new Set(versions)];
  }

  groups(): string[] {
    return [...new Set(this.resources.map((def) => def.group).filter((group) => group !== ''))];
  }

  private assignClusterIp(service: KubeObject): void {
    const spec = (service.spec ??= {}) as Record<string, unknown>;
    if (spec.type === 'ExternalName' || spec.clusterIP) return;
    const n = this.nextClusterIp++;
    spec.clusterIP = `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`;
    spec.clusterIPs = [spec.clusterIP];
  }
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
