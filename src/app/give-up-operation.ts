import { isTerminal } from '../domain/operation/operation.js';
import { transition } from '../domain/operation/transitions.js';
import { lockOf, type AppDeps } from './deps.js';
import { migrationOf, postInThread, refreshParent } from './thread.js';

/**
 * When BullMQ gives up on a job (attempts spent, or its workers kept dying), the operation must
 * not stay in flight forever holding its VirtualService: end it, free the VirtualService, and say
 * so in the thread. A bake that can no longer be watched ends as interrupted.
 */
export async function giveUpOperation(deps: AppDeps, operationId: string, reason: string): Promise<void> {
  const op = await deps.store.get(operationId);
  if (!op) return;
  const at = deps.now().toISOString();
  const ended = op.bake?.status === 'running'
    ? await deps.store.mutate(op.id, (current) => transition(current, { type: 'bake-end', at, status: 'interrupted', note: reason }))
    : isTerminal(op.state)
      ? undefined
      : await deps.store.mutate(op.id, (current) => transition(current, { type: 'fail', at, reason }));
  if (!ended?.ok) return;
  const migration = migrationOf(deps, op);
  if (migration) {
    await deps.store.release(lockOf(migration), op.id);
    await refreshParent(deps, ended.value.after, migration);
  }
  const what = op.bake?.status === 'running' ? 'The bake stopped watching' : 'This operation failed';
  await postInThread(deps, ended.value.after, `⚠️ ${what}: ${reason}. Check the VirtualService with /mesh status before going on.`);
}
