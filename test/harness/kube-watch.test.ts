import { CustomObjectsApi, ListWatch, PatchStrategy, setHeaderOptions, Watch, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startKubeApiServer, type KubeApiServer, type KubeApiServerOptions, type KubeObject, type ManagedFieldsEntry } from './kube-api-server.js';

const NAMESPACE = 'shop';
const VS = { group: 'networking.istio.io', version: 'v1', namespace: NAMESPACE, plural: 'virtualservices' };
const VS_PATH = `/apis/networking.istio.io/v1/namespaces/${NAMESPACE}/virtualservices`;
const JSON_PATCH = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function virtualService(name: string, namespace = NAMESPACE, labels: Record<string, string> = { app: name }): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace, labels },
    spec: {
      hosts: [name],
      http: [
        {
          route: [
            { destination: { host: name, subset: 'v1' }, weight: 90 },
            { destination: { host: name, subset: 'v2' }, weight: 10 },
          ],
        },
      ],
    },
  };
}

function setWeights(object: KubeObject, [first, second]: [number, number]): void {
  const spec = object.spec as { http: { route: { weight: number }[] }[] };
  const [v1, v2] = spec.http[0]?.route ?? [];
  if (v1 && v2) [v1.weight, v2.weight] = [first, second];
}

function weights(object: KubeObject | undefined): unknown[] {
  const spec = object?.spec as { http: { route: { weight?: number }[] }[] };
  return spec.http[0]?.route.map((route) => route.weight) ?? [];
}

const weightPatch = (first: number, second: number): object[] => [
  { op: 'replace', path: '/spec/http/0/route/0/weight', value: first },
  { op: 'replace', path: '/spec/http/0/route/1/weight', value: second },
];

interface SeenEvent {
  type: string;
  object: KubeObject & { code?: number; reason?: string; message?: string };
}

/** A client-node Watch as an app opens it: what its callback saw, and what its done callback got. */
interface OpenedWatch {
  events: SeenEvent[];
  /** Resolves with done's argument: null for a stream the server ended, else the error. */
  ended: Promise<unknown>;
}

let server: KubeApiServer;
let co: CustomObjectsApi;
let controllers: AbortController[] = [];

async function restart(options: KubeApiServerOptions): Promise<void> {
  await server.close();
  server = await startKubeApiServer(options);
  co = server.kubeConfig().makeApiClient(CustomObjectsApi);
  server.seed(virtualService('reviews'));
}

async function openWatch(path: string, query: Record<string, string | number | boolean> = {}): Promise<OpenedWatch> {
  const events: SeenEvent[] = [];
  let settle: (value: unknown) => void = () => undefined;
  const ended = new Promise<unknown>((resolve) => (settle = resolve));
  const record = (type: string, object: SeenEvent['object']): void => void events.push({ type, object });
  const controller = await new Watch(server.kubeConfig()).watch(path, query, record, (error: unknown) => settle(error ?? null));
  controllers.push(controller);
  return { events, ended };
}

async function eventCount(watch: OpenedWatch, count: number): Promise<void> {
  await vi.waitFor(() => expect(watch.events.length).toBeGreaterThanOrEqual(count), { timeout: 3000, interval: 10 });
}

function summary(watch: OpenedWatch): [string, string | undefined, string | undefined][] {
  return watch.events.map(({ type, object }) => [type, object.metadata?.name, object.metadata?.resourceVersion]);
}

function managedFields(object: KubeObject | undefined): ManagedFieldsEntry[] {
  return (object?.metadata?.managedFields ?? []) as ManagedFieldsEntry[];
}

beforeEach(async () => {
  server = await startKubeApiServer();
  co = server.kubeConfig().makeApiClient(CustomObjectsApi);
  server.seed(virtualService('reviews'));
});

afterEach(async () => {
  for (const controller of controllers) controller.abort();
  controllers = [];
  await server.close();
});

describe('watch', () => {
  it('starts with an ADDED per current object, then streams MODIFIED and DELETED in order with their resourceVersions', async () => {
    const seededVersion = server.resourceVersion;
    const watch = await openWatch(VS_PATH);
    await eventCount(watch, 1);

    const patched = (await co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body: weightPatch(75, 25) }, JSON_PATCH)) as KubeObject;
    await co.deleteNamespacedCustomObject({ ...VS, name: 'reviews' });
    await eventCount(watch, 3);

    expect(summary(watch)).toEqual([
      ['ADDED', 'reviews', seededVersion],
      ['MODIFIED', 'reviews', patched.metadata?.resourceVersion],
      ['DELETED', 'reviews', server.resourceVersion],
    ]);
    expect(Number(server.resourceVersion)).toBeGreaterThan(Number(patched.metadata?.resourceVersion));
    expect(watch.events[1]?.object.apiVersion).toBe('networking.istio.io/v1');
    expect(weights(watch.events[1]?.object)).toEqual([75, 25]);
    expect(server.calls.find((call) => call.query.watch === 'true')).toMatchObject({ method: 'GET', path: VS_PATH, status: 200 });
  });

  it('from a resourceVersion, sends only the later changes, at the watched apiVersion, then live ones', async () => {
    const ref = { resource: 'vs', namespace: NAMESPACE, name: 'reviews' };
    const first = server.edit(ref, (draft) => setWeights(draft, [80, 20]));
    const second = server.edit(ref, (draft) => setWeights(draft, [70, 30]));

    const watch = await openWatch(VS_PATH.replace('/v1/', '/v1beta1/'), { resourceVersion: first?.metadata?.resourceVersion ?? '' });
    const live = server.edit(ref, (draft) => setWeights(draft, [60, 40]));
    await eventCount(watch, 2);

    expect(summary(watch)).toEqual([
      ['MODIFIED', 'reviews', second?.metadata?.resourceVersion],
      ['MODIFIED', 'reviews', live?.metadata?.resourceVersion],
    ]);
    expect(watch.events.map(({ object }) => object.apiVersion)).toEqual(['networking.istio.io/v1beta1', 'networking.istio.io/v1beta1']);
    expect(weights(watch.events[0]?.object)).toEqual([70, 30]);
  });

  it('watches one object by fieldSelector in its namespace; a cluster-wide path sees every namespace', async () => {
    server.seed(virtualService('ratings'), virtualService('reviews', 'payments'));
    const from = { resourceVersion: server.resourceVersion, fieldSelector: 'metadata.name=reviews' };
    const one = await openWatch(VS_PATH, from);
    const everywhere = await openWatch('/apis/networking.istio.io/v1/virtualservices', from);

    for (const [namespace, name] of [[NAMESPACE, 'ratings'], ['payments', 'reviews'], [NAMESPACE, 'reviews']] as const) {
      server.edit({ resource: 'vs', namespace, name }, (draft) => setWeights(draft, [50, 50]));
    }
    await eventCount(everywhere, 2);
    await eventCount(one, 1);

    expect(one.events.map(({ object }) => `${object.metadata?.namespace}/${object.metadata?.name}`)).toEqual(['shop/reviews']);
    expect(everywhere.events.map(({ object }) => `${object.metadata?.namespace}/${object.metadata?.name}`)).toEqual(['payments/reviews', 'shop/reviews']);
  });

  it("serves a watch on one object's path as a watch by its name", async () => {
    server.seed(virtualService('ratings'));
    const watch = await openWatch(`${VS_PATH}/reviews`);
    server.edit({ resource: 'vs', namespace: NAMESPACE, name: 'ratings' }, (draft) => setWeights(draft, [50, 50]));
    server.edit({ resource: 'vs', namespace: NAMESPACE, name: 'reviews' }, (draft) => setWeights(draft, [50, 50]));
    await eventCount(watch, 2);

    expect(summary(watch).map(([type, name]) => [type, name])).toEqual([
      ['ADDED', 'reviews'],
      ['MODIFIED', 'reviews'],
    ]);
  });

  it('turns a change in or out of a labelSelector into ADDED and DELETED, as kube-apiserver does', async () => {
    const watch = await openWatch(VS_PATH, { resourceVersion: server.resourceVersion, labelSelector: 'app=reviews' });
    const ref = { resource: 'vs', namespace: NAMESPACE, name: 'reviews' };

    server.edit(ref, (draft) => void ((draft.metadata ?? {}).labels = { app: 'other' }));
    server.edit(ref, (draft) => setWeights(draft, [50, 50]));
    server.edit(ref, (draft) => void ((draft.metadata ?? {}).labels = { app: 'reviews' }));
    await eventCount(watch, 2);

    expect(watch.events.map(({ type, object }) => [type, object.metadata?.labels?.app])).toEqual([
      ['DELETED', 'other'],
      ['ADDED', 'reviews'],
    ]);
  });

  it('sends BOOKMARKs with the current resourceVersion only to watches that allow them', async () => {
    await restart({ bookmarkIntervalMs: 50 });
    const withBookmarks = await openWatch(VS_PATH, { resourceVersion: server.resourceVersion, allowWatchBookmarks: true });
    const without = await openWatch(VS_PATH, { resourceVersion: server.resourceVersion });

    await eventCount(withBookmarks, 2);

    expect(withBookmarks.events[0]).toEqual({ type: 'BOOKMARK', object: { kind: 'VirtualService', apiVersion: 'networking.istio.io/v1', metadata: { resourceVersion: server.resourceVersion } } });
    expect(without.events).toEqual([]);
  });

  it('answers a resourceVersion older than the history with one ERROR event (410 Expired); the Watch then calls done without an error', async () => {
    const old = server.resourceVersion;
    server.edit({ resource: 'vs', namespace: NAMESPACE, name: 'reviews' }, (draft) => setWeights(draft, [80, 20]));
    server.compactHistory();

    const expired = await openWatch(VS_PATH, { resourceVersion: old });
    const current = await openWatch(VS_PATH, { resourceVersion: server.resourceVersion });

    expect(await expired.ended).toBeNull();
    expect(expired.events).toEqual([
      {
        type: 'ERROR',
        object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${old} (${server.resourceVersion})`, reason: 'Expired', code: 410 },
      },
    ]);
    expect(server.openWatches).toBe(1);
    expect(current.events).toEqual([]);
  });

  it('keeps only watchHistory changes to resume from', async () => {
    await restart({ watchHistory: 2 });
    const ref = { resource: 'vs', namespace: NAMESPACE, name: 'reviews' };
    const versions = [80, 70, 60].map((weight) => server.edit(ref, (draft) => setWeights(draft, [weight, 100 - weight]))?.metadata?.resourceVersion ?? '');

    const tooOld = await openWatch(VS_PATH, { resourceVersion: String(Number(versions[0]) - 1) });
    const oldestKept = await openWatch(VS_PATH, { resourceVersion: versions[0] ?? '' });
    await eventCount(tooOld, 1);
    await eventCount(oldestKept, 2);

    expect(tooOld.events.map(({ type, object }) => [type, object.code])).toEqual([['ERROR', 410]]);
    expect(summary(oldestKept).map(([type, , version]) => [type, version])).toEqual([
      ['MODIFIED', versions[1]],
      ['MODIFIED', versions[2]],
    ]);
  });

  it('dropWatches cuts every connection: the Watch calls done with an error', async () => {
    const watch = await openWatch(VS_PATH, { resourceVersion: server.resourceVersion });
    expect(server.openWatches).toBe(1);

    expect(server.dropWatches()).toBe(1);

    expect(await watch.ended).toBeInstanceOf(Error);
    expect(server.openWatches).toBe(0);
  });

  it('a ListWatch whose watch is dropped reports the error to its handlers and does not watch again', async () => {
    const path = VS_PATH;
    const list = async (): Promise<KubernetesListObject<KubernetesObject>> => (await co.listNamespacedCustomObject(VS)) as KubernetesListObject<KubernetesObject>;
    const errors: unknown[] = [];
    const informer = new ListWatch(path, new Watch(server.kubeConfig()), list, false);
    informer.on('error', (error: unknown) => void errors.push(error));
    await informer.start();
    await vi.waitFor(() => expect(server.openWatches).toBe(1));

    server.dropWatches();
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    await informer.stop();

    expect(server.calls.filter((call) => call.query.watch === 'true')).toHaveLength(1);
    expect(informer.list().map((object) => object.metadata?.name)).toEqual(['reviews']);
  });

  it('ends the stream after timeoutSeconds: the Watch calls done without an error', async () => {
    const started = Date.now();
    const watch = await openWatch(VS_PATH, { resourceVersion: server.resourceVersion, timeoutSeconds: 1 });

    expect(await watch.ended).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(server.openWatches).toBe(0);
  });

  it('answers a bad selector or resourceVersion with 400 before streaming', async () => {
    const badSelector = await openWatch(VS_PATH, { labelSelector: 'app in (' });
    const badVersion = await openWatch(VS_PATH, { resourceVersion: 'yesterday' });

    expect(await badSelector.ended).toMatchObject({ statusCode: 400 });
    expect(await badVersion.ended).toMatchObject({ statusCode: 400 });
    expect(server.calls.filter((call) => call.query.watch === 'true').map((call) => call.status)).toEqual([400, 400]);
  });

  it('forbids a watch through the watch verb', async () => {
    server.forbid({ verb: 'watch', plural: 'vs' });

    const watch = await openWatch(VS_PATH);

    expect(await watch.ended).toMatchObject({ statusCode: 403 });
    expect(await co.listNamespacedCustomObject(VS)).toMatchObject({ kind: 'VirtualServiceList' });
  });
});

describe('managedFields', () => {
  const reviews = { resource: 'vs', namespace: NAMESPACE, name: 'reviews' };
  const timestamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

  it('records a patch under its fieldManager, owning the atomic http list as a whole', async () => {
    await co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body: weightPatch(75, 25), fieldManager: 'meshbot' }, JSON_PATCH);

    const [entry, ...others] = managedFields(server.getObject('vs', NAMESPACE, 'reviews'));

    expect(others).toEqual([]);
    expect(entry).toEqual({ manager: 'meshbot', operation: 'Update', apiVersion: 'networking.istio.io/v1', time: expect.stringMatching(timestamp), fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:http': {} } } });
  });

  it('names a write without fieldManager after the product in the client-node User-Agent (kubernetes-client-javascript/VERSION)', async () => {
    await co.patchNamespacedCustomObject({ ...VS, version: 'v1beta1', name: 'reviews', body: weightPatch(75, 25) }, JSON_PATCH);

    expect(managedFields(server.getObject('vs', NAMESPACE, 'reviews')).map(({ manager, apiVersion }) => [manager, apiVersion])).toEqual([['kubernetes-client-javascript', 'networking.istio.io/v1beta1']]);
  });

  it('records a create with every field it set', async () => {
    const body = virtualService('ratings');
    await co.createNamespacedCustomObject({ ...VS, body, fieldManager: 'meshbot' });

    const [entry] = managedFields(server.getObject('vs', NAMESPACE, 'ratings'));

    expect(entry?.fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { '.': {}, 'f:hosts': {}, 'f:http': {} } });
  });

  it('moves the weights to another manager that edits them back, leaving the first only what it still owns', async () => {
    const body = [...weightPatch(75, 25), { op: 'add', path: '/metadata/annotations', value: { 'meshbot.io/step': '2' } }];
    await co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body, fieldManager: 'meshbot' }, JSON_PATCH);
    const watch = await openWatch(VS_PATH, { resourceVersion: server.resourceVersion });

    server.edit(reviews, (draft) => setWeights(draft, [90, 10]), { fieldManager: 'argocd-controller' });
    await eventCount(watch, 1);

    const owners = new Map(managedFields(watch.events[0]?.object).map(({ manager, fieldsV1 }) => [manager, fieldsV1]));
    expect(owners).toEqual(
      new Map([
        ['meshbot', { 'f:metadata': { 'f:annotations': { '.': {}, 'f:meshbot.io/step': {} } } }],
        ['argocd-controller', { 'f:spec': { 'f:http': {} } }],
      ]),
    );
  });

  it('drops an entry left with no fields, and names a hand edit kubectl-edit by default', () => {
    server.edit(reviews, (draft) => setWeights(draft, [80, 20]), { fieldManager: 'meshbot' });
    server.edit(reviews, (draft) => setWeights(draft, [90, 10]));

    expect(managedFields(server.getObject('vs', NAMESPACE, 'reviews')).map(({ manager }) => manager)).toEqual(['kubectl-edit']);
  });

  it('ignores managedFields sent in a request body', async () => {
    const forged = [{ manager: 'argocd-controller', operation: 'Update', apiVersion: 'networking.istio.io/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:http': {} } } }];
    const body = { metadata: { managedFields: forged }, spec: { hosts: ['reviews', 'reviews.shop'] } };

    await co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body, fieldManager: 'meshbot' }, MERGE_PATCH);

    expect(managedFields(server.getObject('vs', NAMESPACE, 'reviews')).map(({ manager, fieldsV1 }) => [manager, fieldsV1])).toEqual([['meshbot', { 'f:spec': { 'f:hosts': {} } }]]);
  });

  it('leaves resourceVersion and managedFields alone on a no-op write, and put keeps them as given', async () => {
    await co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body: weightPatch(75, 25), fieldManager: 'meshbot' }, JSON_PATCH);
    const before = server.getObject('vs', NAMESPACE, 'reviews');

    await co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body: weightPatch(75, 25), fieldManager: 'argocd-controller' }, JSON_PATCH);
    const given = [{ manager: 'helm', operation: 'Update', apiVersion: 'networking.istio.io/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } }];
    const put = server.put({ ...virtualService('ratings'), metadata: { name: 'ratings', namespace: NAMESPACE, managedFields: given } });

    expect(server.getObject('vs', NAMESPACE, 'reviews')).toEqual(before);
    expect(put.metadata?.managedFields).toEqual(given);
  });
});
