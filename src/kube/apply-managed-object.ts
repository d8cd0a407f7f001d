import { hasDesiredContent, isManagedByMeshbot, MANAGED_BY_LABEL, MANAGED_BY_MESHBOT, objectLabel, updatedObject, type MeshObject } from '../domain/mesh-objects.js';
import { resourceVersionOf } from './edit-virtual-service.js';
import { validateIstioObject } from '../schema/istio-schema.js';
import type { CustomObjects, ObjectRef, ResourceType } from './custom-objects.js';
import { KubeError } from './kube-error.js';

export type ApplyOutcome =
  | { readonly outcome: 'created' | 'updated' | 'unchanged'; readonly object: Record<string, unknown>; readonly resourceVersion: string | undefined; readonly attempts: number }
  | { readonly outcome: 'refused'; readonly message: string };

const MAX_ATTEMPTS = 5;

/**
 * Creates or updates one object meshbot owns, never overwriting anyone's edit: a create fails
 * on an existing name (409 AlreadyExists), after which the object is read and replaced with the
 * resourceVersion read (409 Conflict if it moved on: read again, try again). An object without
 * `app.kubernetes.io/managed-by: meshbot` is someone else's and is left alone.
 */
export async function applyManagedObject(objects: CustomObjects, type: ResourceType, desired: MeshObject, maxAttempts = MAX_ATTEMPTS): Promise<ApplyOutcome> {
  const problems = validateIstioObject(desired);
  if (problems.length > 0) return { outcome: 'refused', message: `${objectLabel(desired)} would not be valid: ${problems.slice(0, 3).join('; ')}` };
  const ref: ObjectRef = { namespace: desired.metadata.namespace, name: desired.metadata.name };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const current = attempt === 1 ? undefined : await readIfPresent(objects, type, ref);
    if (current === undefined) {
      try {
        const created = await objects.create(type, ref.namespace, desired);
        return { outcome: 'created', object: created, resourceVersion: resourceVersionOf(created), attempts: attempt };
      } catch (error) {
        if (isConflict(error)) continue;
        throw error;
      }
    }
    if (!isManagedByMeshbot(current)) return { outcome: 'refused', message: notOursMessage(desired) };
    if (hasDesiredContent(current, desired)) return { outcome: 'unchanged', object: current, resourceVersion: resourceVersionOf(current), attempts: attempt };
    const next = updatedObject(current, desired);
    const invalid = validateIstioObject(next);
    if (invalid.length > 0) return { outcome: 'refused', message: `the update of ${objectLabel(desired)} would not be valid: ${invalid.slice(0, 3).join('; ')}` };
    try {
      const updated = await objects.replace(type, ref, next);
      return { outcome: 'updated', object: updated, resourceVersion: resourceVersionOf(updated), attempts: attempt };
    } catch (error) {
      if (isConflict(error)) continue;
      throw error;
    }
  }
  throw new KubeError('unavailable', `${objectLabel(desired)} kept changing under meshbot (${maxAttempts} attempts); try again`);
}

/** The object as the cluster has it, or undefined when there is none. */
export async function readIfPresent(objects: CustomObjects, type: ResourceType, ref: ObjectRef): Promise<Record<string, unknown> | undefined> {
  try {
    return await objects.get(type, ref);
  } catch (error) {
    if (error instanceof KubeError && error.kind === 'not-found') return undefined;
    throw error;
  }
}

export function notOursMessage(desired: MeshObject): string {
  return `${objectLabel(desired)} already exists and is not managed by meshbot (no label ${MANAGED_BY_LABEL}: ${MANAGED_BY_MESHBOT}); meshbot does not overwrite it. Pick another name, or delete it (or label it) if meshbot should own it`;
}

const isConflict = (error: unknown): boolean => error instanceof KubeError && error.kind === 'conflict';
