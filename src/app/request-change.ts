import { mayRequest } from '../domain/operation/approval-policy.js';
import { describeOperation, type Operation } from '../domain/operation/operation.js';
import { VIRTUAL_SERVICES } from '../kube/custom-objects.js';
import { KubeError } from '../kube/kube-error.js';
import { lockOf, vsLabel, type Actor, type AppDeps, type MigrationSettings, type Reply } from './deps.js';
import { asChanges, editOf } from './operation-edit.js';
import { policyActor, policyFor } from './policy-for.js';
import { resolveMigration } from './resolve-migration.js';
import { changePolicyFields, postBreakGlass, waitingText, whenAllowed } from './change-policy.js';
import { gitopsPreflight } from './gitops-preflight.js';

/**
 * `/mesh shift 25%` and `/mesh mirror 10%`: checks who asks, reads the VirtualService, plans the
 * edit, records the operation (taking the VirtualService's lock) and queues its thread. Nothing
 * is queued when any of that fails; the user is told why.
 */
export async function requestChange(deps: AppDeps, migration: MigrationSettings, kind: 'shift' | 'mirror' | 'finalize', percent: number | 'off', actor: Actor, options: RequestOptions = {}): Promise<Reply & { requested?: boolean; waitsUntil?: string }> {
  const allowed = mayRequest(policyFor(migration), await policyActor(deps, migration, actor.userId));
  if (!allowed.ok) return { text: allowed.error };
  const timing = whenAllowed(deps, migration, { kind, percent, migration: migration.name }, options);
  if ('text' in timing) return timing;
  const plan = await planAgainstCluster(deps, migration, { kind, percent });
  if ('text' in plan) return plan;
  const now = deps.now();
  const op: Operation = {
    id: deps.newId(),
    migration: migration.name,
    kind,
    percent,
    state: 'requested',
    requestedBy: actor.userId,
    requestedAt: now.toISOString(),
    expiresAt: new Date(postedAt(now, timing.notBefore) + migration.approvalTimeoutMs).toISOString(),
    channel: migration.channel,
    planned: plan.planned,
    ...changePolicyFields(migration, { kind, percent }, options.override, timing.notBefore),
    ...(plan.annotations.length > 0 ? { annotations: plan.annotations } : {}),
    ...(options.viaRun ? { viaRun: true } : {}),
    ...(options.autoApprove ? { autoApprove: true } : {}),
    version: 0,
    history: [{ at: now.toISOString(), state: 'requested', by: actor.userId, ...(options.override === undefined ? {} : { note: `break-glass: ${options.override}` }) }],
  };
  const created = await deps.store.create(op, lockOf(migration));
  if (!created.ok) return { text: busyText(created.error) };
  const waitMs = postedAt(now, timing.notBefore) - now.getTime();
  await deps.jobs.enqueue('prepare', op.id, { delayMs: waitMs });
  await deps.jobs.enqueue('expire', op.id, { delayMs: waitMs + migration.approvalTimeoutMs });
  if (op.override) await postBreakGlass(deps, migration, op, `<@${actor.userId}> requests a step outside the change policy; it needs ${op.approvalsNeeded} approvals`);
  return requestedReply(deps, op);
}

export interface RequestOptions {
  readonly viaRun?: boolean;
  readonly autoApprove?: boolean;
  /** `--override "reason"`: break-glass, past change windows and freezes, with one more approval from the break-glass approvers. */
  readonly override?: string | undefined;
}

const postedAt = (now: Date, notBefore: { at: string } | undefined): number => (notBefore ? Math.max(now.getTime(), Date.parse(notBefore.at)) : now.getTime());

function requestedReply(deps: AppDeps, op: Operation): Reply & { requested: true; waitsUntil?: string } {
  const waits = waitingText(deps, op);
  if (waits) return { requested: true, waitsUntil: waits, text: `Requested: ${describeOperation(op)}; it waits for the change window and is posted for approval ${waits} (operation ${op.id}).` };
  const needs = (op.approvalsNeeded ?? 1) > 1 ? `; it needs ${op.approvalsNeeded} approvals` : '';
  return { requested: true, text: `Requested: ${describeOperation(op)}${op.override ? ' (break-glass, posted to the incident channel)' : ''}${needs}. The request and its Approve/Reject buttons are in this channel (operation ${op.id}).` };
}

/** The "Request shift to N%" button after a healthy bake: value `migration:percent`. */
export async function requestNextStep(deps: AppDeps, value: string, actor: Actor): Promise<Reply> {
  const [name, percentText] = value.split(':');
  const migration = resolveMigration(deps, actor.channelId, name);
  const percent = Number(percentText);
  if (!migration.ok) return { text: migration.error };
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) return { text: `That button carries no valid step (${value}); use /mesh shift instead.` };
  return requestChange(deps, migration.value, 'shift', percent, actor);
}

export function busyText(holder: Operation): string {
  const where = holder.threadTs ? ' (see its thread)' : '';
  return `Busy with ${describeOperation(holder)} — ${holder.state}, requested by <@${holder.requestedBy}>${where}. One operation at a time per VirtualService: wait for it, or /mesh abort it if it is still waiting for approval.`;
}

async function planAgainstCluster(deps: AppDeps, migration: MigrationSettings, op: Pick<Operation, 'kind' | 'percent'>): Promise<Reply | { planned: Operation['planned']; annotations: NonNullable<Operation['annotations']> }> {
  const edit = editOf(migration, op);
  if (!edit.ok) return { text: edit.error };
  let vs;
  try {
    vs = await deps.kube(migration).get(VIRTUAL_SERVICES, { namespace: migration.namespace, name: migration.virtualService });
  } catch (error) {
    return { text: kubeProblem(error, migration) };
  }
  const result = edit.value.edit(vs);
  if (!result.ok) return { text: `Nothing was requested: ${result.error.message}` };
  if (result.value.changes.length === 0) return { text: `Nothing to do: ${vsLabel(migration)} is already there (${describeOperation({ ...op, migration: migration.name })}).` };
  const gitops = gitopsPreflight(migration, vs, op.kind);
  if (!gitops.ok) return { text: `Nothing was requested. ${gitops.reason}.` };
  return { planned: asChanges(edit.value.kind, result.value.changes), annotations: gitops.annotations };
}

/**
 * A Kubernetes failure in plain words. `ending` is what it means for the user: nothing was
 * requested (a command), or nothing more to add (a report, or a step whose thread says the rest).
 */
export function kubeProblem(error: unknown, migration: MigrationSettings, ending: 'nothing-requested' | 'none' = 'nothing-requested'): string {
  const label = `VirtualService ${vsLabel(migration)}`;
  const requested = ending === 'nothing-requested' ? ' Nothing was requested.' : '';
  if (!(error instanceof KubeError)) return `Could not read ${label}: ${String(error)}.${requested}`;
  switch (error.kind) {
    case 'not-found':
      return `${label} was not found. Check the migration's namespace and virtualService in the migrations file, or create the VirtualService first.${requested}`;
    case 'conflict':
    case 'invalid':
      return `${label} kept changing while meshbot wrote to it (${error.message}): someone else is editing it, and meshbot never overwrites their edit.${requested} Try again when it is quiet.`;
    case 'forbidden':
      return `meshbot may not read or change ${label} (403 Forbidden: ${error.message}). Grant its service account get/patch on virtualservices.networking.istio.io in ${migration.namespace}.${requested}`;
    default:
      return `The Kubernetes API did not answer for ${label} (${error.message}).${requested} Try again shortly.`;
  }
}
