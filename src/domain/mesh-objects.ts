import { deepEqual } from './json-patch.js';
import { isJsonObject, type JsonObject } from './virtual-service.js';

/**
 * The Istio objects `/mesh export` and `/mesh register` write, as pure builders. Objects carry
 * `app.kubernetes.io/managed-by: meshbot`: an object without it is someone else's and is never
 * overwritten; an update keeps every other label and annotation of the object it replaces.
 *
 * Example: exportVirtualService({kind: 'export', service: 'checkout', namespace: 'shop', dnsSuffix: 'mesh.example.internal', port: 8080})
 *   → VirtualService shop/checkout-external-mesh, host checkout.mesh.example.internal, gateway external-mesh,
 *     routing to checkout.shop.svc.cluster.local:8080
 */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_MESHBOT = 'meshbot';
/** The gateway name that makes a VirtualService apply to non-GKE (Cloud Run) clients. */
export const EXTERNAL_MESH_GATEWAY = 'external-mesh';
const ISTIO_API_VERSION = 'networking.istio.io/v1';
/** The name of the one port of a registered VM (the WorkloadEntry maps it to the VM's port). */
const REGISTERED_PORT_NAME = 'http';

/** `/mesh export`: a Kubernetes Service made reachable from Cloud Run as SERVICE.SUFFIX. */
export interface ExportRequest {
  readonly kind: 'export';
  readonly service: string;
  /** The Service's namespace: the VirtualService must live there too. */
  readonly namespace: string;
  readonly dnsSuffix: string;
  /** The Service's first port, read when the export was requested. */
  readonly port: number;
}

/** `/mesh register`: a VM in the mesh as WorkloadEntry + ServiceEntry (what `istioctl register` once did). */
export interface RegisterRequest {
  readonly kind: 'register';
  readonly name: string;
  readonly namespace: string;
  readonly ip: string;
  readonly port: number;
  /** Labels given with --label; `app: NAME` is added unless `app` is given. */
  readonly labels: Readonly<Record<string, string>>;
}

export type MeshObjectRequest = ExportRequest | RegisterRequest;

export type MeshObjectKind = 'VirtualService' | 'WorkloadEntry' | 'ServiceEntry';

export interface MeshObject extends JsonObject {
  readonly apiVersion: string;
  readonly kind: MeshObjectKind;
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>> };
  readonly spec: JsonObject;
}

export const exportedHost = (request: Pick<ExportRequest, 'service' | 'dnsSuffix'>): string => `${request.service}.${request.dnsSuffix}`;
export const clusterHost = (service: string, namespace: string): string => `${service}.${namespace}.svc.cluster.local`;
export const exportObjectName = (service: string): string => `${service}-external-mesh`;

export function exportVirtualService(request: ExportRequest): MeshObject {
  return {
    apiVersion: ISTIO_API_VERSION,
    kind: 'VirtualService',
    metadata: managedMetadata(exportObjectName(request.service), request.namespace),
    spec: {
      hosts: [exportedHost(request)],
      gateways: [EXTERNAL_MESH_GATEWAY],
      http: [{ route: [{ destination: { host: clusterHost(request.service, request.namespace), port: { number: request.port } } }] }],
    },
  };
}

/** The VM's labels: `app: NAME` unless --label app=… says otherwise. */
export function workloadLabels(request: Pick<RegisterRequest, 'name' | 'labels'>): Record<string, string> {
  return { app: request.name, ...request.labels };
}

/** The WorkloadEntry first (the endpoint), then the ServiceEntry that selects it by all its labels. */
export function registerObjects(request: RegisterRequest): [MeshObject, MeshObject] {
  const labels = workloadLabels(request);
  const workloadEntry: MeshObject = {
    apiVersion: ISTIO_API_VERSION,
    kind: 'WorkloadEntry',
    metadata: managedMetadata(request.name, request.namespace),
    spec: { address: request.ip, labels, ports: { [REGISTERED_PORT_NAME]: request.port } },
  };
  const serviceEntry: MeshObject = {
    apiVersion: ISTIO_API_VERSION,
    kind: 'ServiceEntry',
    metadata: managedMetadata(request.name, request.namespace),
    spec: {
      hosts: [clusterHost(request.name, request.namespace)],
      location: 'MESH_INTERNAL',
      ports: [{ number: request.port, name: REGISTERED_PORT_NAME, protocol: 'HTTP' }],
      resolution: 'STATIC',
      workloadSelector: { labels },
    },
  };
  return [workloadEntry, serviceEntry];
}

export function meshObjectsOf(request: MeshObjectRequest): MeshObject[] {
  return request.kind === 'export' ? [exportVirtualService(request)] : registerObjects(request);
}

/** `export checkout (shop) as checkout.mesh.example.internal` / `register billing-vm 10.128.0.7:8080 (payments)`. */
export function describeMeshObjectRequest(request: MeshObjectRequest): string {
  if (request.kind === 'export') return `export ${request.namespace}/${request.service} as ${exportedHost(request)}`;
  const address = request.ip.includes(':') ? `[${request.ip}]:${request.port}` : `${request.ip}:${request.port}`;
  return `register ${request.namespace}/${request.name} at ${address}`;
}

/** `VirtualService shop/checkout-external-mesh`. */
export function objectLabel(object: Pick<MeshObject, 'kind' | 'metadata'>): string {
  return `${object.kind} ${object.metadata.namespace}/${object.metadata.name}`;
}

/** Whether meshbot wrote this object (and so may change it). */
export function isManagedByMeshbot(object: unknown): boolean {
  const metadata = isJsonObject(object) && isJsonObject(object.metadata) ? object.metadata : undefined;
  const labels = metadata && isJsonObject(metadata.labels) ? metadata.labels : undefined;
  return labels?.[MANAGED_BY_LABEL] === MANAGED_BY_MESHBOT;
}

/** Already as wanted: the same spec and our label; writing it again would change nothing. */
export function hasDesiredContent(current: unknown, desired: MeshObject): boolean {
  return isJsonObject(current) && isManagedByMeshbot(current) && deepEqual(current.spec, desired.spec);
}

/**
 * The update of `current` to `desired`: the new spec and our label, with everything else of the
 * metadata kept — its resourceVersion above all, the precondition of the write.
 */
export function updatedObject(current: JsonObject, desired: MeshObject): JsonObject {
  const metadata = isJsonObject(current.metadata) ? current.metadata : {};
  const labels = isJsonObject(metadata.labels) ? metadata.labels : {};
  const { status: _status, ...rest } = current;
  return { ...rest, apiVersion: desired.apiVersion, kind: desired.kind, metadata: { ...metadata, labels: { ...labels, [MANAGED_BY_LABEL]: MANAGED_BY_MESHBOT } }, spec: desired.spec };
}

/** The first port of a Kubernetes Service, when it has one. */
export function firstServicePort(service: unknown): number | undefined {
  const spec = isJsonObject(service) && isJsonObject(service.spec) ? service.spec : undefined;
  const first = Array.isArray(spec?.ports) ? spec.ports[0] : undefined;
  return isJsonObject(first) && typeof first.port === 'number' ? first.port : undefined;
}

function managedMetadata(name: string, namespace: string): MeshObject['metadata'] {
  return { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_MESHBOT } };
}

/** What an approver and the requester should know beyond the objects: the docs' prerequisites. */
export function meshObjectReminders(request: MeshObjectRequest): string[] {
  if (request.kind === 'export') {
    const host = exportedHost(request);
    return [
      `DNS: Cloud Run resolves ${host} only through a private Cloud DNS zone for ${request.dnsSuffix} on the VPC network its traffic uses, with a wildcard record pointing at the mesh (any address, e.g. 10.0.0.1: the sidecar routes by host):`,
      `\`gcloud dns managed-zones create ZONE_NAME --dns-name=${request.dnsSuffix}. --networks=NETWORK --visibility=private --description="zone for service mesh routes"\``,
      `\`gcloud dns record-sets create '*.${request.dnsSuffix}.' --type=A --zone=ZONE_NAME --rrdatas=10.0.0.1 --ttl=3600\` (ZONE_NAME: a name of your choice; NETWORK: the Cloud Run services' VPC network)`,
      `mTLS: Cloud Run clients reach ${request.namespace}/${request.service} only if it accepts PERMISSIVE mTLS (preview): no PeerAuthentication in ${request.namespace} or mesh-wide may set STRICT for it.`,
    ];
  }
  const host = clusterHost(request.name, request.namespace);
  return [
    `Mesh clients reach the VM as http://${host}:${request.port}/ through their sidecars (the name resolves through the sidecars' DNS proxying).`,
    'The WorkloadEntry names no service account: traffic to the VM is mutual TLS only if the VM runs a mesh sidecar bootstrapped for it.',
  ];
}
