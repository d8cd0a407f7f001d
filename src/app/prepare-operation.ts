import type { Operation, PreflightCheck } from '../domain/operation/operation.js';
import { transition } from '../domain/operation/transitions.js';
import { indexesOfHost, httpRoutes } from '../domain/virtual-service.js';
import { VIRTUAL_SERVICES } from '../kube/custom-objects.js';
import { KubeError } from '../kube/kube-error.js';
import { operationMessage } from '../slack/blocks/operation-message.js';
import { lockOf, vsLabel, type AppDeps, type MigrationSettings } from './deps.js';
import { asChanges, editOf } from './operation-edit.js';
import { kubeProblem } from './request-change.js';
import { stopRun } from './run-plan.js';
import { migrationOf, postInThread, refreshParent } from './thread.js';
import { MESHBOT_ACTOR, isMeshObjectKind } from '../domain/operation/operation.js';
import { describeGcpBackend } from '../domain/gcp-backend.js';
import { prepareMeshObject } from './mesh-object-edit.js';
import { ratesPreflight } from './rates-preflight.js';
import { closedReason } from './change-policy.js';
import { argoGuidance, gitopsPreflight } from './gitops-preflight.js';
import type { AnnotationChange } from '../domain/gitops/flux-suspension.js';

/**
 * The prepare job: runs the preflight, posts the request with Approve/Reject and records the
 * thread. Runs again harmlessly: once the thread is recorded there is nothing left to do.
 */
export async function prepareOperation(deps: AppDeps, operationId: string): Promise<void> {
  const op = await deps.store.get(operationId);
  if (!op || op.state !== 'requested') return;
  const migration = migrationOf(deps, op);
  if (!migration) return fail(deps, op, `migration ${op.migration} is no longer configured`);
  if (isMeshObjectKind(op.kind)) return prepareMeshObject(deps, op, migration);
  const checks = await preflight(deps, migration, op);
  if (!checks.ok) return fail(deps, op, checks.reason);
  const draft = { ...op, state: 'awaiting-approval' as const, planned: checks.planned, preflight: checks.checks, annotations: checks.annotations };
  const threadTs = await deps.notifier.post({ channel: op.channel, ...operationMessage({ operation: draft, virtualService: vsLabel(migration) }) });
  const posted = await deps.store.mutate(op.id, (current) => transition(current, { type: 'posted', at: deps.now().toISOString(), threadTs, planned: checks.planned, preflight: checks.checks, annotations: checks.annotations }));
  if (!posted.ok) {
    // Expired or aborted while we were posting: make the message say so.
    const current = await deps.store.get(op.id);
    if (current) await deps.notifier.update({ channel: op.channel, ts: threadTs, ...operationMessage({ operation: { ...current, threadTs }, virtualService: vsLabel(migration) }) });
    return;
  }
  if (checks.argoGuidance) await postInThread(deps, posted.value.after, checks.argoGuidance);
  if (op.autoApprove) await autoApprove(deps, posted.value.after, migration);
}

/** autoAdvance: the policy itself approves a run's next step after a healthy bake. */
async function autoApprove(deps: AppDeps, op: Operation, migration: MigrationSettings): Promise<void> {
  // The window may have closed (or a freeze begun) since the step was scheduled: then a person decides, in a window.
  const closed = op.override ? undefined : closedReason(deps, migration);
  if (closed) return postInThread(deps, op, `⏸️ autoAdvance did not approve this step: ${closed}. It waits for an approver, whose click is checked against the change windows.`);
  const approved = await deps.store.mutate(op.id, (current) => transition(current, { type: 'approve', at: deps.now().toISOString(), by: MESHBOT_ACTOR }));
  if (!approved.ok) return;
  await deps.jobs.enqueue('apply', op.id);
  await refreshParent(deps, approved.value.after, migration);
  await postInThread(deps, approved.value.after, '✅ Approved by the migration\'s autoAdvance policy after a healthy bake. Applying…');
}

type Preflight = { ok: true; checks: PreflightCheck[]; planned: NonNullable<Operation['planned']>; annotations: readonly AnnotationChange[]; argoGuidance: string | undefined } | { ok: false; reason: string };

async function preflight(deps: AppDeps, migration: MigrationSettings, op: Operation): Promise<Preflight> {
  const kube = deps.kube(migration);
  let vs;
  try {
    vs = await kube.get(VIRTUAL_SERVICES, { namespace: migration.namespace, name: migration.virtualService });
  } catch (error) {
    if (error instanceof KubeError && error.transient) throw error;
    return { ok: false, reason: kubeProblem(error, migration) };
  }
  const gitops = gitopsPreflight(migration, vs, op.kind);
  if (!gitops.ok) return { ok: false, reason: gitops.reason };
  const edit = editOf(migration, { ...op, annotations: gitops.annotations });
  if (!edit.ok) return { ok: false, reason: edit.error };
  const result = edit.value.edit(vs);
  if (!result.ok) return { ok: false, reason: result.error.message };
  const routesWithFrom = httpRoutes(vs).filter((r) => indexesOfHost(r, migration.from).length > 0).length;
  const holder = await deps.store.holderOf(lockOf(migration));
  const checks: PreflightCheck[] = [
    { label: `VirtualService ${vsLabel(migration)} found`, ok: true, detail: `resourceVersion ${String((vs.metadata as { resourceVersion?: string } | undefined)?.resourceVersion ?? '?')}` },
    { label: `${migration.from} present`, ok: routesWithFrom > 0, detail: `in ${routesWithFrom} http route(s)` },
    ...(await gcpBackendCheck(deps, migration)),
    ...gitops.checks,
    ...(op.kind === 'shift' ? await ratesPreflight(deps, migration) : []),
    { label: 'No other operation in flight', ok: holder?.id === op.id },
  ];
  const guidance = gitops.argoApplication ? argoGuidance(migration, gitops.argoApplication, vs, edit.value.edit, op) : undefined;
  return { ok: true, checks, planned: asChanges(edit.value.kind, result.value.changes), annotations: gitops.annotations, argoGuidance: guidance };
}

/** The GCPBackend: present, what it stands for (Cloud Run or Compute Engine), and a line per limit the docs set. */
async function gcpBackendCheck(deps: AppDeps, migration: MigrationSettings): Promise<PreflightCheck[]> {
  if (!migration.gcpBackend) return [{ label: 'GCPBackend', ok: true, detail: 'not configured for this migration, not checked' }];
  const label = `GCPBackend ${migration.namespace}/${migration.gcpBackend} present`;
  try {
    const backend = await deps.kube(migration).get(deps.gcpBackendApi, { namespace: migration.namespace, name: migration.gcpBackend });
    const described = describeGcpBackend(backend, { meshProject: deps.logs?.projectId });
    return [{ label, ok: true, detail: described.summary }, ...described.warnings.map((warning) => ({ label: warning, ok: false }))];
  } catch (error) {
    if (error instanceof KubeError && error.transient) throw error;
    const detail = error instanceof KubeError && error.kind === 'not-found' ? 'not found: create it before shifting traffic to it' : String((error as Error).message);
    return [{ label, ok: false, detail }];
  }
}

async function fail(deps: AppDeps, op: Operation, reason: string): Promise<void> {
  const failed = await deps.store.mutate(op.id, (current) => transition(current, { type: 'fail', at: deps.now().toISOString(), reason }));
  const migration = migrationOf(deps, op);
  if (migration) await deps.store.release(lockOf(migration), op.id);
  if (!failed.ok) return;
  await postInThread(deps, failed.value.after, `❌ <@${op.requestedBy}> your request (${op.id}) could not be prepared: ${reason}`);
  await stopRun(deps, failed.value.after, reason);
}
