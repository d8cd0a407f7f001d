import { randomUUID } from 'node:crypto';
import { canonicalJson, deepClone } from './json-patch.js';
import type { KubeObject, ResourceDef } from './resources.js';

/** One committed change, as a watch reports it; `previous` is the object before (absent for ADDED). */
export interface StoreChange {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  def: ResourceDef;
  /** The object as stored; for DELETED, the last state with the deletion's resourceVersion. */
  object: KubeObject;
  previous: KubeObject | undefined;
  revision: number;
}

/**
 * The objects, keyed by resource, namespace and name, with one cluster-wide resourceVersion
 * counter as etcd's revision. Hands out copies only, so callers cannot change stored state.
 * Every commit and delete is told to the change listener, whoever made it.
 */
export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private revision: number;
  private changeListener: ((change: StoreChange) => void) | undefined;

  constructor(initialRevision = 1000) {
    this.revision = initialRevision;
  }

  get resourceVersion(): string {
    return String(this.revision);
  }

  onChange(listener: (change: StoreChange) => void): void {
    this.changeListener = listener;
  }

  get(def: ResourceDef, namespace: string, name: string): KubeObject | undefined {
    return deepClone(this.objects.get(storeKey(def, namespace, name)));
  }

  /** Objects of one resource, in one namespace or all (`undefined`), sorted by namespace then name. */
  list(def: ResourceDef, namespace: string | undefined): KubeObject[] {
    const prefix = namespace === undefined ? storeKey(def, '', '').slice(0, -1) : storeKey(def, namespace, '');
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, object]) => deepClone(object));
  }

  /**
   * Fills the fields the server owns (uid, creationTimestamp, generation) from the stored
   * object, and says whether anything changed, so that a no-op write keeps its resourceVersion
   * as in a real cluster.
   */
  prepare(def: ResourceDef, next: KubeObject, previous: KubeObject | undefined): { object: KubeObject; changed: boolean } {
    const object = deepClone(next);
    const metadata = (object.metadata ??= {});
    metadata.uid = previous?.metadata?.uid ?? metadata.uid ?? randomUUID();
    metadata.creationTimestamp = previous?.metadata?.creationTimestamp ?? metadata.creationTimestamp ?? kubeTimestamp(new Date());
    metadata.generation = nextGeneration(previous, object);
    metadata.resourceVersion = previous?.metadata?.resourceVersion ?? '';
    if (def.namespaced) metadata.namespace ??= 'default';
    else delete metadata.namespace;
    const changed = previous === undefined || canonicalJson({ ...object, apiVersion: '' }) !== canonicalJson({ ...previous, apiVersion: '' });
    return { object, changed };
  }

  /** Stores the object under a new resourceVersion and returns a copy of what was stored. */
  commit(def: ResourceDef, object: KubeObject): KubeObject {
    const stored = deepClone(object);
    const metadata = (stored.metadata ??= {});
    metadata.resourceVersion = String(++this.revision);
    const key = storeKey(def, metadata.namespace ?? '', metadata.name ?? '');
    const previous = this.objects.get(key);
    this.objects.set(key, stored);
    this.changeListener?.({ type: previous ? 'MODIFIED' : 'ADDED', def, object: deepClone(stored), previous: deepClone(previous), revision: this.revision });
    return deepClone(stored);
  }

  delete(def: ResourceDef, namespace: string, name: string): boolean {
    const key = storeKey(def, namespace, name);
    const previous = this.objects.get(key);
    if (!previous) return false;
    this.objects.delete(key);
    this.revision++;
    const object = deepClone(previous);
    (object.metadata ??= {}).resourceVersion = String(this.revision);
    this.changeListener?.({ type: 'DELETED', def, object, previous: deepClone(previous), revision: this.revision });
    return true;
  }
}

function storeKey(def: ResourceDef, namespace: string, name: string): string {
  return `${def.group}/${def.plural}/${namespace}/${name}`;
}

/** Generation counts changes to the desired state: everything but metadata and status. */
function nextGeneration(previous: KubeObject | undefined, next: KubeObject): number {
  const previousGeneration = previous?.metadata?.generation;
  if (previous === undefined || previousGeneration === undefined) return 1;
  return canonicalJson(desiredState(previous)) === canonicalJson(desiredState(next)) ? previousGeneration : previousGeneration + 1;
}

function desiredState(object: KubeObject): KubeObject {
  const { metadata: _metadata, status: _status, apiVersion: _apiVersion, ...rest } = object;
  return rest;
}

/** RFC 3339 in seconds, as Kubernetes writes timestamps. */
export function kubeTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
