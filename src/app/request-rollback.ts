import { mayApprove } from '../domain/operation/approval-policy.js';
import { describeOperation, type Operation } from '../domain/operation/operation.js';
import { transition } from '../domain/operation/transitions.js';
import { lockOf, type Actor, type AppDeps, type MigrationSettings, type Reply } from './deps.js';
import { policyActor, policyFor } from './policy-for.js';
import { busyText } from './request-change.js';
import { postInThread, refreshParent } from './thread.js';

/**
 * `/mesh rollback`: the safe direction, so anyone allowed to approve runs it at once with no
 * second approval. It undoes the newest applied step; a request still waiting for approval
 * is aborted to make way. Audited and posted in the step's thread like any other operation.
 */
export async function requestRollback(deps: AppDeps, migration: MigrationSettings, actor: Actor): Promise<Reply> {
  const allowed = mayApprove(policyFor(migration), await policyActor(deps, migration, actor.userId));
  if (!allowed.ok) return { text: `${allowed.error} Only approvers may roll back.` };
  const target = await deps.store.lastApplied(migration.name);
  if (!target) return { text: `Nothing to roll back: ${migration.name} has no applied step that is not already rolled back.` };
  const now = deps.now().toISOString();
  const op: Operation = {
    id: deps.newId(),
    migration: migration.name,
    kind: 'rollback',
    percent: target.kind === 'rollback' ? 'off' : target.percent,
    state: 'approved',
    requestedBy: actor.userId,
    requestedAt: now,
    expiresAt: now,
    decidedBy: actor.userId,
    decidedAt: now,
    channel: target.channel,
    ...(target.threadTs ? { threadTs: target.threadTs } : {}),
    rollsBack: target.id,
    version: 0,
    history: [{ at: now, state: 'approved', by: actor.userId, note: `rollback of ${target.id}` }],
  };
  const created = await createPreemptingPending(deps, migration, op, actor);
  if (!created.ok) return { text: created.text };
  await deps.jobs.enqueue('rollback', op.id);
  await postInThread(deps, op, `↩️ <@${actor.userId}> is rolling back ${describeOperation(target)} (operation ${op.id})…`);
  return { text: `Rolling back ${describeOperation(target)}; the result will be posted in its thread.` };
}

async function createPreemptingPending(deps: AppDeps, migration: MigrationSettings, op: Operation, actor: Actor): Promise<{ ok: true } | { ok: false; text: string }> {
  const lock = lockOf(migration);
  const created = await deps.store.create(op, lock);
  if (created.ok) return { ok: true };
  const holder = created.error;
  if (holder.state !== 'awaiting-approval' && holder.state !== 'requested') return { ok: false, text: busyText(holder) };
  const aborted = await deps.store.mutate(holder.id, (current) => transition(current, { type: 'abort', at: deps.now().toISOString(), by: actor.userId, note: 'aborted to make way for a rollback' }));
  if (aborted.ok) {
    await deps.store.release(lock, holder.id);
    await refreshParent(deps, aborted.value.after, migration);
  }
  const retried = await deps.store.create(op, lock);
  return retried.ok ? { ok: true } : { ok: false, text: busyText(retried.error) };
}
