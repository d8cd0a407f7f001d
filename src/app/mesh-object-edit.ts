import { clusterHost, exportedHost, firstServicePort, hasDesiredContent, isManagedByMeshbot, meshObjectReminders, meshObjectsOf, objectLabel, type MeshObject, type MeshObjectKind, type MeshObjectRequest } from '../domain/mesh-objects.js';
import { describeOperation, mention, type Changes, type Operation, type PreflightCheck } from '../domain/operation/operation.js';
import { transition } from '../domain/operation/transitions.js';
import { applyManagedObject, readIfPresent, type ApplyOutcome } from '../kube/apply-managed-object.js';
import { SERVICE_ENTRIES, VIRTUAL_SERVICES, WORKLOAD_ENTRIES, type ResourceType } from '../kube/custom-objects.js';
import { resourceVersionOf } from '../kube/edit-virtual-service.js';
import { KubeError } from '../kube/kube-error.js';
import { meshObjectMessage } from '../slack/blocks/mesh-object-message.js';
import { clusterLabel, lockOf, type AppDeps, type MigrationSettings } from './deps.js';
import type { ExecuteOptions } from './execute-operation.js';
import { postInThread, refreshParent } from './thread.js';

/** Export and register change no weights: their `planned`/`applied` record is empty, the objects are in `meshObject`. */
const NO_WEIGHT_CHANGES: Changes = { kind: 'weights', changes: [] };

export function meshObjectType(kind: MeshObjectKind): ResourceType {
  if (kind === 'VirtualService') return VIRTUAL_SERVICES;
  return kind === 'WorkloadEntry' ? WORKLOAD_ENTRIES : SERVICE_ENTRIES;
}

const refOf = (object: MeshObject) => ({ namespace: object.metadata.namespace, name: object.metadata.name });

/**
 * The prepare job of an export or register: the preflight (the Service, each object as the
 * cluster has it now, the lock), then the request with Approve/Reject in the channel.
 */
export async function prepareMeshObject(deps: AppDeps, op: Operation, migration: MigrationSettings): Promise<void> {
  const request = op.meshObject;
  if (!request) return failMeshObject(deps, op, migration, 'the operation does not say what to write');
  let checks: PreflightCheck[];
  try {
    checks = await preflight(deps, migration, op, request);
  } catch (error) {
    if (error instanceof KubeError && error.transient) throw error;
    return failMeshObject(deps, op, migration, `could not read the cluster (${(error as Error).message})`);
  }
  const draft = { ...op, state: 'awaiting-approval' as const, preflight: checks };
  const threadTs = await deps.notifier.post({ channel: op.channel, ...meshObjectMessage({ operation: draft, cluster: clusterLabel(migration) }) });
  const posted = await deps.store.mutate(op.id, (current) => transition(current, { type: 'posted', at: deps.now().toISOString(), threadTs, planned: NO_WEIGHT_CHANGES, preflight: checks }));
  if (!posted.ok) {
    const current = await deps.store.get(op.id);
    if (current) await deps.notifier.update({ channel: op.channel, ts: threadTs, ...meshObjectMessage({ operation: { ...current, threadTs }, cluster: clusterLabel(migration) }) });
  }
}

async function preflight(deps: AppDeps, migration: MigrationSettings, op: Operation, request: MeshObjectRequest): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  if (request.kind === 'export') checks.push(await serviceCheck(deps, migration, request));
  for (const object of meshObjectsOf(request)) {
    const current = await readIfPresent(deps.kube(migration), meshObjectType(object.kind), refOf(object));
    checks.push(objectCheck(object, current));
  }
  const holder = await deps.store.holderOf(lockOf(migration));
  checks.push({ label: 'No other operation in flight', ok: holder?.id === op.id, detail: `for ${migration.name}` });
  return checks;
}

async function serviceCheck(deps: AppDeps, migration: MigrationSettings, request: Extract<MeshObjectRequest, { kind: 'export' }>): Promise<PreflightCheck> {
  const label = `Kubernetes Service ${request.namespace}/${request.service} found`;
  if (!deps.core) return { label, ok: false, detail: 'not checked: this process has no core API client' };
  try {
    const port = firstServicePort(await deps.core(migration).getService({ namespace: request.namespace, name: request.service }));
    return { label, ok: port === request.port, detail: port === request.port ? `port ${port}: ${exportedHost(request)} → ${clusterHost(request.service, request.namespace)}:${port}` : `its first port is now ${port ?? 'none'}, not ${request.port}: request the export again` };
  } catch (error) {
    if (error instanceof KubeError && error.kind === 'not-found') return { label, ok: false, detail: 'not found any more: the export would route to nothing' };
    throw error;
  }
}

function objectCheck(object: MeshObject, current: Record<string, unknown> | undefined): PreflightCheck {
  const label = objectLabel(object);
  if (current === undefined) return { label, ok: true, detail: 'will be created' };
  if (!isManagedByMeshbot(current)) return { label, ok: false, detail: 'exists and is not managed by meshbot: it will not be overwritten, so the apply will fail' };
  if (hasDesiredContent(current, object)) return { label, ok: true, detail: 'already as requested' };
  return { label, ok: true, detail: `will be updated (managed by meshbot, resourceVersion ${resourceVersionOf(current) ?? '?'})` };
}

/**
 * The apply job of an export or register: each object created or updated with its
 * precondition, in order (the WorkloadEntry before the ServiceEntry that selects it). Safe to
 * run again: an object already as requested is left alone.
 */
export async function executeMeshObject(deps: AppDeps, op: Operation, migration: MigrationSettings, options: ExecuteOptions): Promise<void> {
  const request = op.meshObject;
  if (!request) return finishMeshObject(deps, op, migration, { failed: 'the operation does not say what to write' });
  const started = await deps.store.mutate(op.id, (current) => transition(current, { type: 'start-apply', at: deps.now().toISOString() }));
  if (!started.ok) return;
  const done: { object: MeshObject; outcome: Exclude<ApplyOutcome, { outcome: 'refused' }> }[] = [];
  try {
    for (const object of meshObjectsOf(request)) {
      const outcome = await applyManagedObject(deps.kube(migration), meshObjectType(object.kind), object);
      if (outcome.outcome === 'refused') return finishMeshObject(deps, op, migration, { failed: outcome.message, done });
      done.push({ object, outcome });
    }
  } catch (error) {
    if (error instanceof KubeError && error.transient && !options.lastAttempt) throw error;
    return finishMeshObject(deps, op, migration, { failed: writeProblem(error, migration), done });
  }
  return finishMeshObject(deps, op, migration, { done });
}

type Done = { object: MeshObject; outcome: Exclude<ApplyOutcome, { outcome: 'refused' }> }[];

async function finishMeshObject(deps: AppDeps, op: Operation, migration: MigrationSettings, ending: { failed?: string; done?: Done }): Promise<void> {
  const at = deps.now().toISOString();
  const written = (ending.done ?? []).map(({ object, outcome }) => `${outcome.outcome} ${objectLabel(object)}${outcome.resourceVersion ? ` (resourceVersion ${outcome.resourceVersion})` : ''}`);
  const event = ending.failed !== undefined ? ({ type: 'fail', at, reason: ending.failed } as const) : ({ type: 'applied', at, applied: NO_WEIGHT_CHANGES, note: written.join('; ') } as const);
  const finished = await deps.store.mutate(op.id, (current) => transition(current, event));
  if (!finished.ok) return;
  deps.metrics?.operations.inc({ kind: op.kind, outcome: event.type === 'fail' ? 'failed' : 'applied' });
  await deps.store.release(lockOf(migration), op.id);
  const after = finished.value.after;
  await refreshParent(deps, after, migration);
  if (ending.failed !== undefined) {
    const partly = written.length > 0 ? `\nAlready written before the failure: ${written.join('; ')}.` : ' Nothing was written.';
    await postInThread(deps, after, `❌ ${describeOperation(op)} failed: ${ending.failed}.${partly}`);
    return;
  }
  const reminders = op.meshObject ? meshObjectReminders(op.meshObject).map((r) => `• ${r}`) : [];
  await postInThread(deps, after, [`✅ Applied ${describeOperation(op)} in ${clusterLabel(migration)}, approved by ${mention(op.decidedBy)}:`, ...written.map((w) => `• ${w}`), 'Before it works:', ...reminders].join('\n'));
}

async function failMeshObject(deps: AppDeps, op: Operation, migration: MigrationSettings, reason: string): Promise<void> {
  const failed = await deps.store.mutate(op.id, (current) => transition(current, { type: 'fail', at: deps.now().toISOString(), reason }));
  await deps.store.release(lockOf(migration), op.id);
  if (failed.ok) await postInThread(deps, failed.value.after, `❌ <@${op.requestedBy}> your request (${op.id}) could not be prepared: ${reason}`);
}

function writeProblem(error: unknown, migration: MigrationSettings): string {
  if (!(error instanceof KubeError)) return `the write failed: ${String((error as Error)?.message ?? error)}`;
  if (error.kind === 'forbidden') return `meshbot may not write it in ${clusterLabel(migration)} (403 Forbidden: ${error.message}); grant its service account get/create/update on virtualservices, serviceentries and workloadentries (networking.istio.io)`;
  if (error.kind === 'invalid') return `the Kubernetes API refused the object (${error.message})`;
  return `the Kubernetes API of ${clusterLabel(migration)} did not answer (${error.message})`;
}
