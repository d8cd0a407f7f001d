import { canonicalJson } from './json-patch.js';

/**
 * Sets of field paths as structured-merge-diff keeps them, for managedFields. A path is a list
 * of `f:NAME` keys; every list is atomic (Istio's CRDs declare no list-map keys), so a list is
 * one leaf. FieldsV1 is the set's wire form: `{"f:spec":{".":{},"f:http":{}}}`, where `.`
 * marks a map that is itself a member and `{}` a member with nothing below.
 */
export type FieldsV1 = { [key: string]: FieldsV1 };

/** Paths joined with NUL, which no field name contains. */
export type FieldSet = Set<string>;

const SEPARATOR = '\u0000';
const SELF = '.';

export interface FieldChanges {
  /** Paths the write added or whose value it changed. */
  taken: FieldSet;
  /** Paths the write removed. */
  removed: FieldSet;
}

/** What changed from `before` to `after` (both plain JSON objects), as kube's field manager compares them. */
export function compareFields(before: unknown, after: unknown): FieldChanges {
  const old = flatten(before);
  const next = flatten(after);
  const taken: FieldSet = new Set();
  for (const [path, value] of next) if (old.get(path) !== value) taken.add(path);
  const removed: FieldSet = new Set([...old.keys()].filter((path) => !next.has(path)));
  return { taken, removed };
}

/** Every node below the root: maps as a marker, leaves (lists included) as their canonical JSON. */
function flatten(value: unknown, prefix: string[] = [], into = new Map<string, string>()): Map<string, string> {
  if (!isMap(value)) return into;
  for (const [name, child] of Object.entries(value)) {
    const path = [...prefix, `f:${name}`];
    into.set(path.join(SEPARATOR), isMap(child) ? '{map}' : canonicalJson(child));
    flatten(child, path, into);
  }
  return into;
}

export function fieldSetFrom(fields: unknown): FieldSet {
  const set: FieldSet = new Set();
  const walk = (node: unknown, prefix: string[]): void => {
    if (!isMap(node)) return;
    for (const [key, child] of Object.entries(node)) {
      if (key === SELF) continue;
      const path = [...prefix, key];
      if (!isMap(child) || Object.keys(child).length === 0 || SELF in child) set.add(path.join(SEPARATOR));
      walk(child, path);
    }
  };
  walk(fields, []);
  return set;
}

export function fieldsV1From(set: FieldSet): FieldsV1 {
  const root: FieldsV1 = {};
  const members = [...set].map((path) => path.split(SEPARATOR).reduce((parent, key) => (parent[key] ??= {}), root));
  // A member with members below it is marked with `.`; one with nothing below stays `{}`.
  for (const node of members) if (Object.keys(node).length > 0) node[SELF] = {};
  return root;
}

export function union(a: FieldSet, b: FieldSet): FieldSet {
  return new Set([...a, ...b]);
}

export function difference(a: FieldSet, ...others: FieldSet[]): FieldSet {
  return new Set([...a].filter((path) => !others.some((other) => other.has(path))));
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
