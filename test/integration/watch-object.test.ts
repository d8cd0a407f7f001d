import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CustomObjects, VIRTUAL_SERVICES } from '../../src/kube/custom-objects.js';
import { ObjectWatcher, type WatchHandle } from '../../src/kube/watch-object.js';
import type { JsonObject } from '../../src/domain/virtual-service.js';
import { startKubeApiServer, type KubeApiServer, type KubeObject, type RecordedCall } from '../harness/kube-api-server.js';

const NAMESPACE = 'shop';
const REF = { namespace: NAMESPACE, name: 'reviews' };
const HARNESS_REF = { resource: 'vs', ...REF };
const OBJECT_PATH = `/apis/networking.istio.io/v1/namespaces/${NAMESPACE}/virtualservices/reviews`;
const COLLECTION_PATH = `/apis/networking.istio.io/v1/namespaces/${NAMESPACE}/virtualservices`;

function virtualService(name: string): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace: NAMESPACE },
    spec: { hosts: [name], http: [{ route: [{ destination: { host: name, subset: 'v1' }, weight: 90 }, { destination: { host: name, subset: 'v2' }, weight: 10 }] }] },
  };
}

function setWeights(draft: KubeObject, first: number, second: number): void {
  const [v1, v2] = (draft.spec as { http: { route: { weight: number }[] }[] }).http[0]?.route ?? [];
  if (v1 && v2) [v1.weight, v2.weight] = [first, second];
}

const weightsOf = (object: JsonObject | undefined) => (object?.spec as { http: { route: { weight: number }[] }[] } | undefined)?.http[0]?.route.map((r) => r.weight);
const versionOf = (object: KubeObject | JsonObject | null | undefined) => (object?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
const editWeights = (first: number, second: number, fieldManager = 'kubectl-edit') => server.edit(HARNESS_REF, (draft) => setWeights(draft, first, second), { fieldManager });

const isWatch = (call: RecordedCall) => call.query.watch === 'true';
const watchCalls = () => server.calls.filter((call) => isWatch(call) && call.path === COLLECTION_PATH);
/** Reads of the object outside a watch: a GET of it (or of its collection). */
const isReread = (call: RecordedCall) => call.method === 'GET' && !isWatch(call) && (call.path === OBJECT_PATH || call.path === COLLECTION_PATH);
const rereads = () => server.calls.filter(isReread);
/** The watches and re-reads in order, as [kind, resourceVersion a watch started from]. */
const watchesAndRereads = () => server.calls.filter((call) => isWatch(call) || isReread(call)).map((call) => (isWatch(call) ? ['watch', call.query.resourceVersion] : ['read']));

let server: KubeApiServer;
let watcher: ObjectWatcher;
let handles: WatchHandle[] = [];

/** What one watchObject handed on, in order: the object after each change, undefined once deleted. */
function watchFrom(resourceVersion: string | undefined): { seen: (JsonObject | undefined)[]; handle: WatchHandle } {
  const seen: (JsonObject | undefined)[] = [];
  const handle = watcher.watchObject(VIRTUAL_SERVICES, REF, resourceVersion, (object) => void seen.push(object));
  handles.push(handle);
  return { seen, handle };
}

async function until(check: () => void, timeout = 3000): Promise<void> {
  await vi.waitFor(check, { timeout, interval: 10 });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeEach(async () => {
  server = await startKubeApiServer();
  server.seed(virtualService('reviews'));
  const kubeConfig = server.kubeConfig();
  watcher = new ObjectWatcher(kubeConfig, new CustomObjects(kubeConfig));
});

afterEach(async () => {
  for (const handle of handles) handle.stop();
  handles = [];
  await server.close();
});

describe('ObjectWatcher', () => {
  it('hands on a change after the start resourceVersion with its managedFields, watching the one object by name', async () => {
    const { seen } = watchFrom(server.resourceVersion);
    await until(() => expect(server.openWatches).toBe(1));

    const reverted = editWeights(95, 5, 'argocd-controller');
    await until(() => expect(seen).toHaveLength(1));

    expect(versionOf(seen[0])).toBe(versionOf(reverted));
    expect(weightsOf(seen[0])).toEqual([95, 5]);
    expect((seen[0]?.metadata as { managedFields?: unknown }).managedFields).toEqual([expect.objectContaining({ manager: 'argocd-controller', fieldsV1: { 'f:spec': { 'f:http': {} } } })]);
    expect(watchCalls()[0]?.query).toMatchObject({ fieldSelector: 'metadata.name=reviews', allowWatchBookmarks: 'true' });
  });

  it('leaves out the changes up to the start resourceVersion and hands on those after it', async () => {
    editWeights(80, 20);
    const start = editWeights(70, 30);
    const { seen } = watchFrom(versionOf(start));

    editWeights(60, 40);
    await until(() => expect(seen.map(weightsOf)).toContainEqual([60, 40]));

    expect(seen.map(weightsOf)).toEqual([[60, 40]]);
  });

  it('leaves other objects in the namespace alone', async () => {
    server.seed(virtualService('ratings'));
    const { seen } = watchFrom(server.resourceVersion);

    server.edit({ resource: 'vs', namespace: NAMESPACE, name: 'ratings' }, (draft) => setWeights(draft, 50, 50));
    editWeights(60, 40);
    await until(() => expect(seen).toHaveLength(1));

    expect((seen[0]?.metadata as { name?: string }).name).toBe('reviews');
  });

  it('after a dropped connection, reads the object again (so an edit made meanwhile is seen) and watches on from there', async () => {
    const start = server.resourceVersion;
    const { seen } = watchFrom(start);
    await until(() => expect(server.openWatches).toBe(1));

    expect(server.dropWatches()).toBe(1);
    const whileDown = editWeights(85, 15, 'kustomize-controller');
    await until(() => expect(seen).toHaveLength(1));
    await until(() => expect(server.openWatches).toBe(1));

    expect(weightsOf(seen[0])).toEqual([85, 15]);
    expect(versionOf(seen[0])).toBe(versionOf(whileDown));
    expect(watchesAndRereads()).toEqual([['watch', start], ['read'], ['watch', versionOf(whileDown)]]);
  });

  it('after 410 Expired, reads the object again and watches on from there', async () => {
    const old = server.resourceVersion;
    const missed = editWeights(80, 20, 'argocd-controller');
    server.compactHistory();

    const { seen } = watchFrom(old);
    await until(() => expect(seen).toHaveLength(1));
    await until(() => expect(server.openWatches).toBe(1));

    expect(weightsOf(seen[0])).toEqual([80, 20]);
    expect(watchesAndRereads()).toEqual([['watch', old], ['read'], ['watch', versionOf(missed)]]);
    editWeights(60, 40);
    await until(() => expect(seen.map(weightsOf)).toEqual([[80, 20], [60, 40]]));
  });

  // A quiet object keeps the resourceVersion of its last write while the cluster moves on (and
  // kube-apiserver's watch cache starts afresh after a restart, the usual cause of a dropped
  // watch): a watch from the object's own resourceVersion is then 410 again.
  it('after 410 Expired, settles into a watch even when the object itself is older than the watch history', async () => {
    const old = server.resourceVersion;
    editWeights(80, 20);
    server.seed(virtualService('ratings'));
    server.compactHistory();

    const { seen } = watchFrom(old);
    await until(() => expect(seen).toHaveLength(1));
    await pause(1500);

    expect(rereads()).toHaveLength(1);
    expect(seen).toHaveLength(1);
    expect(server.openWatches).toBe(1);
    editWeights(60, 40);
    await until(() => expect(seen.map(weightsOf)).toEqual([[80, 20], [60, 40]]));
    expect(rereads()).toHaveLength(1);
  });

  it('hands on undefined when the object is deleted', async () => {
    const { seen } = watchFrom(server.resourceVersion);
    await until(() => expect(server.openWatches).toBe(1));

    server.remove('vs', NAMESPACE, 'reviews');
    await until(() => expect(seen).toHaveLength(1));

    expect(seen).toEqual([undefined]);
  });

  it('hands on undefined when the object was deleted while the watch was down', async () => {
    const { seen } = watchFrom(server.resourceVersion);
    await until(() => expect(server.openWatches).toBe(1));

    server.dropWatches();
    server.remove('vs', NAMESPACE, 'reviews');
    await until(() => expect(seen).toEqual([undefined]));

    expect(rereads()).toHaveLength(1);
  });

  it('after stop(), makes no more calls, hands on nothing and leaves no watch open', async () => {
    const { seen, handle } = watchFrom(server.resourceVersion);
    await until(() => expect(server.openWatches).toBe(1));

    handle.stop();
    await until(() => expect(server.openWatches).toBe(0));
    const callsAtStop = server.calls.length;
    editWeights(50, 50);
    server.dropWatches();
    await pause(600);

    expect(seen).toEqual([]);
    expect(server.calls).toHaveLength(callsAtStop);
    expect(server.openWatches).toBe(0);
  });

  it('stopped while waiting to GET after a drop, never GETs or watches again', async () => {
    const { seen, handle } = watchFrom(server.resourceVersion);
    await until(() => expect(server.openWatches).toBe(1));

    server.dropWatches();
    handle.stop();
    editWeights(50, 50);
    await pause(600);

    expect(seen).toEqual([]);
    expect(rereads()).toEqual([]);
    expect(watchCalls()).toHaveLength(1);
    expect(server.openWatches).toBe(0);
  });

  it('stopped before its first watch is open, never opens one', async () => {
    const { seen, handle } = watchFrom(server.resourceVersion);
    handle.stop();
    editWeights(50, 50);
    await pause(300);

    expect(seen).toEqual([]);
    expect(server.openWatches).toBe(0);
  });
});
