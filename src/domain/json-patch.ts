import { isJsonObject } from './virtual-service.js';

export type JsonPatchOp =
  | { readonly op: 'test' | 'add' | 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

/**
 * The smallest RFC 6902 patch that turns `before` into `after` for the edits meshbot makes:
 * changed leaves are replaced, one inserted or removed array element is added or removed,
 * anything else is replaced whole. Prefix it with a `test` of the resourceVersion so the API
 * server applies it only to the object it was computed from.
 *
 * Example: diffToJsonPatch({w: 90}, {w: 75}) → [{op: 'replace', path: '/w', value: 75}]
 */
export function diffToJsonPatch(before: unknown, after: unknown, path = ''): JsonPatchOp[] {
  if (deepEqual(before, after)) return [];
  if (isJsonObject(before) && isJsonObject(after)) return diffObjects(before, after, path);
  if (Array.isArray(before) && Array.isArray(after)) return diffArrays(before, after, path);
  return [{ op: 'replace', path, value: after }];
}

function diffObjects(before: Record<string, unknown>, after: Record<string, unknown>, path: string): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  for (const key of Object.keys(before)) if (!Object.hasOwn(after, key)) ops.push({ op: 'remove', path: `${path}/${escape(key)}` });
  for (const [key, value] of Object.entries(after)) {
    if (Object.hasOwn(before, key)) ops.push(...diffToJsonPatch(before[key], value, `${path}/${escape(key)}`));
    else ops.push({ op: 'add', path: `${path}/${escape(key)}`, value });
  }
  return ops;
}

function diffArrays(before: unknown[], after: unknown[], path: string): JsonPatchOp[] {
  if (before.length === after.length) return after.flatMap((item, i) => diffToJsonPatch(before[i], item, `${path}/${i}`));
  const inserted = after.length === before.length + 1 ? extraIndex(before, after) : undefined;
  if (inserted !== undefined) return [{ op: 'add', path: `${path}/${inserted}`, value: after[inserted] }];
  const removed = before.length === after.length + 1 ? extraIndex(after, before) : undefined;
  if (removed !== undefined) return [{ op: 'remove', path: `${path}/${removed}` }];
  return [{ op: 'replace', path, value: after }];
}

/** Where `longer` has one extra element, if that is its only difference from `shorter`. */
function extraIndex(shorter: unknown[], longer: unknown[]): number | undefined {
  let i = 0;
  while (i < shorter.length && deepEqual(shorter[i], longer[i])) i++;
  return shorter.slice(i).every((item, j) => deepEqual(item, longer[i + j + 1])) ? i : undefined;
}

function escape(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}
