import { mayApprove } from '../domain/operation/approval-policy.js';
import { describeOperation } from '../domain/operation/operation.js';
import { transition } from '../domain/operation/transitions.js';
import { lockOf, type Actor, type AppDeps, type MigrationSettings, type Reply } from './deps.js';
import { policyActor, policyFor } from './policy-for.js';
import { stopRun } from './run-plan.js';
import { postInThread, refreshParent } from './thread.js';

/** `/mesh abort`: cancels the request waiting for approval; its requester or an approver may. */
export async function abortRequest(deps: AppDeps, migration: MigrationSettings, actor: Actor): Promise<Reply> {
  const holder = await deps.store.holderOf(lockOf(migration));
  if (!holder || (holder.state !== 'awaiting-approval' && holder.state !== 'requested')) {
    const what = holder ? `${describeOperation(holder)} is ${holder.state} and can't be aborted` : 'nothing is waiting for approval';
    return { text: `Nothing to abort: ${what}.` };
  }
  if (holder.requestedBy !== actor.userId) {
    const allowed = mayApprove(policyFor(migration), await policyActor(deps, migration, actor.userId));
    if (!allowed.ok) return { text: `${allowed.error} Only the requester or an approver may abort it.` };
  }
  const aborted = await deps.store.mutate(holder.id, (current) => transition(current, { type: 'abort', at: deps.now().toISOString(), by: actor.userId }));
  if (!aborted.ok) return { text: aborted.error };
  deps.metrics?.operations.inc({ kind: holder.kind, outcome: 'aborted' });
  await deps.store.release(lockOf(migration), holder.id);
  await refreshParent(deps, aborted.value.after, migration);
  await postInThread(deps, aborted.value.after, `✋ Aborted by <@${actor.userId}>. Nothing was changed.`);
  await stopRun(deps, aborted.value.after, `the step was aborted by <@${actor.userId}>`);
  return { text: `Aborted ${describeOperation(holder)}.` };
}
