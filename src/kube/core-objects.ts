import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { JsonObject } from '../domain/virtual-service.js';
import type { ObjectRef } from './custom-objects.js';
import { kubeCall } from './kube-error.js';

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The core API objects meshbot touches, through client-node's CoreV1Api: the validate probe's
 * Pod (create, read, log, delete) and Services (read). Every failure becomes a KubeError.
 */
export class CoreObjects {
  private readonly api: CoreV1Api;

  constructor(kubeConfig: KubeConfig, private readonly timeoutMs = REQUEST_TIMEOUT_MS) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
  }

  /** POST: a Pod with this name must not exist yet (409 otherwise). */
  async createPod(namespace: string, pod: JsonObject): Promise<JsonObject> {
    return this.object(`create pod in ${namespace}`, () => this.api.createNamespacedPod({ namespace, body: pod as V1Pod, fieldManager: 'meshbot' }));
  }

  async getPod(ref: ObjectRef): Promise<JsonObject> {
    return this.object(`get pod ${ref.namespace}/${ref.name}`, () => this.api.readNamespacedPod(ref));
  }

  async podLog(ref: ObjectRef, container: string): Promise<string> {
    const log = await this.call(`log of pod ${ref.namespace}/${ref.name}`, () => this.api.readNamespacedPodLog({ ...ref, container, limitBytes: 64 * 1024 }));
    return typeof log === 'string' ? log : '';
  }

  /** DELETE, at once; with `uid` the delete applies only to the Pod that was created (a precondition). */
  async deletePod(ref: ObjectRef, uid?: string): Promise<void> {
    await this.call(`delete pod ${ref.namespace}/${ref.name}`, () =>
      this.api.deleteNamespacedPod({ ...ref, gracePeriodSeconds: 0, propagationPolicy: 'Background', ...(uid ? { body: { preconditions: { uid } } } : {}) }),
    );
  }

  async getService(ref: ObjectRef): Promise<JsonObject> {
    return this.object(`get service ${ref.namespace}/${ref.name}`, () => this.api.readNamespacedService(ref));
  }

  /** client-node's model classes, read as plain objects (the fields are the API's own names). */
  private async object(what: string, request: () => Promise<object>): Promise<JsonObject> {
    return (await this.call(what, request)) as JsonObject;
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    return kubeCall(what, request, this.timeoutMs);
  }
}
