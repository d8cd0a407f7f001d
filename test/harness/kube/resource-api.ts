import { randomInt } from 'node:crypto';
import { validateIstioObject } from '../../../src/schema/istio-schema.js';
import { applyJsonPatch, applyMergePatch, deepClone, isObject, JsonPatchError, parseJsonPatch, type Json } from './json-patch.js';
import { fieldManagerOf, recordUpdate } from './managed-fields.js';
import { apiVersionOf, type KubeObject, type ResourceDef, type ResourceRegistry, type Verb } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  internalError,
  invalid,
  KubeStatusError,
  notFound,
  patchNotApplied,
  preconditionConflict,
  successStatus,
  unsupportedMediaType,
  type StatusCause,
} from './status.js';
import { kubeTimestamp, type ObjectStore } from './store.js';

export interface ResourceRequest {
  def: ResourceDef;
  version: string;
  verb: Verb;
  /** undefined for cluster-scoped resources and cluster-wide lists. */
  namespace: string | undefined;
  name: string | undefined;
  query: URLSearchParams;
  contentType: string;
  body: unknown;
  /** Names the field manager of a write that has no `fieldManager` parameter. */
  userAgent: string | undefined;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  /** Sent as text/plain (pod logs), not JSON. */
  text?: boolean;
}

export const JSON_PATCH = 'application/json-patch+json';
export const MERGE_PATCH = 'application/merge-patch+json';
const SUPPORTED_PATCHES = [JSON_PATCH, MERGE_PATCH];

/** The REST semantics of kube-apiserver for one resource request, over the object store. */
export class ResourceApi {
  constructor(
    private readonly registry: ResourceRegistry,
    private readonly store: ObjectStore,
  ) {}

  handle(request: ResourceRequest): ApiResponse {
    switch (request.verb) {
      case 'list':
        return this.list(request);
      case 'get':
        return { status: 200, body: atVersion(request, this.existing(request)) };
      case 'create':
        return this.create(request);
      case 'update':
        return this.update(request);
      case 'patch':
        return this.patch(request);
      case 'delete':
        return this.delete(request);
      case 'watch':
        throw internalError('a watch is streamed by the server, not answered by ResourceApi');
    }
  }

  /** Namespaces spring into existence on first use, so tests need not create them. */
  ensureNamespace(name: string): void {
    const def = this.registry.resolve('namespaces');
    if (this.store.get(def, '', name)) return;
    const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
    def.onCreate?.(namespace);
    this.store.commit(def, this.store.prepare(def, namespace, undefined).object);
  }

  private list(request: ResourceRequest): ApiResponse {
    const { def, query } = request;
    const matchesLabels = parseLabelSelector(query.get('labelSelector') ?? undefined);
    const matchesFields = parseFieldSelector(query.get('fieldSelector') ?? undefined);
    const matching = this.store.list(def, request.namespace).filter((object) => matchesLabels(object) && matchesFields(object));
    const { items, metadata } = paginate(matching, query);
    const body = {
      apiVersion: apiVersionOf(def.group, request.version),
      kind: `${def.kind}List`,
      metadata: { resourceVersion: this.store.resourceVersion, ...metadata },
      items: items.map((object) => (def.custom ? atVersion(request, object) : withoutTypeMeta(object))),
    };
    return { status: 200, body };
  }

  private create(request: ResourceRequest): ApiResponse {
    const { def } = request;
    const object = requestObject(request);
    const metadata = (object.metadata ??= {});
    if (!metadata.name && metadata.generateName) metadata.name = metadata.generateName + randomSuffix();
    if (!metadata.name) throw invalid(def, '', [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
    if (metadata.resourceVersion) throw new KubeStatusError(500, 'InternalError', 'resourceVersion should not be set on objects to be created');
    if (this.store.get(def, metadata.namespace ?? '', metadata.name)) throw alreadyExists(def, metadata.name);
    if (def.statusSubresource) delete object.status;
    def.onCreate?.(object);
    return { status: 201, body: atVersion(request, this.write(request, object, undefined)) };
  }

  private update(request: ResourceRequest): ApiResponse {
    const { def } = request;
    const previous = this.existing(request);
    const object = requestObject(request);
    const resourceVersion = object.metadata?.resourceVersion;
    if (!resourceVersion && def.custom) {
      throw invalid(def, request.name ?? '', [{ reason: 'FieldValueInvalid', message: 'Invalid value: 0x0: must be specified for an update', field: 'metadata.resourceVersion' }]);
    }
    if (resourceVersion && resourceVersion !== previous.metadata?.resourceVersion) throw conflict(def, request.name ?? '');
    keepStoredStatus(def, object, previous);
    return { status: 200, body: atVersion(request, this.write(request, object, previous)) };
  }

  private patch(request: ResourceRequest): ApiResponse {
    const { def } = request;
    const previous = this.existing(request);
    const patched = applyPatch(request, atVersion(request, previous) as Json);
    if (!isObject(patched)) throw badRequest('the patched document is not an object');
    const object = patched as KubeObject;
    checkIdentity(request, object);
    const resourceVersion = object.metadata?.resourceVersion;
    // A resourceVersion in the patch is a precondition, as in kube-apiserver.
    if (resourceVersion !== undefined && resourceVersion !== previous.metadata?.resourceVersion) throw conflict(def, request.name ?? '');
    keepStoredStatus(def, object, previous);
    return { status: 200, body: atVersion(request, this.write(request, object, previous)) };
  }

  private delete(request: ResourceRequest): ApiResponse {
    const { def, body } = request;
    const previous = this.existing(request);
    checkDeletePreconditions(request, previous, isObject(body as Json) ? (body as { preconditions?: unknown }).preconditions : undefined);
    if (!isDryRun(request)) this.store.delete(def, request.namespace ?? '', request.name ?? '');
    const responseBody = def.custom ? successStatus(def, request.name ?? '', previous.metadata?.uid) : atVersion(request, previous);
    return { status: 200, body: responseBody };
  }

  private existing(request: ResourceRequest): KubeObject {
    const object = this.store.get(request.def, request.namespace ?? '', request.name ?? '');
    if (!object) throw notFound(request.def, request.name ?? '');
    return object;
  }

  /** Validates, then stores unless nothing changed or the request is a dry run. */
  private write(request: ResourceRequest, candidate: KubeObject, previous: KubeObject | undefined): KubeObject {
    const { def } = request;
    const apiVersion = apiVersionOf(def.group, request.version);
    const manager = fieldManagerOf(request.query.get('fieldManager'), request.userAgent);
    const tracked = recordUpdate(previous, candidate, { manager, apiVersion, time: kubeTimestamp(new Date()), ignoreStatus: def.statusSubresource });
    const { object, changed } = this.store.prepare(def, tracked, previous);
    validate(def, object);
    if (!changed || isDryRun(request)) return object;
    if (def.namespaced) this.ensureNamespace(object.metadata?.namespace ?? 'default');
    return this.store.commit(def, object);
  }
}

function applyPatch(request: ResourceRequest, current: Json): Json {
  const body = request.body as Json;
  if (request.contentType === MERGE_PATCH) {
    if (!isObject(body)) throw badRequest('a merge patch must be a JSON object');
    return applyMergePatch(current, body);
  }
  if (request.contentType !== JSON_PATCH) throw unsupportedMediaType(request.contentType, SUPPORTED_PATCHES);
  let operations;
  try {
    operations = parseJsonPatch(body);
  } catch (error) {
    throw badRequest(error instanceof Error ? error.message : String(error));
  }
  try {
    return applyJsonPatch(current, operations);
  } catch (error) {
    if (error instanceof JsonPatchError) throw patchNotApplied(error.message);
    throw error;
  }
}

/** The request body as an object of the requested kind, version, namespace and name. */
function requestObject(request: ResourceRequest): KubeObject {
  if (!isObject(request.body as Json)) throw badRequest('the request body is not a Kubernetes object');
  const object = deepClone(request.body) as KubeObject;
  object.apiVersion ??= apiVersionOf(request.def.group, request.version);
  object.kind ??= request.def.kind;
  const metadata = (object.metadata ??= {});
  if (request.namespace !== undefined) metadata.namespace ??= request.namespace;
  checkIdentity(request, object);
  return object;
}

function checkIdentity(request: ResourceRequest, object: KubeObject): void {
  const expectedApiVersion = apiVersionOf(request.def.group, request.version);
  if (object.apiVersion !== expectedApiVersion) {
    throw badRequest(`the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${expectedApiVersion})`);
  }
  if (object.kind !== request.def.kind) throw badRequest(`the kind in the data (${String(object.kind)}) does not match the expected kind (${request.def.kind})`);
  const metadata = object.metadata ?? {};
  if (request.namespace !== undefined && metadata.namespace !== request.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (request.name !== undefined && metadata.name !== request.name) {
    throw badRequest(`the name of the object (${String(metadata.name)}) does not match the name on the URL (${request.name})`);
  }
}

function checkDeletePreconditions(request: ResourceRequest, previous: KubeObject, preconditions: unknown): void {
  if (!isObject(preconditions as Json)) return;
  const { resourceVersion, uid } = preconditions as { resourceVersion?: string; uid?: string };
  const actual = previous.metadata ?? {};
  if (resourceVersion && resourceVersion !== actual.resourceVersion) {
    throw preconditionConflict(request.def, request.name ?? '', resourceVersion, actual.resourceVersion ?? '');
  }
  if (uid && uid !== actual.uid) {
    const message = `Operation cannot be fulfilled on ${request.def.plural}: Precondition failed: UID in precondition: ${uid}, UID in object meta: ${actual.uid ?? ''}`;
    throw new KubeStatusError(409, 'Conflict', message, { name: request.name ?? '', kind: request.def.plural });
  }
}

/** With a status subresource, the main endpoint ignores status changes. */
function keepStoredStatus(def: ResourceDef, object: KubeObject, previous: KubeObject): void {
  if (!def.statusSubresource) return;
  if (previous.status === undefined) delete object.status;
  else object.status = previous.status;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validate(def: ResourceDef, object: KubeObject): void {
  const causes = [...nameCauses(object), ...(def.istio ? validateIstioObject(object).map((problem) => schemaCause(object, problem)) : [])];
  if (causes.length > 0) throw invalid(def, object.metadata?.name ?? '', causes);
}

function nameCauses(object: KubeObject): StatusCause[] {
  const name = object.metadata?.name ?? '';
  if (name.length <= 253 && DNS_SUBDOMAIN.test(name)) return [];
  const message = `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;
  return [{ reason: 'FieldValueInvalid', message, field: 'metadata.name' }];
}

/** "spec.http[0].route[0].weight: must be integer" → a cause in kube-apiserver's words. */
function schemaCause(object: KubeObject, problem: string): StatusCause {
  const separator = problem.indexOf(': ');
  const field = separator < 0 ? '' : problem.slice(0, separator);
  const complaint = separator < 0 ? problem : problem.slice(separator + 2);
  const required = /^must have required property '(.+)'$/.exec(complaint);
  if (required) return { reason: 'FieldValueRequired', message: 'Required value', field: field === '(root)' ? required[1] : `${field}.${required[1]}` };
  if (field === '' || field === '(root)') return { reason: 'FieldValueInvalid', message: complaint };
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(valueAt(object, field)) ?? 'null'}: ${field} in body ${complaint}`, field };
}

function valueAt(object: unknown, field: string): unknown {
  const tokens = field.split(/\.|\[(\d+)\]/).filter((token) => token !== undefined && token !== '');
  return tokens.reduce<unknown>((node, token) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[token] : undefined), object);
}

/** The object as served at the requested version: one stored object, many apiVersions. */
export function atVersion(request: Pick<ResourceRequest, 'def' | 'version'>, object: KubeObject): KubeObject {
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  return { apiVersion: apiVersionOf(request.def.group, request.version), kind: request.def.kind, ...rest };
}

/** Built-in list items carry no apiVersion/kind, unlike custom resources'. */
function withoutTypeMeta(object: KubeObject): KubeObject {
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  return rest;
}

function isDryRun(request: ResourceRequest): boolean {
  return request.query.getAll('dryRun').includes('All');
}

const GENERATED_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(): string {
  return Array.from({ length: 5 }, () => GENERATED_NAME_ALPHABET[randomInt(GENERATED_NAME_ALPHABET.length)]).join('');
}

/** `limit` and `continue` (an opaque token holding the last key served). */
function paginate(objects: KubeObject[], query: URLSearchParams): { items: KubeObject[]; metadata: { continue?: string; remainingItemCount?: number } } {
  const after = decodeContinue(query.get('continue'));
  const remaining = after === undefined ? objects : objects.filter((object) => objectKey(object) > after);
  const limit = Number(query.get('limit') ?? 0);
  if (!(limit > 0) || remaining.length <= limit) return { items: remaining, metadata: {} };
  const items = remaining.slice(0, limit);
  const token = Buffer.from(JSON.stringify({ after: objectKey(items.at(-1) as KubeObject) })).toString('base64url');
  return { items, metadata: { continue: token, remainingItemCount: remaining.length - limit } };
}

function decodeContinue(token: string | null): string | undefined {
  if (!token) return undefined;
  try {
    const { after } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof after === 'string') return after;
  } catch {
    // reported below
  }
  throw badRequest('continue key is not valid');
}

function objectKey(object: KubeObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}
