import { isSeq, type Document, type Node } from 'yaml';
import { isDeepStrictEqual } from 'node:util';

type Path = (string | number)[];

/**
 * Brings a parsed YAML document from `before` to `after` by editing only the nodes that
 * differ, so comments, key order and the formatting of everything else survive.
 */
export function applyObjectEdit(doc: Document, before: unknown, after: unknown, path: Path = []): void {
  if (isDeepStrictEqual(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) return editMap(doc, before, after, path);
  if (Array.isArray(before) && Array.isArray(after)) return editSeq(doc, before, after, path);
  setNode(doc, path, after);
}

function editMap(doc: Document, before: Record<string, unknown>, after: Record<string, unknown>, path: Path): void {
  for (const key of Object.keys(before)) {
    if (!(key in after)) doc.deleteIn([...path, key]);
  }
  for (const [key, value] of Object.entries(after)) {
    if (key in before) applyObjectEdit(doc, before[key], value, [...path, key]);
    else doc.setIn([...path, key], doc.createNode(value));
  }
}

function editSeq(doc: Document, before: unknown[], after: unknown[], path: Path): void {
  if (before.length === after.length) {
    after.forEach((item, i) => applyObjectEdit(doc, before[i], item, [...path, i]));
    return;
  }
  const seq = path.length === 0 ? doc.contents : doc.getIn(path, true);
  const inserted = singleDifference(before, after);
  if (isSeq(seq) && inserted !== undefined && after.length === before.length + 1) {
    seq.items.splice(inserted, 0, doc.createNode(after[inserted]) as Node);
    return;
  }
  const removed = singleDifference(after, before);
  if (isSeq(seq) && removed !== undefined && before.length === after.length + 1) {
    seq.items.splice(removed, 1);
    return;
  }
  setNode(doc, path, after);
}

/** The index at which `longer` has one extra element compared to `shorter`, if that is all that differs. */
function singleDifference(shorter: unknown[], longer: unknown[]): number | undefined {
  if (longer.length !== shorter.length + 1) return undefined;
  let i = 0;
  while (i < shorter.length && isDeepStrictEqual(shorter[i], longer[i])) i++;
  return shorter.slice(i).every((item, j) => isDeepStrictEqual(item, longer[i + j + 1])) ? i : undefined;
}

function setNode(doc: Document, path: Path, value: unknown): void {
  if (path.length === 0) doc.contents = doc.createNode(value) as Node;
  else doc.setIn(path, doc.createNode(value));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}


