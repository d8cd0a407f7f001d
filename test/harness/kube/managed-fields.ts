import { compareFields, difference, fieldSetFrom, fieldsV1From, union, type FieldSet, type FieldsV1 } from './field-set.js';
import { deepClone } from './json-patch.js';
import type { KubeObject } from './resources.js';
import { invalid } from './status.js';

/** One `metadata.managedFields` entry, as kube-apiserver writes it. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Update' | 'Apply';
  apiVersion: string;
  /** RFC 3339, seconds. */
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldsV1;
  subresource?: string;
}

/** Who wrote, through which apiVersion, when; `ignoreStatus` for resources whose status is a subresource. */
export interface FieldWrite {
  manager: string;
  apiVersion: string;
  time: string;
  ignoreStatus: boolean;
}

const MAX_MANAGER_LENGTH = 128;

/** The manager kube-apiserver names for a non-apply write: `fieldManager`, else the User-Agent's product. */
export function fieldManagerOf(fieldManager: string | null, userAgent: string | undefined): string {
  if (fieldManager === null) return (userAgent ?? '').split('/')[0]?.slice(0, MAX_MANAGER_LENGTH) ?? '';
  if (fieldManager.length > MAX_MANAGER_LENGTH) {
    throw invalid({ group: 'meta.k8s.io', plural: 'updateoptions', kind: 'UpdateOptions' }, '', [
      { reason: 'FieldValueTooLong', message: `Too long: may not be more than ${MAX_MANAGER_LENGTH} bytes`, field: 'fieldManager' },
    ]);
  }
  return fieldManager;
}

/**
 * `after` with its managedFields as kube-apiserver leaves them after an Update by `write.manager`:
 * the fields this write added or changed move to the writer's entry (keyed by manager and
 * apiVersion, as the real server keys Update entries), every other entry loses them, removed
 * fields leave every entry, and emptied entries go. Whatever managedFields `after` carries
 * (a request body's) is ignored: they start from `before`'s.
 */
export function recordUpdate(before: KubeObject | undefined, after: KubeObject, write: FieldWrite): KubeObject {
  const object = deepClone(after);
  const metadata = (object.metadata ??= {});
  const entries = parseEntries(before?.metadata?.managedFields);
  const { taken, removed } = compareFields(trackedFields(before ?? {}, write), trackedFields(object, write));
  if (taken.size === 0 && removed.size === 0) {
    if (before?.metadata?.managedFields === undefined) delete metadata.managedFields;
    else metadata.managedFields = deepClone(before.metadata.managedFields);
    return object;
  }
  const updated = entries.map(({ entry, fields }) => ({ entry, fields: difference(fields, taken, removed) }));
  const mine = updated.find(({ entry }) => entry.manager === write.manager && entry.operation === 'Update' && entry.apiVersion === write.apiVersion && !entry.subresource);
  if (mine && taken.size > 0) {
    mine.fields = union(mine.fields, taken);
    mine.entry.time = write.time;
  }
  if (!mine && taken.size > 0) updated.push({ entry: newEntry(write), fields: taken });
  const kept = updated.filter(({ fields }) => fields.size > 0).map(({ entry, fields }) => ({ ...entry, fieldsV1: fieldsV1From(fields) }));
  if (kept.length === 0) delete metadata.managedFields;
  else metadata.managedFields = kept.sort(byKubeOrder);
  return object;
}

/** The object without what the field manager never tracks (stripMeta in kube's fieldmanager, and a subresource's status). */
function trackedFields(object: KubeObject, write: FieldWrite): KubeObject {
  const { apiVersion: _apiVersion, kind: _kind, metadata = {}, status, ...rest } = object;
  const {
    name: _name,
    namespace: _namespace,
    uid: _uid,
    resourceVersion: _resourceVersion,
    generation: _generation,
    creationTimestamp: _creationTimestamp,
    selfLink: _selfLink,
    managedFields: _managedFields,
    ...trackedMetadata
  } = metadata;
  const tracked: KubeObject = { ...rest, metadata: trackedMetadata };
  if (!write.ignoreStatus && status !== undefined) tracked.status = status;
  return tracked;
}

interface ParsedEntry {
  entry: ManagedFieldsEntry;
  fields: FieldSet;
}

/** Entries as stored; one that is not an object with a manager is dropped at the next change. */
function parseEntries(managedFields: unknown): ParsedEntry[] {
  if (!Array.isArray(managedFields)) return [];
  return managedFields
    .filter((entry): entry is ManagedFieldsEntry => typeof entry === 'object' && entry !== null && typeof (entry as ManagedFieldsEntry).manager === 'string')
    .map((entry) => ({ entry: deepClone(entry), fields: fieldSetFrom(entry.fieldsV1) }));
}

function newEntry(write: FieldWrite): ManagedFieldsEntry {
  return { manager: write.manager, operation: 'Update', apiVersion: write.apiVersion, time: write.time, fieldsType: 'FieldsV1', fieldsV1: {} };
}

/** kube-apiserver's order: Apply before Update, then oldest first, then by manager and apiVersion. */
function byKubeOrder(a: ManagedFieldsEntry, b: ManagedFieldsEntry): number {
  return compareStrings(a.operation, b.operation) || compareStrings(a.time ?? '', b.time ?? '') || compareStrings(a.manager, b.manager) || compareStrings(a.apiVersion, b.apiVersion);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
