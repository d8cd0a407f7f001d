import type { EditError } from '../domain/edit-error.js';
import { diffToJsonPatch, type JsonPatchOp } from '../domain/json-patch.js';
import type { Result } from '../domain/result.js';
import type { Edited } from '../domain/shift-weights.js';
import { isJsonObject, type VirtualServiceLike } from '../domain/virtual-service.js';
import { validateIstioObject } from '../schema/istio-schema.js';
import { VIRTUAL_SERVICES, type CustomObjects, type ObjectRef } from './custom-objects.js';
import { KubeError } from './kube-error.js';

export type EditOutcome<C> =
  | { readonly outcome: 'changed'; readonly before: VirtualServiceLike; readonly after: VirtualServiceLike; readonly changes: readonly C[]; readonly attempts: number }
  | { readonly outcome: 'unchanged'; readonly current: VirtualServiceLike }
  | { readonly outcome: 'refused'; readonly error: EditError | { code: 'invalid'; message: string } };

const MAX_ATTEMPTS = 5;

/**
 * Read, compute, write with a precondition, and on a conflict read again and recompute: the
 * patch carries a JSON Patch `test` of the resourceVersion it was computed from, so an edit
 * someone made meanwhile is never overwritten — it is kept, and our change is made on top.
 */
export async function editVirtualService<C>(
  objects: CustomObjects,
  ref: ObjectRef,
  compute: (vs: VirtualServiceLike) => Result<Edited<C>, EditError>,
  hooks: { beforeWrite?: (changes: readonly C[]) => Promise<void>; onPatch?: (result: 'accepted' | 'conflict' | 'failed') => void; maxAttempts?: number } = {},
): Promise<EditOutcome<C>> {
  const maxAttempts = hooks.maxAttempts ?? MAX_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    const before = await objects.get(VIRTUAL_SERVICES, ref);
    const edit = compute(before);
    if (!edit.ok) return { outcome: 'refused', error: edit.error };
    if (edit.value.changes.length === 0) return { outcome: 'unchanged', current: before };
    const problems = validateIstioObject(edit.value.virtualService);
    if (problems.length > 0) return { outcome: 'refused', error: { code: 'invalid', message: `the result would not be a valid VirtualService: ${problems.slice(0, 3).join('; ')}` } };
    await hooks.beforeWrite?.(edit.value.changes);
    try {
      const after = await objects.jsonPatch(VIRTUAL_SERVICES, ref, preconditioned(before, edit.value.virtualService));
      hooks.onPatch?.('accepted');
      return { outcome: 'changed', before, after, changes: edit.value.changes, attempts: attempt };
    } catch (error) {
      const conflict = await isConflict(error, objects, ref, before);
      hooks.onPatch?.(conflict ? 'conflict' : 'failed');
      if (attempt >= maxAttempts || !conflict) throw error;
    }
  }
}

function preconditioned(before: VirtualServiceLike, after: VirtualServiceLike): JsonPatchOp[] {
  return [{ op: 'test', path: '/metadata/resourceVersion', value: resourceVersionOf(before) }, ...diffToJsonPatch(before, after)];
}

/** 409, or a 422 from the failed `test` (the object moved on since we read it). */
async function isConflict(error: unknown, objects: CustomObjects, ref: ObjectRef, before: VirtualServiceLike): Promise<boolean> {
  if (!(error instanceof KubeError)) return false;
  if (error.kind === 'conflict') return true;
  if (error.kind !== 'invalid') return false;
  const now = await objects.get(VIRTUAL_SERVICES, ref);
  return resourceVersionOf(now) !== resourceVersionOf(before);
}

export function resourceVersionOf(object: VirtualServiceLike): string | undefined {
  return isJsonObject(object.metadata) && typeof object.metadata.resourceVersion === 'string' ? object.metadata.resourceVersion : undefined;
}
