import { mayDecide } from '../domain/operation/approval-policy.js';
import { completesApproval, neededOf, tallyText } from '../domain/operation/approval-tally.js';
import type { Operation } from '../domain/operation/operation.js';
import { transition } from '../domain/operation/transitions.js';
import { err } from '../domain/result.js';
import { actorFor, closedReason, closedRefusal, deciderPolicy, postBreakGlass } from './change-policy.js';
import { lockOf, type Actor, type AppDeps, type MigrationSettings, type Reply } from './deps.js';
import { expireOperation } from './expire-operation.js';
import { stopRun } from './run-plan.js';
import { migrationOf, postInThread, refreshParent } from './thread.js';
import { describeOperation } from '../domain/operation/operation.js';

export type Decision = 'approve' | 'reject';

/**
 * An Approve or Reject click. The state change is compare-and-set, so of two clicks (or a
 * click and a Slack retry) exactly one wins; an approval short of the tally only counts, and
 * only the click that completes it moves the request to approved and queues the apply.
 * Refusals go back to the clicker alone; nothing changes.
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
  const permission = decision === 'approve' ? await mayApproveOperation(deps, migration, op, actor) : await mayReject(deps, migration, op, actor);
  if (!permission.ok) return { text: `${permission.error} Nothing was changed.` };
  const at = deps.now().toISOString();
  const decided = await deps.store.mutate(op.id, (current) => (decision === 'approve' ? approveInWindow(deps, migration, current, actor.userId, at) : transition(current, { type: 'reject', at, by: actor.userId })));
  if (!decided.ok) return { text: decided.error };
  if (decision === 'approve') await approved(deps, migration, decided.value.after, actor.userId);
  else await rejected(deps, migration, decided.value.after, actor.userId);
  return undefined;
}

/**
 * The approval that completes the tally applies the step, so outside the change windows it is
 * refused (a break-glass request excepted); the check runs inside the compare-and-set, against
 * the tally as stored.
 */
function approveInWindow(deps: AppDeps, migration: MigrationSettings, current: Operation, by: string, at: string) {
  const closed = !current.override && current.state === 'awaiting-approval' && completesApproval(current) ? closedReason(deps, migration) : undefined;
  if (closed) return err(closedRefusal(closed, `applying ${describeOperation(current)}`, current.kind).replace('Nothing was changed.', 'Your approval was not counted.'));
  return transition(current, { type: 'approve', at, by });
}

async function approved(deps: AppDeps, migration: MigrationSettings, after: Operation, by: string): Promise<void> {
  const complete = after.state === 'approved';
  if (complete) await deps.jobs.enqueue('apply', after.id);
  await refreshParent(deps, after, migration);
  const tally = neededOf(after) > 1 ? ` (${tallyText(after)})` : '';
  await postInThread(deps, after, complete ? `✅ Approved by <@${by}>${tally}. Applying…` : `👍 Approval by <@${by}>: ${tallyText(after)}. It applies at the last one.`);
  if (after.override) await postBreakGlass(deps, migration, after, `approval by <@${by}>, ${tallyText(after)}${complete ? '; applying' : ''}`);
}

async function rejected(deps: AppDeps, migration: MigrationSettings, after: Operation, by: string): Promise<void> {
  await deps.store.release(lockOf(migration), after.id);
  deps.metrics?.operations.inc({ kind: after.kind, outcome: 'rejected' });
  await refreshParent(deps, after, migration);
  await stopRun(deps, after, `the step was rejected by <@${by}>`);
  await postInThread(deps, after, `🚫 Rejected by <@${by}>. Nothing was changed.`);
  if (after.override) await postBreakGlass(deps, migration, after, `rejected by <@${by}>`);
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

/** An approver of this request (the break-glass approvers for an override); the requester only where one approval is needed and self-approval is allowed. */
async function mayApproveOperation(deps: AppDeps, migration: MigrationSettings, op: Operation, actor: Actor) {
  const policy = deciderPolicy(migration, op);
  return mayDecide(policy, await actorFor(deps, policy, actor.userId), op.requestedBy, neededOf(op));
}

/** Approvers may reject; so may the requester (withdrawing their own request). */
async function mayReject(deps: AppDeps, migration: MigrationSettings, op: Operation, actor: Actor) {
  if (actor.userId === op.requestedBy) return { ok: true as const, value: true as const };
  const policy = { ...deciderPolicy(migration, op), allowSelfApproval: true };
  return mayDecide(policy, await actorFor(deps, policy, actor.userId), op.requestedBy);
}
