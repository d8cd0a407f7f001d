import { mayApprove } from '../domain/operation/approval-policy.js';
import { describeOperation, MESHBOT_ACTOR, mention, type Operation } from '../domain/operation/operation.js';
import { transition } from '../domain/operation/transitions.js';
import { lockOf, type Actor, type AppDeps, type MigrationSettings, type Reply } from './deps.js';
import { policyActor, policyFor } from './policy-for.js';
import { busyText } from './request-change.js';
import { postInThread, refreshParent } from './thread.js';

/**
 * `/mesh rollback`: the safe direction, so anyone allowed to approve runs it at once with no
 * second approval. It undoes the newest applied step; a request still waiting for approval
 * is aborted and a running bake is ended to make way.
 */
export async function requestRollback(deps: AppDeps, migration: MigrationSettings, actor: Actor): Promise<Reply> {
  const allowed = mayApprove(policyFor(migration), await policyActor(deps, migration, actor.userId));
  if (!allowed.ok) return { text: `${allowed.error} Only approvers may roll back.` };
  const target = await deps.store.lastApplied(migration.name);
  if (!target) return { text: `Nothing to roll back: ${migration.name} has no applied step that is not already rolled back.` };
  const started = await startRollback(deps, migration, target, actor.userId, 'rollback requested');
  if (!started.ok) return { text: started.error };
  return { text: `Rolling back ${describeOperation(target)}; the result will be posted in its thread.` };
}

/**
 * Creates the rollback operation of `target` (already approved: rolling back is the safe
 * direction), takes the VirtualService from whoever holds it if that is safe, and queues the
 * rollback job ahead of other work.
 */
export async function startRollback(deps: AppDeps, migration: MigrationSettings, target: Operation, by: string, note: string, detectedAt?: string): Promise<{ ok: true; operation: Operation } | { ok: false; error: string }> {
  const now = deps.now().toISOString();
  const op: Operation = {
    id: deps.newId(),
    migration: migration.name,
    kind: 'rollback',
    percent: target.percent,
    state: 'approved',
    requestedBy: by,
    requestedAt: now,
    expiresAt: now,
    decidedBy: by,
    decidedAt: now,
    channel: target.channel,
    ...(target.threadTs ? { threadTs: target.threadTs } : {}),
    rollsBack: target.id,
    ...(detectedAt ? { detectedAt } : {}),
    version: 0,
    history: [{ at: now, state: 'approved', by, note: `${note}: rollback of ${target.id}` }],
  };
  const created = await takeVirtualService(deps, migration, op, by);
  if (!created.ok) return created;
  await deps.jobs.enqueue('rollback', op.id);
  deps.metrics?.rollbacks.inc({ trigger: by === MESHBOT_ACTOR ? 'automatic' : 'requested' });
  await postInThread(deps, op, `↩️ ${mention(by)} is rolling back ${describeOperation(target)} (operation ${op.id})…`);
  return { ok: true, operation: op };
}

async function takeVirtualService(deps: AppDeps, migration: MigrationSettings, op: Operation, by: string): Promise<{ ok: true } | { ok: false; error: string }> {
  const lock = lockOf(migration);
  const holder = await deps.store.holderOf(lock);
  if (holder && holder.id !== op.rollsBack) await abortIfPending(deps, migration, holder, by);
  if (holder && holder.id === op.rollsBack && holder.bake?.status === 'running') {
    await deps.store.mutate(holder.id, (current) => transition(current, { type: 'bake-end', at: deps.now().toISOString(), status: 'interrupted', note: 'rolled back' }));
  }
  const created = await deps.store.create(op, lock, op.rollsBack);
  return created.ok ? { ok: true } : { ok: false, error: busyText(created.error) };
}

async function abortIfPending(deps: AppDeps, migration: MigrationSettings, holder: Operation, by: string): Promise<void> {
  if (holder.state !== 'awaiting-approval' && holder.state !== 'requested') return;
  const aborted = await deps.store.mutate(holder.id, (current) => transition(current, { type: 'abort', at: deps.now().toISOString(), by, note: 'aborted to make way for a rollback' }));
  if (!aborted.ok) return;
  await deps.store.release(lockOf(migration), holder.id);
  await refreshParent(deps, aborted.value.after, migration);
}
