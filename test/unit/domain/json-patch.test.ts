import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffToJsonPatch } from '../../../src/domain/json-patch.js';

/** A small RFC 6902 applier for checking the diff (add/remove/replace only). */
function apply(doc: unknown, ops: ReturnType<typeof diffToJsonPatch>): unknown {
  let root = structuredClone(doc);
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
    if (parts.length === 0) {
      root = 'value' in op ? structuredClone(op.value) : undefined;
      continue;
    }
    const parent = parts.slice(0, -1).reduce((node: never, key) => Object.getOwnPropertyDescriptor(node, key)?.value as never, root as never) as Record<string, unknown> | unknown[];
    const last = parts.at(-1) as string;
    if (Array.isArray(parent)) {
      const index = Number(last);
      if (op.op === 'add') parent.splice(index, 0, structuredClone(op.value));
      else if (op.op === 'remove') parent.splice(index, 1);
      else if (op.op === 'replace') parent[index] = structuredClone(op.value);
    } else if (op.op === 'remove') delete parent[last];
    else if (op.op !== 'test') Object.defineProperty(parent, last, { value: structuredClone(op.value), enumerable: true, writable: true, configurable: true });
  }
  return root;
}

describe('diffToJsonPatch', () => {
  it('replaces only the changed leaves', () => {
    expect(diffToJsonPatch({ a: { w: 90, keep: 1 } }, { a: { w: 75, keep: 1 } })).toEqual([{ op: 'replace', path: '/a/w', value: 75 }]);
  });

  it('adds one inserted array element at its index and escapes keys', () => {
    expect(diffToJsonPatch({ 'a/b': [1, 3] }, { 'a/b': [1, 2, 3] })).toEqual([{ op: 'add', path: '/a~1b/1', value: 2 }]);
  });

  it('produces a patch that turns before into after, for any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (before, after) => {
        expect(apply(before, diffToJsonPatch(before, after))).toEqual(after);
      }),
      { numRuns: 1000 },
    );
  });
});
