import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { JsonObject } from '../domain/virtual-service.js';
import type { CustomObjects, ObjectRef, ResourceType } from './custom-objects.js';

export interface WatchHandle {
  stop(): void;
}

/** Called with the object as it is after each change; `undefined` once it is deleted. */
export type OnObject = (object: JsonObject | undefined) => void;

/**
 * The server ends a watch after this and the client watches on from the last resourceVersion;
 * below client-node's 30 s inactivity timeout, so a quiet watch ends cleanly instead of timing out.
 */
const WATCH_SECONDS = 25;
const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 5000;

/** Watches single namespaced custom objects of one cluster. */
export class ObjectWatcher {
  private readonly watch: Watch;

  constructor(kubeConfig: KubeConfig, private readonly objects: CustomObjects) {
    this.watch = new Watch(kubeConfig);
  }

  /**
   * Every change to one object from `resourceVersion` on. A dropped connection or a
   * resourceVersion the server no longer has (410 Gone) is followed by a fresh read (a list of
   * the one object), handed on like an event (so a change made meanwhile is still seen), and a
   * new watch from the list's resourceVersion.
   */
  watchObject(type: ResourceType, ref: ObjectRef, resourceVersion: string | undefined, onObject: OnObject): WatchHandle {
    const watch = new SingleObjectWatch(this.watch, this.objects, type, ref, onObject, resourceVersion);
    watch.start();
    return watch;
  }
}

class SingleObjectWatch implements WatchHandle {
  private stopped = false;
  private expired = false;
  private retryMs = FIRST_RETRY_MS;
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly watch: Watch,
    private readonly objects: CustomObjects,
    private readonly type: ResourceType,
    private readonly ref: ObjectRef,
    private readonly onObject: OnObject,
    private resourceVersion: string | undefined,
  ) {}

  start(): void {
    void this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.controller?.abort();
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    const { group, version, plural } = this.type;
    const path = `/apis/${group}/${version}/namespaces/${encodeURIComponent(this.ref.namespace)}/${plural}`;
    const query = { fieldSelector: `metadata.name=${this.ref.name}`, allowWatchBookmarks: true, timeoutSeconds: WATCH_SECONDS, ...(this.resourceVersion ? { resourceVersion: this.resourceVersion } : {}) };
    try {
      this.controller = await this.watch.watch(path, query, (eventType: string, object: unknown) => this.onEvent(eventType, object as JsonObject), (error: unknown) => this.onDone(error));
      if (this.stopped) this.controller.abort();
    } catch (error) {
      this.onDone(error);
    }
  }

  private onEvent(eventType: string, object: JsonObject): void {
    if (this.stopped) return;
    if (eventType === 'ERROR') {
      // A Status; 410 Expired: our resourceVersion is too old to watch from.
      this.expired = (object as { code?: unknown }).code === 410;
      return;
    }
    const version = (object.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;
    if (typeof version === 'string') this.resourceVersion = version;
    if (eventType === 'BOOKMARK') return;
    this.retryMs = FIRST_RETRY_MS;
    this.onObject(eventType === 'DELETED' ? undefined : object);
  }

  private onDone(error: unknown): void {
    if (this.stopped) return;
    const relist = this.expired || (error !== null && error !== undefined);
    this.expired = false;
    if (!relist) return void this.open();
    this.timer = setTimeout(() => void this.relist(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    let read;
    try {
      read = await this.objects.readForWatch(this.type, this.ref);
    } catch (error) {
      return this.onDone(error);
    }
    if (this.stopped) return;
    this.resourceVersion = read.resourceVersion;
    this.onObject(read.object);
    void this.open();
  }
}
