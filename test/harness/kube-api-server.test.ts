import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer, type KubeObject, type Status } from './kube-api-server.js';
import { applyJsonPatch, applyMergePatch, JsonPatchError, type Json } from './kube/json-patch.js';

const NAMESPACE = 'shop';
const VS = { group: 'networking.istio.io', version: 'v1', namespace: NAMESPACE, plural: 'virtualservices' };
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function reviewsVirtualService(): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: NAMESPACE, labels: { app: 'reviews' } },
    spec: {
      hosts: ['reviews'],
      http: [
        {
          route: [
            { destination: { host: 'reviews', subset: 'v1' }, weight: 90 },
            { destination: { host: 'reviews', subset: 'v2' }, weight: 10 },
          ],
        },
      ],
    },
  };
}

/** The Status a client-node call was rejected with. */
async function rejection(call: Promise<unknown>): Promise<{ code: number; status: Status }> {
  const error: unknown = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof ApiException)) throw new Error(`expected an ApiException, got ${String(error)}`);
  const body: unknown = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
  return { code: error.code, status: body as Status };
}

function weights(object: KubeObject | undefined): unknown[] {
  const spec = object?.spec as { http: { route: { weight?: number }[] }[] };
  return spec.http[0]?.route.map((route) => route.weight) ?? [];
}

let server: KubeApiServer;
let co: CustomObjectsApi;
let core: CoreV1Api;

beforeEach(async () => {
  server = await startKubeApiServer();
  co = server.kubeConfig().makeApiClient(CustomObjectsApi);
  core = server.kubeConfig().makeApiClient(CoreV1Api);
  server.seed(reviewsVirtualService());
});

afterEach(async () => {
  await server.close();
});

describe('reads', () => {
  it('serves one stored VirtualService at v1 and v1beta1', async () => {
    const v1 = (await co.getNamespacedCustomObject({ ...VS, name: 'reviews' })) as KubeObject;
    const v1beta1 = (await co.getNamespacedCustomObject({ ...VS, version: 'v1beta1', name: 'reviews' })) as KubeObject;

    expect(v1.apiVersion).toBe('networking.istio.io/v1');
    expect(v1beta1.apiVersion).toBe('networking.istio.io/v1beta1');
    expect(v1beta1.spec).toEqual(v1.spec);
    expect(v1.metadata).toMatchObject({ name: 'reviews', namespace: NAMESPACE, generation: 1, resourceVersion: server.getObject('vs', NAMESPACE, 'reviews')?.metadata?.resourceVersion });
    expect(v1.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lists with a label selector', async () => {
    server.seed({ ...reviewsVirtualService(), metadata: { name: 'ratings', namespace: NAMESPACE, labels: { app: 'ratings' } } });

    const list = (await co.listNamespacedCustomObject({ ...VS, version: 'v1beta1', labelSelector: 'app=reviews' })) as { kind: string; metadata: { resourceVersion: string }; items: KubeObject[] };
    const none = (await co.listNamespacedCustomObject({ ...VS, labelSelector: 'app=reviews,tier=db' })) as { items: KubeObject[] };

    expect(list.kind).toBe('VirtualServiceList');
    expect(list.metadata.resourceVersion).toBe(server.resourceVersion);
    expect(list.items.map((item) => [item.apiVersion, item.metadata?.name])).toEqual([['networking.istio.io/v1beta1', 'reviews']]);
    expect(none.items).toEqual([]);
  });

  it('lists across namespaces, and serves GCPBackends', async () => {
    server.seed({ ...reviewsVirtualService(), metadata: { name: 'reviews', namespace: 'other' } });
    const backend = { apiVersion: 'networking.gke.io/v1', kind: 'GCPBackend', metadata: { name: 'reviews-gcp' }, spec: { backendService: { name: 'reviews', region: 'europe-west1' } } };
    await co.createNamespacedCustomObject({ group: 'networking.gke.io', version: 'v1', namespace: NAMESPACE, plural: 'gcpbackends', body: backend });

    const all = (await co.listClusterCustomObject({ group: VS.group, version: VS.version, plural: VS.plural })) as { items: KubeObject[] };
    const backends = (await co.listNamespacedCustomObject({ group: 'networking.gke.io', version: 'v1', namespace: NAMESPACE, plural: 'gcpbackends' })) as { kind: string; items: KubeObject[] };

    expect(all.items.map((item) => item.metadata?.namespace)).toEqual(['other', NAMESPACE]);
    expect(backends.kind).toBe('GCPBackendList');
    expect(backends.items.map((item) => item.spec)).toEqual([backend.spec]);
  });

  it('seeds the documents of a YAML fixture', async () => {
    const text = await readFile('test/fixtures/istio-samples/virtual-service-reviews-80-20.yaml', 'utf8');

    const [seeded] = server.seedYaml(text, 'bookinfo');
    const read = (await co.getNamespacedCustomObject({ ...VS, namespace: 'bookinfo', name: seeded?.metadata?.name ?? '' })) as KubeObject;

    expect(read.metadata?.namespace).toBe('bookinfo');
    expect(weights(read)).toEqual([80, 20]);
  });

  it('answers a missing object with a NotFound Status', async () => {
    const { code, status } = await rejection(co.getNamespacedCustomObject({ ...VS, name: 'nope' }));

    expect(code).toBe(404);
    expect(status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'virtualservices.networking.istio.io "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'networking.istio.io', kind: 'virtualservices' },
      code: 404,
    });
  });

  it('serves discovery so KubernetesObjectApi can read by apiVersion and kind', async () => {
    const objects = KubernetesObjectApi.makeApiClient(server.kubeConfig());

    const read = await objects.read({ apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'reviews', namespace: NAMESPACE } });

    expect(read.apiVersion).toBe('networking.istio.io/v1alpha3');
    expect(read.metadata?.name).toBe('reviews');
  });

  it('rejects a request without a bearer token', async () => {
    const response = await fetch(`${server.url}/apis/networking.istio.io/v1/namespaces/${NAMESPACE}/virtualservices`);

    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });
});

describe('patches', () => {
  it('applies a JSON patch and bumps resourceVersion and generation', async () => {
    const before = server.getObject('VirtualService', NAMESPACE, 'reviews');
    const body = [
      { op: 'test', path: '/spec/http/0/route/0/weight', value: 90 },
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 50 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 50 },
    ];

    const patched = (await co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body })) as KubeObject;

    expect(weights(patched)).toEqual([50, 50]);
    expect(Number(patched.metadata?.resourceVersion)).toBeGreaterThan(Number(before?.metadata?.resourceVersion));
    expect(patched.metadata?.generation).toBe(2);
    expect(server.getObject('virtualservices', NAMESPACE, 'reviews')).toEqual(patched);
    expect(server.calls.at(-1)).toMatchObject({ method: 'PATCH', contentType: 'application/json-patch+json', body, status: 200 });
  });

  it('answers a failed JSON patch test with 422 and leaves the object alone', async () => {
    const before = server.getObject('vs', NAMESPACE, 'reviews');
    const body = [
      { op: 'test', path: '/spec/http/0/route/0/weight', value: 70 },
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 0 },
    ];

    const { code, status } = await rejection(co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body }));

    expect(code).toBe(422);
    expect(status).toMatchObject({ reason: 'Invalid', message: 'the server rejected our request due to an error in our request' });
    expect(server.calls.at(-1)?.detail).toContain('testing value /spec/http/0/route/0/weight failed');
    expect(server.getObject('vs', NAMESPACE, 'reviews')).toEqual(before);
  });

  it('answers a JSON patch on a missing path with 422', async () => {
    const body = [{ op: 'replace', path: '/spec/http/3/route/0/weight', value: 1 }];

    const { code } = await rejection(co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body }));

    expect(code).toBe(422);
    expect(server.calls.at(-1)?.detail).toContain('missing path');
  });

  it('applies a merge patch whose resourceVersion is current', async () => {
    const { metadata } = server.getObject('vs', NAMESPACE, 'reviews') ?? {};
    const body = { metadata: { resourceVersion: metadata?.resourceVersion, labels: { owner: 'meshbot' } } };

    const patched = (await co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body }, MERGE_PATCH)) as KubeObject;

    expect(patched.metadata?.labels).toEqual({ app: 'reviews', owner: 'meshbot' });
    expect(patched.metadata?.generation).toBe(1);
    expect(patched.metadata?.resourceVersion).not.toBe(metadata?.resourceVersion);
  });

  it('answers a merge patch carrying a stale resourceVersion with 409 Conflict', async () => {
    const before = server.getObject('vs', NAMESPACE, 'reviews');
    const body = { metadata: { resourceVersion: '1' }, spec: { hosts: ['other'] } };

    const { code, status } = await rejection(co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body }, MERGE_PATCH));

    expect(code).toBe(409);
    expect(status).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on virtualservices.networking.istio.io "reviews": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'reviews', group: 'networking.istio.io', kind: 'virtualservices' },
    });
    expect(server.getObject('vs', NAMESPACE, 'reviews')).toEqual(before);
  });

  it('answers a server-side apply with 415', async () => {
    const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

    const { code, status } = await rejection(co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body: reviewsVirtualService(), fieldManager: 'meshbot' }, apply));

    expect(code).toBe(415);
    expect(status.reason).toBe('UnsupportedMediaType');
  });
});

describe('validation', () => {
  it('rejects a write that breaks the CRD schema with 422 Invalid and causes', async () => {
    const before = server.getObject('vs', NAMESPACE, 'reviews');
    const body = [{ op: 'replace', path: '/spec/http/0/route/0/weight', value: 'abc' }];

    const { code, status } = await rejection(co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body }));

    expect(code).toBe(422);
    expect(status.reason).toBe('Invalid');
    expect(status.message).toMatch(/^VirtualService\.networking\.istio\.io "reviews" is invalid: spec\.http\[0\]\.route\[0\]\.weight: /);
    expect(status.details?.causes).toContainEqual(expect.objectContaining({ field: 'spec.http[0].route[0].weight', reason: 'FieldValueInvalid' }));
    expect(server.getObject('vs', NAMESPACE, 'reviews')).toEqual(before);
  });

  it('rejects a create that breaks the CRD schema, and a duplicate create', async () => {
    const invalid = { ...reviewsVirtualService(), metadata: { name: 'bad', namespace: NAMESPACE }, spec: { hosts: 'not-a-list' } };

    const schema = await rejection(co.createNamespacedCustomObject({ ...VS, body: invalid }));
    const duplicate = await rejection(co.createNamespacedCustomObject({ ...VS, body: reviewsVirtualService() }));

    expect(schema.code).toBe(422);
    expect(schema.status.details?.causes?.[0]?.field).toBe('spec.hosts');
    expect(server.getObject('vs', NAMESPACE, 'bad')).toBeUndefined();
    expect(duplicate.code).toBe(409);
    expect(duplicate.status).toMatchObject({ reason: 'AlreadyExists', message: 'virtualservices.networking.istio.io "reviews" already exists' });
  });

  it('creates a valid ServiceEntry at v1beta1', async () => {
    const body = { apiVersion: 'networking.istio.io/v1beta1', kind: 'ServiceEntry', metadata: { name: 'api' }, spec: { hosts: ['api.example.com'], ports: [{ number: 443, name: 'https', protocol: 'TLS' }], resolution: 'DNS' } };

    const created = (await co.createNamespacedCustomObject({ ...VS, version: 'v1beta1', plural: 'serviceentries', body })) as KubeObject;

    expect(created.metadata).toMatchObject({ name: 'api', namespace: NAMESPACE, generation: 1 });
    expect(server.getObject('ServiceEntry', NAMESPACE, 'api')?.spec).toEqual(body.spec);
  });
});

describe('replace', () => {
  it('answers a PUT with a stale resourceVersion with 409, a current one with 200', async () => {
    const current = server.getObject('vs', NAMESPACE, 'reviews') as KubeObject;
    server.edit({ resource: 'vs', namespace: NAMESPACE, name: 'reviews' }, (draft) => {
      (draft.metadata ??= {}).annotations = { 'edited-by': 'someone' };
    });

    const stale = await rejection(co.replaceNamespacedCustomObject({ ...VS, name: 'reviews', body: current }));
    const fresh = server.getObject('vs', NAMESPACE, 'reviews') as KubeObject;
    const replaced = (await co.replaceNamespacedCustomObject({ ...VS, name: 'reviews', body: { ...fresh, spec: { hosts: ['reviews.shop.svc.cluster.local'] } } })) as KubeObject;

    expect(stale.code).toBe(409);
    expect(stale.status.reason).toBe('Conflict');
    expect(replaced.spec).toEqual({ hosts: ['reviews.shop.svc.cluster.local'] });
    expect(replaced.metadata?.generation).toBe(2);
  });

  it('requires a resourceVersion on a custom resource update', async () => {
    const { metadata, ...rest } = reviewsVirtualService();

    const { code, status } = await rejection(co.replaceNamespacedCustomObject({ ...VS, name: 'reviews', body: { ...rest, metadata: { name: metadata?.name } } }));

    expect(code).toBe(422);
    expect(status.details?.causes?.[0]?.field).toBe('metadata.resourceVersion');
  });
});

describe('test hooks', () => {
  it('applies a concurrent edit just before the next write, failing its precondition', async () => {
    const read = (await co.getNamespacedCustomObject({ ...VS, name: 'reviews' })) as KubeObject;
    const edit = server.editBeforeNextWrite({ resource: 'virtualservices', namespace: NAMESPACE, name: 'reviews' }, (draft) => {
      (draft.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route[0]!.weight = 0;
    });
    const body = { metadata: { resourceVersion: read.metadata?.resourceVersion }, spec: { hosts: ['reviews', 'reviews.shop'] } };

    expect(edit.applied).toBe(false);
    const { code } = await rejection(co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body }, MERGE_PATCH));

    expect(code).toBe(409);
    expect(edit.applied).toBe(true);
    expect(weights(server.getObject('vs', NAMESPACE, 'reviews'))).toEqual([0, 10]);
    expect(server.getObject('vs', NAMESPACE, 'reviews')?.metadata?.generation).toBe(2);
  });

  it('makes a JSON patch test on resourceVersion fail after a concurrent edit', async () => {
    const read = (await co.getNamespacedCustomObject({ ...VS, name: 'reviews' })) as KubeObject;
    server.editBeforeNextWrite({ resource: 'vs', namespace: NAMESPACE, name: 'reviews' }, (draft) => {
      (draft.metadata ??= {}).labels = { app: 'reviews', touched: 'yes' };
    });
    const body = [
      { op: 'test', path: '/metadata/resourceVersion', value: read.metadata?.resourceVersion },
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 0 },
    ];

    const { code } = await rejection(co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body }));
    const retried = (await co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body: [body[1]] })) as KubeObject;

    expect(code).toBe(422);
    expect(weights(retried)).toEqual([0, 10]);
  });

  it('injects a 500 once, then serves normally', async () => {
    const fault = server.injectFault({ method: 'GET', pathIncludes: '/virtualservices/reviews' });

    const failed = await rejection(co.getNamespacedCustomObject({ ...VS, name: 'reviews' }));
    const served = (await co.getNamespacedCustomObject({ ...VS, name: 'reviews' })) as KubeObject;

    expect(failed.code).toBe(500);
    expect(failed.status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'InternalError', code: 500 });
    expect(served.metadata?.name).toBe('reviews');
    expect(fault.hits).toBe(1);
    expect(server.calls.map((call) => call.status)).toEqual([500, 200]);
  });

  it('draws probabilistic faults from a seeded RNG, reproducibly', async () => {
    const pattern = async (): Promise<number[]> => {
      const local = await startKubeApiServer({ randomSeed: 42 });
      local.injectFault({ status: 503, probability: 0.5, times: Infinity });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await fetch(`${local.url}/api/v1`, { headers: { authorization: 'Bearer harness-token' } })).status);
      await local.close();
      return statuses;
    };

    const first = await pattern();

    expect(await pattern()).toEqual(first);
    expect(first).toContain(503);
    expect(first).toContain(200);
  });

  it('can hang a request until the client gives up', async () => {
    server.injectFault({ hang: true });

    const outcome = await fetch(`${server.url}/api`, { headers: { authorization: 'Bearer harness-token' }, signal: AbortSignal.timeout(100) }).catch((error: unknown) => (error as Error).name);

    expect(outcome).toBe('TimeoutError');
    expect(server.calls[0]?.status).toBeUndefined();
  });

  it('forbids a verb on a resource with a 403 Status', async () => {
    server.forbid({ verb: 'patch', plural: 'virtualservices', namespace: NAMESPACE });
    const body = [{ op: 'replace', path: '/spec/http/0/route/0/weight', value: 0 }];

    const { code, status } = await rejection(co.patchNamespacedCustomObject({ ...VS, name: 'reviews', body }));
    const stillReadable = (await co.getNamespacedCustomObject({ ...VS, name: 'reviews' })) as KubeObject;

    expect(code).toBe(403);
    expect(status).toMatchObject({
      reason: 'Forbidden',
      message: `virtualservices.networking.istio.io "reviews" is forbidden: User "system:serviceaccount:meshbot:meshbot" cannot patch resource "virtualservices" in API group "networking.istio.io" in the namespace "${NAMESPACE}"`,
    });
    expect(weights(stillReadable)).toEqual([90, 10]);
  });

  it('writes a kubeconfig file that client-node can load', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kube-harness-'));
    try {
      const path = join(dir, 'config');
      await server.writeKubeconfig(path, 'harness');
      const kc = new KubeConfig();
      kc.loadFromFile(path);

      const read = (await kc.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...VS, name: 'reviews' })) as KubeObject;

      expect(kc.getCurrentContext()).toBe('harness');
      expect(read.metadata?.name).toBe('reviews');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('core resources', () => {
  it('creates, reads and lists Services; reads namespaces', async () => {
    await core.createNamespacedService({ namespace: NAMESPACE, body: { metadata: { name: 'reviews', labels: { app: 'reviews' } }, spec: { ports: [{ port: 9080 }] } } });

    const service = await core.readNamespacedService({ namespace: NAMESPACE, name: 'reviews' });
    const list = await core.listNamespacedService({ namespace: NAMESPACE, labelSelector: 'app in (reviews, ratings)' });
    const namespace = await core.readNamespace({ name: NAMESPACE });
    const missing = await rejection(core.readNamespace({ name: 'nowhere' }));

    expect(service.spec?.clusterIP).toMatch(/^10\.96\./);
    expect(list.items.map((item) => item.metadata?.name)).toEqual(['reviews']);
    expect(namespace.status?.phase).toBe('Active');
    expect(missing.status).toMatchObject({ reason: 'NotFound', message: 'namespaces "nowhere" not found' });
  });

  it('creates, lists and deletes Pods', async () => {
    await core.createNamespacedPod({ namespace: NAMESPACE, body: { metadata: { name: 'curl' }, spec: { containers: [{ name: 'curl', image: 'curlimages/curl' }] } } });

    const listed = await core.listNamespacedPod({ namespace: NAMESPACE });
    await core.deleteNamespacedPod({ namespace: NAMESPACE, name: 'curl' });
    const gone = await rejection(core.readNamespacedPod({ namespace: NAMESPACE, name: 'curl' }));

    expect(listed.items.map((pod) => [pod.metadata?.name, pod.status?.phase])).toEqual([['curl', 'Pending']]);
    expect(gone.code).toBe(404);
  });
});

describe('JSON patch and merge patch', () => {
  const document: Json = { a: [1, 2], b: { c: 'x' } };

  it('implements add, remove, replace, move, copy and test', () => {
    expect(applyJsonPatch(document, [{ op: 'add', path: '/a/-', value: 3 }])).toEqual({ a: [1, 2, 3], b: { c: 'x' } });
    expect(applyJsonPatch(document, [{ op: 'add', path: '/a/0', value: 0 }])).toEqual({ a: [0, 1, 2], b: { c: 'x' } });
    expect(applyJsonPatch(document, [{ op: 'remove', path: '/b/c' }])).toEqual({ a: [1, 2], b: {} });
    expect(applyJsonPatch(document, [{ op: 'move', from: '/b/c', path: '/d' }])).toEqual({ a: [1, 2], b: {}, d: 'x' });
    expect(applyJsonPatch(document, [{ op: 'copy', from: '/a', path: '/b/a' }])).toEqual({ a: [1, 2], b: { c: 'x', a: [1, 2] } });
    expect(applyJsonPatch(document, [{ op: 'test', path: '/b', value: { c: 'x' } }])).toEqual(document);
    expect(() => applyJsonPatch(document, [{ op: 'test', path: '/a/1', value: 3 }])).toThrow(JsonPatchError);
    expect(() => applyJsonPatch(document, [{ op: 'replace', path: '/z', value: 3 }])).toThrow(/missing path/);
    expect(() => applyJsonPatch(document, [{ op: 'add', path: '/a/5', value: 3 }])).toThrow(/out of bounds/);
    expect(document).toEqual({ a: [1, 2], b: { c: 'x' } });
  });

  it('merges with null deleting members', () => {
    expect(applyMergePatch(document, { a: null, b: { d: 1 } })).toEqual({ b: { c: 'x', d: 1 } });
  });
});
