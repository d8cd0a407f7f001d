import { transition } from '../domain/operation/transitions.js';
import { lockOf, type AppDeps } from './deps.js';
import { stopRun } from './run-plan.js';
import { migrationOf, postInThread, refreshParent } from './thread.js';

/** The expire job (and a late click): a request nobody decided on in time ends, changing nothing. */
export async function expireOperation(deps: AppDeps, operationId: string): Promise<void> {
  const op = await deps.store.get(operationId);
  if (!op || (op.state !== 'awaiting-approval' && op.state !== 'requested')) return;
  const expired = await deps.store.mutate(op.id, (current) => transition(current, { type: 'expire', at: deps.now().toISOString() }));
  if (!expired.ok) return;
  deps.metrics?.operations.inc({ kind: op.kind, outcome: 'expired' });
  const migration = migrationOf(deps, op);
  if (!migration) return;
  await deps.store.release(lockOf(migration), op.id);
  await refreshParent(deps, expired.value.after, migration);
  if (op.threadTs) await postInThread(deps, expired.value.after, '⌛ This request expired without a decision. Nothing was changed.');
  await stopRun(deps, expired.value.after, 'the step expired without a decision');
}
