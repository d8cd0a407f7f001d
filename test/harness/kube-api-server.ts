import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { seededRandom } from '../support/seeded-random.js';
import { FaultInjector, type FaultHandle, type FaultSpec, type ForbidRule } from './kube/faults.js';
import { deepClone } from './kube/json-patch.js';
import { buildKubeConfig, writeKubeconfigFile } from './kube/kubeconfig.js';
import { JSON_PATCH, MERGE_PATCH, ResourceApi, type ApiResponse, type ResourceRequest } from './kube/resource-api.js';
import { ResourceRegistry, type GcpBackendOptions, type KubeObject, type ResourceDef, type Verb } from './kube/resources.js';
import { route, verbFor, type ResourceTarget } from './kube/routes.js';
import { badRequest, forbidden, internalError, KubeStatusError, methodNotAllowed, pathNotFound, statusForCode, unauthorized, unsupportedMediaType } from './kube/status.js';
import { fieldManagerOf, recordUpdate } from './kube/managed-fields.js';
import { kubeTimestamp, ObjectStore } from './kube/store.js';
import { isWatch, watchTarget, WatchHub } from './kube/watch-hub.js';
import type { WatchTarget } from './kube/watch-stream.js';

export type { FaultHandle, FaultSpec, ForbidRule } from './kube/faults.js';
export type { ManagedFieldsEntry } from './kube/managed-fields.js';
export type { GcpBackendOptions, KubeMetadata, KubeObject, Verb } from './kube/resources.js';
export type { Status, StatusCause } from './kube/status.js';

/**
 * A protocol-faithful stand-in for kube-apiserver, serving Istio networking resources (v1,
 * v1beta1, v1alpha3), GCPBackends, and minimal core Services, Pods and Namespaces over plain
 * HTTP on 127.0.0.1, for the real @kubernetes/client-node. Writes of Istio kinds are validated
 * against the CRD schemas; errors are Status bodies worded like the real server's.
 *
 * Watches: a GET of a list path (or of one object's path) with `?watch=true` streams
 * newline-delimited `{"type","object"}` events over a chunked 200, as client-node's `Watch`
 * and `ListWatch` expect: honouring `labelSelector`, `fieldSelector` (`metadata.name=NAME`),
 * the namespace of the path, `allowWatchBookmarks=true` and `timeoutSeconds`. Without a
 * `resourceVersion` (or with "0") it starts with an ADDED for each current object; from a
 * resourceVersion still in the history, with every change after it; from an older one, with
 * one ERROR event carrying a 410 Expired Status (`too old resource version: RV (OLDEST)`), and
 * the stream ends. Every change is an event, whatever made it (API writes, `put`, `seed`,
 * `edit`, `editBeforeNextWrite`, `remove`, pod status). Objects come at the watched apiVersion.
 *
 * managedFields: every create, update and patch through the API records its changed fields in
 * `metadata.managedFields` under the `fieldManager` parameter, else the User-Agent's product
 * (client-node 2 sends `kubernetes-client-javascript/VERSION`, so an unnamed client-node write
 * is the manager "kubernetes-client-javascript"),
 * with operation 'Update', the request's apiVersion, and the time in seconds. Lists are
 * atomic: changing a weight makes the writer own `f:spec` → `f:http` as a whole and takes it
 * from every other manager. managedFields in a request body are ignored; no-op writes change
 * nothing. `edit` records them too; `put` and `seed` store them as given.
 */
export interface KubeApiServerOptions {
  /** Where GCPBackends live. Default networking.gke.io / v1 / gcpbackends, kind GCPBackend. */
  gcpBackend?: GcpBackendOptions;
  /** Bearer token every request must carry. Default 'harness-token'. */
  token?: string;
  /** The user named in Forbidden messages. */
  user?: string;
  /** Namespaces that exist from the start (others appear on first write). Default ['default']. */
  namespaces?: string[];
  /** Seed of the RNG behind fault probabilities. Default 1. */
  randomSeed?: number;
  /** resourceVersion counter start. Default 1000. */
  initialResourceVersion?: number;
  /** Changes kept to serve watches from an older resourceVersion; older ones answer 410. Default 1000. */
  watchHistory?: number;
  /** How often a watch with `allowWatchBookmarks=true` gets a BOOKMARK. Default 1000. */
  bookmarkIntervalMs?: number;
}

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string;
  /** Parsed JSON/YAML, the raw text if it did not parse, undefined if empty. */
  body: unknown;
  /** undefined while unanswered (delayed or hung). */
  status?: number;
  /** Why it failed when the Status does not say (e.g. which JSON patch operation did not apply), or 'injected fault'. */
  detail?: string;
}

/** A stored object: resource as kind, plural or short name ('VirtualService', 'virtualservices', 'vs'). */
export interface ObjectRef {
  resource: string;
  /** Ignored for cluster-scoped resources (namespaces). */
  namespace: string;
  name: string;
}

/** Changes a draft copy in place or returns a replacement; returning null deletes the object. */
export type ObjectChange = (draft: KubeObject) => KubeObject | void | null;

export interface ConcurrentEditTrigger extends ObjectRef {
  /** Requests on the object that trigger the edit. Default ['update', 'patch']. */
  verbs?: Verb[];
  /** The field manager the edit is recorded under in managedFields. Default 'kubectl-edit'. */
  fieldManager?: string;
}

export interface EditOptions {
  /** The field manager the edit is recorded under in managedFields. Default 'kubectl-edit'. */
  fieldManager?: string;
}

export interface PodOutcome {
  readonly phase: 'Succeeded' | 'Failed';
  readonly log: string;
  readonly afterMs?: number;
}

export interface PendingEdit {
  /** Whether a request has triggered it yet. */
  readonly applied: boolean;
  remove(): void;
}

export interface KubeConfigOptions {
  namespace?: string;
  contextName?: string;
}

export interface KubeApiServer {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Every request received, in order (discovery included). */
  readonly calls: RecordedCall[];
  /** The current value of the cluster-wide resourceVersion counter. */
  readonly resourceVersion: string;
  kubeConfig(options?: KubeConfigOptions): KubeConfig;
  /** Writes a kubeconfig file pointing at this server, for child processes (KUBECONFIG). */
  writeKubeconfig(path: string, contextName?: string): Promise<void>;
  /** Stores objects as they are (no validation), bumping resourceVersion; returns the stored copies. */
  seed(...objects: KubeObject[]): KubeObject[];
  /** Stores one object as it is (no validation), bumping resourceVersion. */
  put(object: KubeObject): KubeObject;
  /** Seeds every document of a (multi-document) YAML text; namespace defaults to 'default'. */
  seedYaml(text: string, namespace?: string): KubeObject[];
  getObject(resource: string, namespace: string, name: string): KubeObject | undefined;
  listObjects(resource: string, namespace?: string): KubeObject[];
  remove(resource: string, namespace: string, name: string): boolean;
  /**
   * A hand edit by someone else, now: bumps resourceVersion (and generation if the spec changed)
   * and records the changed fields in managedFields under `options.fieldManager` (default
   * 'kubectl-edit'), as an Update through the object's stored apiVersion. A change that changes
   * nothing stores nothing.
   */
  edit(ref: ObjectRef, change: ObjectChange, options?: EditOptions): KubeObject | null;
  /**
   * Plays the kubelet for Pods created through the API: `outcome(pod)` says how each ends
   * (phase, container log, after how long); the log is served at `.../pods/NAME/log`.
   */
  runPods(outcome: (pod: KubeObject) => PodOutcome | undefined): void;
  /**
   * A concurrent edit by someone else, applied just before the next matching request on the
   * object is evaluated, so that request's precondition (resourceVersion, JSON patch `test`)
   * sees the edit exactly as in a real race. Fires once.
   */
  editBeforeNextWrite(trigger: ConcurrentEditTrigger, change: ObjectChange): PendingEdit;
  resetCalls(): void;
  injectFault(fault: FaultSpec): FaultHandle;
  clearFaults(): void;
  /** RBAC simulation: matching requests get 403 Forbidden (verb 'watch' for watches). */
  forbid(rule: ForbidRule): { remove(): void };
  clearForbidden(): void;
  /** Forgets the watch history: a watch from any resourceVersion older than now answers 410 Expired. */
  compactHistory(): void;
  /** Destroys every open watch connection mid-stream (a dropped connection); returns how many. */
  dropWatches(): number;
  /** Watch connections open now. */
  readonly openWatches: number;
  close(): Promise<void>;
}

export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const harness = new KubeApiHarness(options);
  await harness.listen();
  return harness;
}

interface ActiveEdit {
  def: ResourceDef;
  trigger: ConcurrentEditTrigger;
  change: ObjectChange;
  applied: boolean;
}

const BODY_TYPES = ['', 'application/json', 'application/yaml'];
const EDIT_MANAGER = 'kubectl-edit';

type Answer = ApiResponse | { watch: WatchTarget };

class KubeApiHarness implements KubeApiServer {
  readonly calls: RecordedCall[] = [];
  readonly token: string;
  private readonly user: string;
  private readonly registry: ResourceRegistry;
  private readonly store: ObjectStore;
  private readonly api: ResourceApi;
  private readonly faults: FaultInjector;
  private readonly watches: WatchHub;
  private forbidRules: { def: ResourceDef; rule: ForbidRule }[] = [];
  private pendingEdits: ActiveEdit[] = [];
  private readonly server: Server;
  private readonly closing = new AbortController();
  private podOutcome: ((pod: KubeObject) => PodOutcome | undefined) | undefined;
  private readonly podLogs = new Map<string, string>();
  private listeningPort = 0;

  constructor(options: KubeApiServerOptions) {
    this.token = options.token ?? 'harness-token';
    this.user = options.user ?? 'system:serviceaccount:meshbot:meshbot';
    this.registry = new ResourceRegistry(options.gcpBackend);
    this.store = new ObjectStore(options.initialResourceVersion);
    this.api = new ResourceApi(this.registry, this.store);
    this.watches = new WatchHub(this.store, { history: options.watchHistory ?? 1000, bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000 });
    this.faults = new FaultInjector(seededRandom(options.randomSeed ?? 1));
    for (const namespace of options.namespaces ?? ['default']) this.api.ensureNamespace(namespace);
    this.server = createServer((request, response) => {
      this.serve(request, response).catch(() => response.destroy());
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.listeningPort = (this.server.address() as AddressInfo).port;
  }

  get port(): number {
    return this.listeningPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get resourceVersion(): string {
    return this.store.resourceVersion;
  }

  kubeConfig(options: KubeConfigOptions = {}): KubeConfig {
    return buildKubeConfig({ url: this.url, token: this.token, ...options });
  }

  async writeKubeconfig(path: string, contextName?: string): Promise<void> {
    await writeKubeconfigFile(path, { url: this.url, token: this.token, ...(contextName ? { contextName } : {}) });
  }

  seed(...objects: KubeObject[]): KubeObject[] {
    return objects.map((object) => this.put(object));
  }

  put(object: KubeObject): KubeObject {
    const def = this.registry.forObject(object);
    const copy = deepClone(object);
    const metadata = (copy.metadata ??= {});
    if (!metadata.name) throw new Error('kube harness: cannot store an object without metadata.name');
    if (def.namespaced) metadata.namespace ??= 'default';
    return this.storeDirectly(def, copy);
  }

  seedYaml(text: string, namespace = 'default'): KubeObject[] {
    const objects = parseAllDocuments(text)
      .map((document) => document.toJS() as KubeObject | null)
      .filter((object): object is KubeObject => object !== null);
    for (const object of objects) (object.metadata ??= {}).namespace ??= namespace;
    return this.seed(...objects);
  }

  getObject(resource: string, namespace: string, name: string): KubeObject | undefined {
    const def = this.registry.resolve(resource);
    return this.store.get(def, scopedNamespace(def, namespace), name);
  }

  listObjects(resource: string, namespace?: string): KubeObject[] {
    const def = this.registry.resolve(resource);
    return this.store.list(def, def.namespaced ? namespace : '');
  }

  remove(resource: string, namespace: string, name: string): boolean {
    const def = this.registry.resolve(resource);
    return this.store.delete(def, scopedNamespace(def, namespace), name);
  }

  runPods(outcome: (pod: KubeObject) => PodOutcome | undefined): void {
    this.podOutcome = outcome;
  }

  private startPod(pod: KubeObject): void {
    const outcome = this.podOutcome?.(pod);
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    if (!outcome) return;
    const timer = setTimeout(() => {
      this.podLogs.set(`${namespace}/${name}`, outcome.log);
      const status = { phase: outcome.phase, containerStatuses: [{ name: 'probe', state: { terminated: { exitCode: outcome.phase === 'Succeeded' ? 0 : 1 } } }] };
      this.edit({ resource: 'pods', namespace, name }, (draft) => void (draft.status = status), { fieldManager: 'kubelet' });
    }, outcome.afterMs ?? 50);
    timer.unref();
  }

  edit(ref: ObjectRef, change: ObjectChange, options: EditOptions = {}): KubeObject | null {
    const def = this.registry.resolve(ref.resource);
    const namespace = scopedNamespace(def, ref.namespace);
    const current = this.store.get(def, namespace, ref.name);
    if (!current) throw new Error(`kube harness: cannot edit ${def.plural} ${ref.namespace}/${ref.name}: not found`);
    const draft = deepClone(current);
    const result = change(draft);
    if (result === null) {
      this.store.delete(def, namespace, ref.name);
      return null;
    }
    const manager = fieldManagerOf(options.fieldManager ?? EDIT_MANAGER, undefined);
    const write = { manager, apiVersion: current.apiVersion ?? '', time: kubeTimestamp(new Date()), ignoreStatus: false };
    return this.storeDirectly(def, recordUpdate(current, (result as KubeObject | undefined) ?? draft, write));
  }

  editBeforeNextWrite(trigger: ConcurrentEditTrigger, change: ObjectChange): PendingEdit {
    const edit: ActiveEdit = { def: this.registry.resolve(trigger.resource), trigger, change, applied: false };
    this.pendingEdits.push(edit);
    return {
      get applied() {
        return edit.applied;
      },
      remove: () => {
        this.pendingEdits = this.pendingEdits.filter((candidate) => candidate !== edit);
      },
    };
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  injectFault(fault: FaultSpec): FaultHandle {
    return this.faults.add(fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  forbid(rule: ForbidRule): { remove(): void } {
    const entry = { def: this.registry.resolve(rule.plural), rule };
    this.forbidRules.push(entry);
    return {
      remove: () => {
        this.forbidRules = this.forbidRules.filter((candidate) => candidate !== entry);
      },
    };
  }

  clearForbidden(): void {
    this.forbidRules = [];
  }

  compactHistory(): void {
    this.watches.compact();
  }

  dropWatches(): number {
    return this.watches.dropAll();
  }

  get openWatches(): number {
    return this.watches.openWatches;
  }

  async close(): Promise<void> {
    this.closing.abort();
    this.watches.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private storeDirectly(def: ResourceDef, object: KubeObject): KubeObject {
    const namespace = object.metadata?.namespace ?? '';
    const previous = this.store.get(def, scopedNamespace(def, namespace), object.metadata?.name ?? '');
    if (def.namespaced) this.api.ensureNamespace(namespace);
    const { object: prepared, changed } = this.store.prepare(def, object, previous);
    return changed ? this.store.commit(def, prepared) : prepared;
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = (request.method ?? 'GET').toUpperCase();
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const rawBody = await readBody(request);
    const call: RecordedCall = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), contentType, body: bodyForLog(rawBody, contentType) };
    this.calls.push(call);
    try {
      const fault = this.faults.take(method, url.pathname + url.search);
      if (fault && (await this.sufferFault(fault, call))) return;
      const answer = this.answer(request, method, url, contentType, rawBody);
      if ('watch' in answer) {
        this.watches.serve(answer.watch, response);
        call.status = 200;
      } else if (answer.text) sendText(response, call, answer.status, String(answer.body));
      else send(response, call, answer.status, answer.body);
    } catch (error) {
      const statusError = error instanceof KubeStatusError ? error : internalError(error instanceof Error ? error.message : String(error));
      call.detail ??= statusError.detail;
      send(response, call, statusError.code, statusError.toStatus(), statusError.headers);
    }
  }

  /** Returns true when the fault leaves the request unanswered; throws the Status it answers with. */
  private async sufferFault(fault: FaultSpec, call: RecordedCall): Promise<boolean> {
    call.detail = 'injected fault';
    if (fault.hang) return true;
    if (fault.delayMs) await sleep(fault.delayMs, undefined, { signal: this.closing.signal }).catch(() => undefined);
    if (this.closing.signal.aborted) return true;
    if (fault.passThrough) return false;
    const error = statusForCode(fault.status ?? 500, fault.message);
    error.detail = 'injected fault';
    throw error;
  }

  private answer(request: IncomingMessage, method: string, url: URL, contentType: string, rawBody: string): Answer {
    if (request.headers.authorization !== `Bearer ${this.token}`) throw unauthorized();
    const host = request.headers.host ?? `127.0.0.1:${this.port}`;
    const podLog = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname);
    if (podLog && method === 'GET') return this.podLog(decodeURIComponent(podLog[1] as string), decodeURIComponent(podLog[2] as string));
    const found = route(this.registry, url.pathname, host);
    if (!found) throw pathNotFound();
    if (found.type === 'document') {
      if (method !== 'GET') throw methodNotAllowed();
      return { status: 200, body: found.document };
    }
    const resourceRequest = this.resourceRequest(found.target, method, url, contentType, rawBody, request.headers['user-agent']);
    this.checkAllowed(resourceRequest);
    if (resourceRequest.verb === 'watch') return { watch: watchTarget(resourceRequest) };
    this.runPendingEdits(resourceRequest);
    const answer = this.api.handle(resourceRequest);
    if (resourceRequest.verb === 'create' && resourceRequest.def.plural === 'pods' && answer.status < 300) this.startPod(answer.body as KubeObject);
    return answer;
  }

  private podLog(namespace: string, name: string): ApiResponse {
    if (!this.getObject('pods', namespace, name)) throw statusForCode(404, `pods "${name}" not found`);
    return { status: 200, body: this.podLogs.get(`${namespace}/${name}`) ?? '', text: true };
  }

  private resourceRequest(target: ResourceTarget, method: string, url: URL, contentType: string, rawBody: string, userAgent: string | undefined): ResourceRequest {
    const verb = watchOr(verbFor(method, target), url.searchParams);
    if (!verb || !target.def.verbs.includes(verb)) throw methodNotAllowed();
    if (verb === 'patch' && contentType !== JSON_PATCH && contentType !== MERGE_PATCH) throw unsupportedMediaType(contentType, [JSON_PATCH, MERGE_PATCH]);
    if ((verb === 'create' || verb === 'update') && !BODY_TYPES.includes(contentType)) throw unsupportedMediaType(contentType, ['application/json', 'application/yaml']);
    return { def: target.def, version: target.version, verb, namespace: target.namespace, name: target.name, query: url.searchParams, contentType, body: decodeBody(rawBody, contentType), userAgent };
  }

  private checkAllowed(request: ResourceRequest): void {
    const denied = this.forbidRules.some(({ def, rule }) => {
      if (def !== request.def) return false;
      if (rule.verb !== '*' && rule.verb !== request.verb) return false;
      if (rule.namespace !== undefined && rule.namespace !== request.namespace) return false;
      return rule.name === undefined || rule.name === request.name;
    });
    if (!denied) return;
    const details = { user: this.user, verb: request.verb, ...(request.name ? { name: request.name } : {}), ...(request.namespace ? { namespace: request.namespace } : {}) };
    throw forbidden(request.def, details);
  }

  private runPendingEdits(request: ResourceRequest): void {
    const due = this.pendingEdits.filter(({ def, trigger }) => {
      const verbs = trigger.verbs ?? ['update', 'patch'];
      return def === request.def && verbs.includes(request.verb) && trigger.name === request.name && scopedNamespace(def, trigger.namespace) === (request.namespace ?? '');
    });
    this.pendingEdits = this.pendingEdits.filter((edit) => !due.includes(edit));
    for (const edit of due) {
      edit.applied = true;
      const options = edit.trigger.fieldManager === undefined ? {} : { fieldManager: edit.trigger.fieldManager };
      if (this.getObject(edit.def.plural, edit.trigger.namespace, edit.trigger.name)) this.edit(edit.trigger, edit.change, options);
    }
  }
}

/** A GET with `?watch=true` is a watch, of a collection or (deprecated, still served) of one object. */
function watchOr(verb: Verb | undefined, query: URLSearchParams): Verb | undefined {
  return (verb === 'list' || verb === 'get') && isWatch(query) ? 'watch' : verb;
}

function scopedNamespace(def: ResourceDef, namespace: string): string {
  return def.namespaced ? namespace : '';
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function decodeBody(raw: string, contentType: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return contentType.endsWith('yaml') ? parseYaml(raw) : JSON.parse(raw);
  } catch (error) {
    throw badRequest(`error decoding request body: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function bodyForLog(raw: string, contentType: string): unknown {
  try {
    return decodeBody(raw, contentType);
  } catch {
    return raw;
  }
}

function sendText(response: ServerResponse, call: RecordedCall, status: number, body: string): void {
  call.status = status;
  response.writeHead(status, { 'content-type': 'text/plain' });
  response.end(body);
}

function send(response: ServerResponse, call: RecordedCall, status: number, body: unknown, headers: Record<string, string> = {}): void {
  call.status = status;
  if (response.destroyed || response.writableEnded) return;
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
