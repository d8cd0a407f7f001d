import type { Operation } from '../domain/operation/operation.js';
import { transition } from '../domain/operation/transitions.js';
import { describeOperation, isMeshObjectKind, mention } from '../domain/operation/operation.js';
import { executeMeshObject } from './mesh-object-edit.js';
import { editVirtualService, resourceVersionOf } from '../kube/edit-virtual-service.js';
import { KubeError } from '../kube/kube-error.js';
import { lockOf, type AppDeps, type MigrationSettings } from './deps.js';
import { asChanges, editOf, type EditOfOperation } from './operation-edit.js';
import { SERVICE_ENTRIES, VIRTUAL_SERVICES } from '../kube/custom-objects.js';
import { advanceRun, stopRun } from './run-plan.js';
import { changeLines } from '../slack/blocks/operation-message.js';
import { kubeProblem } from './request-change.js';
import { annotationChanges, describeAnnotationChange, type AnnotationChange } from '../domain/gitops/flux-suspension.js';
import { migrationOf, postInThread, refreshParent } from './thread.js';

export interface ExecuteOptions {
  /** True on the job's last attempt: a transient failure then ends the operation as failed. */
  readonly lastAttempt: boolean;
}

/**
 * The apply and rollback jobs. Safe to run again after a crash at any line: the edit is
 * recomputed from the VirtualService as it is now, so a patch that already landed is not made
 * twice (the recomputed edit is empty), and the changes are recorded before each patch so the
 * weights from before the step are never lost.
 */
export async function executeOperation(deps: AppDeps, operationId: string, options: ExecuteOptions): Promise<void> {
  const op = await deps.store.get(operationId);
  // Crashed after recording "applied" but before queueing the bake: queue it now (same job id, so once).
  if (op?.state === 'applied' && op.bake?.status === 'running') return deps.jobs.enqueue('bake', op.id);
  if (!op || (op.state !== 'approved' && op.state !== 'applying')) return;
  const migration = migrationOf(deps, op);
  if (!migration) return finish(deps, op, undefined, { failed: `migration ${op.migration} is no longer configured`, certain: true });
  if (isMeshObjectKind(op.kind)) return executeMeshObject(deps, op, migration, options);
  const target = op.rollsBack ? await deps.store.get(op.rollsBack) : undefined;
  const edit = editOf(migration, op, target);
  if (!edit.ok) return finish(deps, op, migration, { failed: edit.error, certain: true });
  const started = await deps.store.mutate(op.id, (current) => transition(current, { type: 'start-apply', at: deps.now().toISOString() }));
  if (!started.ok) return;
  let landed: Omit<Extract<Ending, { applied: unknown }>, 'verified'> | undefined;
  try {
    const outcome = await editVirtualService(deps.kube(migration), refOf(migration), edit.value.edit, {
      beforeWrite: (changes) => recordPlanned(deps, op.id, asChanges(edit.value.kind, changes)),
      onPatch: (result) => deps.metrics?.patches.inc({ result }),
    });
    if (outcome.outcome === 'refused') return finish(deps, op, migration, { failed: outcome.error.message, certain: true });
    const current = await deps.store.get(op.id);
    const applied = outcome.outcome === 'changed' ? asChanges(edit.value.kind, outcome.changes) : (current?.planned ?? asChanges(edit.value.kind, []));
    const annotations = outcome.outcome === 'changed' ? annotationChanges(outcome.before, outcome.after) : [];
    landed = { applied, resourceVersion: resourceVersionOf(outcome.outcome === 'changed' ? outcome.after : outcome.current), target, annotations };
    if (outcome.outcome === 'changed') await deps.store.mutate(op.id, (c) => transition(c, { type: 'patched', at: deps.now().toISOString(), resourceVersion: landed?.resourceVersion }));
    await verify(deps, migration, edit.value.edit);
    return finish(deps, op, migration, { ...landed, verified: true });
  } catch (error) {
    if (error instanceof KubeError && error.transient && !options.lastAttempt) throw error;
    // The PATCH was accepted (in this attempt or an earlier one) and only what came after failed:
    // the step is applied, just not verified.
    const recorded = landed ? undefined : await deps.store.get(op.id).catch(() => undefined);
    if (landed) return finish(deps, op, migration, { ...landed, verified: false });
    if (recorded?.patched && recorded.planned) return finish(deps, op, migration, { applied: recorded.planned, resourceVersion: recorded.patched.resourceVersion, target, verified: false });
    // A definite answer from the API server (no such object, not allowed, refused every write) means nothing landed.
    const certain = error instanceof KubeError && ['not-found', 'forbidden', 'conflict', 'invalid'].includes(error.kind);
    return finish(deps, op, migration, { failed: kubeProblem(error, migration, 'none'), certain });
  }
}

const refOf = (m: MigrationSettings) => ({ namespace: m.namespace, name: m.virtualService });

async function recordPlanned(deps: AppDeps, id: string, planned: NonNullable<Operation['planned']>): Promise<void> {
  await deps.store.mutate(id, (current) => transition(current, { type: 'start-apply', at: deps.now().toISOString(), planned }));
}

/** Reads the VirtualService back: the edit must now be a no-op, or someone changed it under us. */
async function verify(deps: AppDeps, migration: MigrationSettings, edit: EditOfOperation): Promise<void> {
  const readBack = await deps.kube(migration).get(VIRTUAL_SERVICES, refOf(migration));
  const again = edit(readBack);
  if (again.ok && again.value.changes.length > 0) throw new KubeError('unavailable', 'read-back after the patch does not show the change yet');
}

/** `certain`: meshbot knows the VirtualService was not changed; otherwise it could not tell (the API stopped answering). */
type Ending =
  | { failed: string; certain: boolean }
  | { applied: NonNullable<Operation['applied']>; resourceVersion: string | undefined; target: Operation | undefined; verified: boolean; annotations?: readonly AnnotationChange[] };

async function finish(deps: AppDeps, op: Operation, migration: MigrationSettings | undefined, ending: Ending): Promise<void> {
  const now = deps.now();
  const at = now.toISOString();
  const bakes = 'applied' in ending && (op.kind === 'shift' || op.kind === 'mirror') && migration !== undefined && migration.bakeMs > 0;
  const bakeDeadline = bakes ? new Date(now.getTime() + (migration?.bakeMs ?? 0)).toISOString() : undefined;
  const annotated = 'applied' in ending && ending.annotations?.length ? { note: ending.annotations.map(describeAnnotationChange).join('; ') } : {};
  const event = 'failed' in ending ? ({ type: 'fail', at, reason: ending.failed } as const) : ({ type: 'applied', at, applied: ending.applied, ...annotated, ...(bakeDeadline ? { bakeDeadline } : {}) } as const);
  const done = await deps.store.mutate(op.id, (current) => transition(current, event));
  if (!done.ok || !migration) return;
  deps.metrics?.operations.inc({ kind: op.kind, outcome: event.type === 'fail' ? 'failed' : 'applied' });
  if (op.detectedAt && event.type === 'applied') deps.metrics?.detectToRollback.observe((now.getTime() - Date.parse(op.detectedAt)) / 1000);
  const after = done.value.after;
  if ('applied' in ending && ending.target) await markRolledBack(deps, ending.target, op, migration);
  if (bakes) await deps.jobs.enqueue('bake', op.id);
  else await deps.store.release(lockOf(migration), op.id);
  await refreshParent(deps, after, migration);
  await postInThread(deps, after, resultText(after, ending) + (bakes ? `\n👀 Watching Envoy sidecar errors until ${bakeDeadline} (bake ${Math.round(migration.bakeMs / 1000)}s).` : '') + (op.kind === 'finalize' && 'applied' in ending ? await serviceEntryNote(deps, migration) : ''));
  if ('failed' in ending) await stopRun(deps, after, ending.failed);
  else if (!bakes && op.kind === 'shift') await advanceRun(deps, migration, after);
}

/** After finalize: which ServiceEntry is now unused, and the command that deletes it. */
async function serviceEntryNote(deps: AppDeps, migration: MigrationSettings): Promise<string> {
  const names = await deps.kube(migration).listNames(SERVICE_ENTRIES, migration.namespace, (se) => ((se.spec as { hosts?: string[] } | undefined)?.hosts ?? []).includes(migration.from)).catch(() => []);
  const name = names[0] ?? 'NAME';
  return `\n${migration.from} is no longer routed to. The ServiceEntry itself can now be deleted:\n\`kubectl delete serviceentry ${name} -n ${migration.namespace}\``;
}

async function markRolledBack(deps: AppDeps, target: Operation, rollback: Operation, migration: MigrationSettings): Promise<void> {
  const marked = await deps.store.mutate(target.id, (current) => transition(current, { type: 'rolled-back', at: deps.now().toISOString(), by: rollback.requestedBy, note: `rollback ${rollback.id}` }));
  if (marked.ok) await refreshParent(deps, marked.value.after, migration);
}

function resultText(op: Operation, ending: Ending): string {
  if ('failed' in ending) {
    const state = ending.certain ? 'The VirtualService was not changed by this step.' : 'meshbot could not confirm the state of the VirtualService: check it with /mesh status.';
    return `❌ ${describeOperation(op)} failed: ${ending.failed.replace(/\.$/, '')}. ${state}`;
  }
  const lines = [...changeLines(ending.applied), ...(ending.annotations ?? []).map(describeAnnotationChange)].join('\n');
  const check = ending.verified ? 'read back and verified' : 'accepted, but the read-back failed: check it with /mesh status';
  const rv = ending.resourceVersion ? ` (resourceVersion ${ending.resourceVersion}, ${check})` : ending.verified ? '' : ` (${check})`;
  const verb = op.kind === 'rollback' ? `↩️ Rolled back by ${mention(op.requestedBy)}` : `✅ Applied ${describeOperation(op)}`;
  return `${verb}${rv}:\n\`\`\`${lines}\`\`\``;
}
