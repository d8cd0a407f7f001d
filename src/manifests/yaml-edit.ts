import { isSeq, type Document, type Node } from 'yaml';
import { diffToJsonPatch, type JsonPatchOp } from '../domain/json-patch.js';

/**
 * Brings a parsed YAML document from `before` to `after` by applying the minimal JSON patch
 * between them to the document's nodes, so comments, key order and the formatting of
 * everything else survive.
 */
export function applyObjectEdit(doc: Document, before: unknown, after: unknown): void {
  for (const op of diffToJsonPatch(before, after)) applyOp(doc, op);
}

function applyOp(doc: Document, op: JsonPatchOp): void {
  const path = resolvePath(doc, op.path);
  if (op.op === 'remove') {
    doc.deleteIn(path);
    return;
  }
  if (op.op === 'test') return;
  const value = doc.createNode(op.value) as Node;
  if (path.length === 0) {
    doc.contents = value;
    return;
  }
  const parent = doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];
  if (op.op === 'add' && isSeq(parent) && typeof last === 'number') parent.items.splice(last, 0, value);
  else doc.setIn(path, value);
}

/** JSON pointer → yaml path: a segment is an index only where the node it indexes is a sequence. */
function resolvePath(doc: Document, pointer: string): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
    path.push(isSeq(node) ? Number(part) : part);
  }
  return path;
}
