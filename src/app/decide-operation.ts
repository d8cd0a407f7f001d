import { mayDecide } from '../domain/operation/approval-policy.js';
import { transition } from '../domain/operation/transitions.js';
import { lockOf, type Actor, type AppDeps, type Reply } from './deps.js';
import { expireOperation } from './expire-operation.js';
import { stopRun } from './run-plan.js';
import { policyActor, policyFor } from './policy-for.js';
import { migrationOf, postInThread, refreshParent } from './thread.js';

export type Decision = 'approve' | 'reject';

/**
 * An Approve or Reject click. The state change is compare-and-set, so of two clicks (or a
 * click and a Slack retry) exactly one wins and only it queues the apply. Refusals go back to
 * the clicker alone; nothing changes.
 */
export async function decideOperation(deps: AppDeps, operationId: string, decision: Decision, actor: Actor): Promise<Reply | undefined> {
  const op = await postedOperation(deps, operationId);
  if (!op) return { text: `Operation ${operationId} is unknown; nothing was changed.` };
  const migration = migrationOf(deps, op);
  if (!migration) return { text: `Migration ${op.migration} is no longer configured; nothing was changed.` };
  if (actor.channelId !== op.channel) return { text: `This request belongs to <#${op.channel}>; decisions are taken there. Nothing was changed.` };
  if (deps.now().toISOString() >= op.expiresAt && op.state === 'awaiting-approval') {
    await expireOperation(deps, op.id);
    return { text: 'This request expired before your click; nothing was changed. Request it again if it is still wanted.' };
  }
  const allowed = decision === 'approve' ? mayDecide(policyFor(migration), await policyActor(deps, migration, actor.userId), op.requestedBy) : mayReject(deps, migration, actor, op.requestedBy);
  const permission = await allowed;
  if (!permission.ok) return { text: `${permission.error} Nothing was changed.` };
  const at = deps.now().toISOString();
  const decided = await deps.store.mutate(op.id, (current) => transition(current, { type: decision, at, by: actor.userId }));
  if (!decided.ok) return { text: decided.error };
  const after = decided.value.after;
  if (decision === 'approve') await deps.jobs.enqueue('apply', op.id);
  else {
    await deps.store.release(lockOf(migration), op.id);
    deps.metrics?.operations.inc({ kind: op.kind, outcome: 'rejected' });
  }
  await refreshParent(deps, after, migration);
  if (decision === 'reject') await stopRun(deps, after, `the step was rejected by <@${actor.userId}>`);
  await postInThread(deps, after, decision === 'approve' ? `✅ Approved by <@${actor.userId}>. Applying…` : `🚫 Rejected by <@${actor.userId}>. Nothing was changed.`);
  return undefined;
}

const POSTING_WAIT_MS = 2000;

/**
 * The request message is posted a moment before its operation is marked as awaiting approval;
 * a very fast click may land in between, so give the prepare job that moment.
 */
async function postedOperation(deps: AppDeps, operationId: string) {
  const deadline = Date.now() + POSTING_WAIT_MS;
  let op = await deps.store.get(operationId);
  while (op?.state === 'requested' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    op = await deps.store.get(operationId);
  }
  return op;
}

/** Approvers may reject; so may the requester (withdrawing their own request). */
async function mayReject(deps: AppDeps, migration: Parameters<typeof policyFor>[0], actor: Actor, requestedBy: string) {
  if (actor.userId === requestedBy) return { ok: true as const, value: true as const };
  return mayDecide({ ...policyFor(migration), allowSelfApproval: true }, await policyActor(deps, migration, actor.userId), requestedBy);
}
