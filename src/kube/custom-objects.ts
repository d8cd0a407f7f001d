import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { JsonPatchOp } from '../domain/json-patch.js';
import type { JsonObject } from '../domain/virtual-service.js';
import { kubeCall } from './kube-error.js';

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

export interface ObjectRef {
  readonly namespace: string;
  readonly name: string;
}

export const VIRTUAL_SERVICES: ResourceType = { group: 'networking.istio.io', version: 'v1', plural: 'virtualservices' };
export const SERVICE_ENTRIES: ResourceType = { group: 'networking.istio.io', version: 'v1', plural: 'serviceentries' };
export const WORKLOAD_ENTRIES: ResourceType = { group: 'networking.istio.io', version: 'v1', plural: 'workloadentries' };

const REQUEST_TIMEOUT_MS = 10_000;

/** Namespaced custom objects through client-node; every failure becomes a classified KubeError. */
export class CustomObjects {
  private readonly api: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig, private readonly timeoutMs = REQUEST_TIMEOUT_MS) {
    this.api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  async get(type: ResourceType, ref: ObjectRef): Promise<JsonObject> {
    return this.call(`get ${type.plural} ${ref.namespace}/${ref.name}`, () => this.api.getNamespacedCustomObject({ ...type, ...ref }));
  }

  /** Names of the objects in a namespace that satisfy `where`. */
  async listNames(type: ResourceType, namespace: string, where: (object: JsonObject) => boolean): Promise<string[]> {
    const list = await this.call(`list ${type.plural} in ${namespace}`, () => this.api.listNamespacedCustomObject({ ...type, namespace }));
    const items = Array.isArray(list.items) ? (list.items as JsonObject[]) : [];
    return items.filter(where).map((item) => String((item.metadata as { name?: string } | undefined)?.name ?? ''));
  }

  /**
   * One object by name, read as a list: the list's resourceVersion is where a watch goes on from
   * (the object's own may be older than the server's watch history, and would answer 410 again).
   */
  async readForWatch(type: ResourceType, ref: ObjectRef): Promise<{ object: JsonObject | undefined; resourceVersion: string | undefined }> {
    const list = await this.call(`list ${type.plural} ${ref.namespace}/${ref.name}`, () => this.api.listNamespacedCustomObject({ ...type, namespace: ref.namespace, fieldSelector: `metadata.name=${ref.name}` }));
    const items = Array.isArray(list.items) ? (list.items as JsonObject[]) : [];
    const version = (list.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;
    return { object: items[0], resourceVersion: typeof version === 'string' ? version : undefined };
  }

  /** RFC 6902 patch; callers put a `test` of the resourceVersion first as the precondition. */
  async jsonPatch(type: ResourceType, ref: ObjectRef, ops: readonly JsonPatchOp[]): Promise<JsonObject> {
    return this.call(`patch ${type.plural} ${ref.namespace}/${ref.name}`, () =>
      this.api.patchNamespacedCustomObject({ ...type, ...ref, body: ops, fieldManager: 'meshbot' }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch)),
    );
  }

  /** POST: fails with 409 (AlreadyExists) when the name is taken, so it never replaces anything. */
  async create(type: ResourceType, namespace: string, body: JsonObject): Promise<JsonObject> {
    const name = String((body.metadata as { name?: string } | undefined)?.name ?? '');
    return this.call(`create ${type.plural} ${namespace}/${name}`, () => this.api.createNamespacedCustomObject({ ...type, namespace, body, fieldManager: 'meshbot' }));
  }

  /** PUT: `body.metadata.resourceVersion` is the precondition (409 Conflict when the object moved on). */
  async replace(type: ResourceType, ref: ObjectRef, body: JsonObject): Promise<JsonObject> {
    return this.call(`replace ${type.plural} ${ref.namespace}/${ref.name}`, () => this.api.replaceNamespacedCustomObject({ ...type, ...ref, body, fieldManager: 'meshbot' }));
  }

  private async call(what: string, request: () => Promise<unknown>): Promise<JsonObject> {
    return (await kubeCall(what, request, this.timeoutMs)) as JsonObject;
  }
}
