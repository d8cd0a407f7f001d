/**
 * Kubernetes `Status` failure bodies, shaped and worded like kube-apiserver's
 * (k8s.io/apimachinery/pkg/api/errors), so client code parses them as it would in a cluster.
 */
export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** What a failed request answers; thrown by handlers and turned into a response by the server. */
export class KubeStatusError extends Error {
  /** Why, for the harness's call log, when the body (like kube-apiserver's) does not say. */
  detail: string | undefined;

  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details: StatusDetails | undefined = undefined,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toStatus(): Status {
    const details = this.details ? { details: this.details } : {};
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, ...details, code: this.code };
  }
}

/** Names a resource in messages and details: `virtualservices.networking.istio.io`, or `pods` for the core group. */
export interface ResourceName {
  group: string;
  plural: string;
  kind: string;
}

export function qualifiedResource(resource: ResourceName): string {
  return resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
}

function resourceDetails(resource: ResourceName, name?: string): StatusDetails {
  const details: StatusDetails = {};
  if (name) details.name = name;
  if (resource.group) details.group = resource.group;
  details.kind = resource.plural;
  return details;
}

export function notFound(resource: ResourceName, name: string): KubeStatusError {
  return new KubeStatusError(404, 'NotFound', `${qualifiedResource(resource)} "${name}" not found`, resourceDetails(resource, name));
}

export function alreadyExists(resource: ResourceName, name: string): KubeStatusError {
  return new KubeStatusError(409, 'AlreadyExists', `${qualifiedResource(resource)} "${name}" already exists`, resourceDetails(resource, name));
}

export function conflict(resource: ResourceName, name: string): KubeStatusError {
  const message = `Operation cannot be fulfilled on ${qualifiedResource(resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`;
  return new KubeStatusError(409, 'Conflict', message, resourceDetails(resource, name));
}

export function preconditionConflict(resource: ResourceName, name: string, expected: string, actual: string): KubeStatusError {
  const message = `Operation cannot be fulfilled on ${qualifiedResource(resource)} "${name}": Precondition failed: ResourceVersion in precondition: ${expected}, ResourceVersion in object meta: ${actual}`;
  return new KubeStatusError(409, 'Conflict', message, resourceDetails(resource, name));
}

export interface ForbiddenRequest {
  user: string;
  verb: string;
  name?: string;
  namespace?: string;
}

export function forbidden(resource: ResourceName, request: ForbiddenRequest): KubeStatusError {
  const subject = request.name ? `${qualifiedResource(resource)} "${request.name}"` : qualifiedResource(resource);
  const scope = request.namespace ? `in the namespace "${request.namespace}"` : 'at the cluster scope';
  const message = `${subject} is forbidden: User "${request.user}" cannot ${request.verb} resource "${resource.plural}" in API group "${resource.group}" ${scope}`;
  return new KubeStatusError(403, 'Forbidden', message, resourceDetails(resource, request.name));
}

/** kube-apiserver's field-validation failure: `Kind.group "name" is invalid: field: message`. */
export function invalid(resource: ResourceName, name: string, causes: StatusCause[]): KubeStatusError {
  const described = causes.map((cause) => (cause.field ? `${cause.field}: ${cause.message}` : cause.message));
  const summary = described.length === 1 ? described[0] : `[${described.join(', ')}]`;
  const qualifiedKind = resource.group ? `${resource.kind}.${resource.group}` : resource.kind;
  const details: StatusDetails = { name, kind: resource.kind, causes };
  if (resource.group) details.group = resource.group;
  return new KubeStatusError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${summary}`, details);
}

/**
 * A JSON patch that does not apply: kube-apiserver answers this generic body, without saying which
 * operation failed (NewGenericServerResponse(422, …)), so clients cannot tell a failed `test` from a bad path.
 */
export function patchNotApplied(detail: string): KubeStatusError {
  const error = new KubeStatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
  error.detail = detail;
  return error;
}

export function badRequest(message: string): KubeStatusError {
  return new KubeStatusError(400, 'BadRequest', message);
}

export function unauthorized(): KubeStatusError {
  return new KubeStatusError(401, 'Unauthorized', 'Unauthorized');
}

export function methodNotAllowed(): KubeStatusError {
  return new KubeStatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function unsupportedMediaType(contentType: string, accepted: string[]): KubeStatusError {
  const message = `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`;
  return new KubeStatusError(415, 'UnsupportedMediaType', `${message} (got ${contentType || 'none'})`);
}

export function pathNotFound(): KubeStatusError {
  return new KubeStatusError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function internalError(message: string): KubeStatusError {
  return new KubeStatusError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}

/** The Status kube-apiserver would send for a bare HTTP code, as used by fault injection. */
export function statusForCode(code: number, message?: string): KubeStatusError {
  const [reason, defaultMessage] = REASONS_BY_CODE.get(code) ?? (code >= 500 ? ['InternalError', 'an error on the server has prevented the request from succeeding'] : ['Unknown', `the server responded with the status code ${code}`]);
  const details: StatusDetails = {};
  const headers: Record<string, string> = {};
  if (code === 429 || code === 503) {
    details.retryAfterSeconds = 1;
    headers['retry-after'] = '1';
  }
  return new KubeStatusError(code, reason, message ?? defaultMessage, details, headers);
}

const REASONS_BY_CODE = new Map<number, [string, string]>([
  [400, ['BadRequest', 'the server rejected our request for an unknown reason']],
  [401, ['Unauthorized', 'Unauthorized']],
  [403, ['Forbidden', 'the server does not allow access to the requested resource']],
  [404, ['NotFound', 'the server could not find the requested resource']],
  [405, ['MethodNotAllowed', 'the server does not allow this method on the requested resource']],
  [409, ['Conflict', 'the server reported a conflict']],
  [410, ['Expired', 'the resource version is too old']],
  [422, ['Invalid', 'the server rejected our request due to an error in our request']],
  [429, ['TooManyRequests', 'the server has received too many requests and has asked us to try again later']],
  [500, ['InternalError', 'an error on the server ("injected fault") has prevented the request from succeeding']],
  [503, ['ServiceUnavailable', 'the server is currently unable to handle the request']],
  [504, ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request']],
]);

export function successStatus(resource: ResourceName, name: string, uid: string | undefined): Record<string, unknown> {
  const details: Record<string, unknown> = { ...resourceDetails(resource, name) };
  if (uid) details.uid = uid;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}
