/**
 * RFC 6902 JSON Patch and RFC 7386 JSON Merge Patch over plain JSON values. Both return a new
 * document and never mutate their input.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export class JsonPatchError extends Error {}

export interface JsonPatchOperation {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

/** Throws when the body is not a list of operations (kube-apiserver answers 400 for that). */
export function parseJsonPatch(body: unknown): JsonPatchOperation[] {
  if (!Array.isArray(body)) throw new JsonPatchError('a JSON patch must be an array of operations');
  return body.map((op: unknown, index) => {
    if (!isObject(op as Json)) throw new JsonPatchError(`operation ${index} is not an object`);
    return op as JsonPatchOperation;
  });
}

/** Throws JsonPatchError naming the operation that did not apply (kube-apiserver answers 422 for that). */
export function applyJsonPatch(document: Json, operations: JsonPatchOperation[]): Json {
  let result = deepClone(document);
  operations.forEach((operation, index) => {
    try {
      result = applyOperation(result, operation);
    } catch (error) {
      if (!(error instanceof JsonPatchError)) throw error;
      throw new JsonPatchError(`operation ${index} (${operation.op} ${String(operation.path)}): ${error.message}`);
    }
  });
  return result;
}

function applyOperation(document: Json, operation: JsonPatchOperation): Json {
  const path = requirePointer(operation.path, 'path');
  switch (operation.op) {
    case 'add':
      return add(document, path, requireValue(operation));
    case 'remove':
      return remove(document, path);
    case 'replace':
      return path.length === 0 ? requireValue(operation) : add(remove(document, path), path, requireValue(operation));
    case 'move': {
      const from = requirePointer(operation.from, 'from');
      if (path.length > from.length && from.every((token, i) => token === path[i])) throw new JsonPatchError('cannot move a value into one of its children');
      const value = get(document, from);
      return add(remove(document, from), path, value);
    }
    case 'copy':
      return add(document, path, deepClone(get(document, requirePointer(operation.from, 'from'))));
    case 'test':
      if (!jsonEqual(get(document, path), requireValue(operation))) throw new JsonPatchError(`testing value ${operation.path} failed: test failed`);
      return document;
    default:
      throw new JsonPatchError(`unknown operation "${String(operation.op)}"`);
  }
}

function requireValue(operation: JsonPatchOperation): Json {
  if (!('value' in operation)) throw new JsonPatchError('missing value');
  return deepClone(operation.value as Json);
}

function requirePointer(pointer: unknown, member: string): string[] {
  if (typeof pointer !== 'string') throw new JsonPatchError(`missing ${member}`);
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`${member} "${pointer}" is not a JSON pointer`);
  return pointer.slice(1).split('/').map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function get(document: Json, path: string[]): Json {
  let node = document;
  for (const token of path) {
    const child = childOf(node, token);
    if (child === undefined) throw new JsonPatchError(`doc is missing path: "/${path.join('/')}"`);
    node = child;
  }
  return node;
}

function childOf(node: Json, token: string): Json | undefined {
  if (Array.isArray(node)) return isArrayIndex(token) ? node[Number(token)] : undefined;
  if (isObject(node)) return Object.hasOwn(node, token) ? node[token] : undefined;
  return undefined;
}

/** Sets (objects) or inserts (arrays, `-` appends) `value` at `path` in a copy of `document`. */
function add(document: Json, path: string[], value: Json): Json {
  if (path.length === 0) return value;
  const parentPath = path.slice(0, -1);
  const token = path.at(-1) as string;
  return updateAt(document, parentPath, (parent) => {
    if (Array.isArray(parent)) {
      const index = token === '-' ? parent.length : arrayIndex(token, parent.length + 1);
      return [...parent.slice(0, index), value, ...parent.slice(index)];
    }
    if (isObject(parent)) return { ...parent, [token]: value };
    throw new JsonPatchError(`doc is missing path: "/${path.join('/')}"`);
  });
}

function remove(document: Json, path: string[]): Json {
  if (path.length === 0) throw new JsonPatchError('cannot remove the whole document');
  const token = path.at(-1) as string;
  return updateAt(document, path.slice(0, -1), (parent) => {
    if (Array.isArray(parent)) {
      const index = arrayIndex(token, parent.length);
      return [...parent.slice(0, index), ...parent.slice(index + 1)];
    }
    if (isObject(parent) && Object.hasOwn(parent, token)) {
      const { [token]: _removed, ...rest } = parent;
      return rest;
    }
    throw new JsonPatchError(`doc is missing path: "/${path.join('/')}"`);
  });
}

function updateAt(document: Json, path: string[], update: (node: Json) => Json): Json {
  if (path.length === 0) return update(document);
  const [token, ...rest] = path as [string, ...string[]];
  const child = childOf(document, token);
  if (child === undefined) throw new JsonPatchError(`doc is missing path: "/${path.join('/')}"`);
  const updated = updateAt(child, rest, update);
  if (Array.isArray(document)) return document.map((item, i) => (i === Number(token) ? updated : item));
  return { ...(document as JsonObject), [token]: updated };
}

function arrayIndex(token: string, limit: number): number {
  if (!isArrayIndex(token) || Number(token) >= limit) throw new JsonPatchError(`array index "${token}" is out of bounds`);
  return Number(token);
}

function isArrayIndex(token: string): boolean {
  return /^(0|[1-9][0-9]*)$/.test(token);
}

/** RFC 7386: objects merge recursively, `null` deletes a member, anything else replaces. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return deepClone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key] ?? null, value);
  }
  return result;
}

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepClone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

export function jsonEqual(a: Json, b: Json): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** JSON with object keys sorted, so that equal documents give equal strings whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, node: unknown) => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return node;
    return Object.fromEntries(Object.entries(node).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}
