import type { Actor, AppDeps, MigrationSettings, Reply } from './deps.js';
import { kubeProblem, requestChange } from './request-change.js';
import { currentShare } from './run-plan.js';

/**
 * `/mesh finalize`: only at 100% after a healthy bake, and with approval like any step:
 * removes the ServiceEntry destination (and our mirror) from the routes.
 */
export async function requestFinalize(deps: AppDeps, migration: MigrationSettings, actor: Actor, override?: string): Promise<Reply> {
  let share: number | undefined;
  try {
    share = await currentShare(deps, migration);
  } catch (error) {
    return { text: kubeProblem(error, migration) };
  }
  if (share !== 100) return { text: `Not yet: ${migration.name} sends ${share ?? '?'}% to ${migration.to}. Finalize comes after 100% and a healthy bake (/mesh plan).` };
  const last = await deps.store.lastApplied(migration.name);
  const healthy = last?.kind === 'shift' && last.percent === 100 && (last.bake === undefined || last.bake.status === 'healthy');
  if (!healthy) {
    const why = last?.bake?.status === 'running' ? 'the 100% step is still baking' : 'the 100% step has no healthy bake on record';
    return { text: `Not yet: ${why}. Finalize after the bake of the 100% step ends healthy.` };
  }
  return requestChange(deps, migration, 'finalize', 100, actor, { override });
}
