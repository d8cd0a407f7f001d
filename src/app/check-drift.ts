import { describeReversion, reversionOf } from '../domain/gitops/reversion.js';
import { stepDifference } from '../domain/gitops/step-live.js';
import { describeOperation, isMeshObjectKind, type Operation } from '../domain/operation/operation.js';
import type { DriftStore } from '../store/drift-store.js';
import { lockOf, vsLabel, type AppDeps, type MigrationSettings } from './deps.js';
import { liveVirtualService } from './live-virtual-service.js';

export const DEFAULT_DRIFT_CHECK_MS = 5 * 60_000;
const HISTORY_LOOKED_AT = 50;

/**
 * The drift check (a scheduled job): outside steps, each migration's live weights are compared,
 * every `driftCheck`, with what its last weights step left; a difference is posted once per new
 * state in the migration's channel, naming the field manager. While a step is in flight its own
 * watch covers it, so meshbot's writes never alarm.
 */
export async function checkDrift(deps: AppDeps, drift: DriftStore): Promise<void> {
  for (const migration of deps.migrations) {
    if (!(await drift.due(migration.name, migration.driftCheckMs ?? DEFAULT_DRIFT_CHECK_MS))) continue;
    await checkMigration(deps, drift, migration);
  }
}

async function checkMigration(deps: AppDeps, drift: DriftStore, migration: MigrationSettings): Promise<void> {
  if (await deps.store.holderOf(lockOf(migration))) return;
  const last = await lastWeightsStep(deps, migration);
  if (!last?.applied) return;
  const vs = await liveVirtualService(deps, migration);
  if (vs === 'unknown') return;
  const difference = stepDifference(vs, last.applied);
  if (!difference) return drift.clear(migration.name);
  // The bake already said so when this very change undid the step.
  if (last.bake?.reverted?.now === difference.now) return;
  const reversion = reversionOf(vs, difference, deps.now().toISOString());
  const isNew = await drift.recordIfNew(migration.name, { state: difference.now, expected: difference.applied, since: reversion.at, by: reversion.by });
  if (!isNew) return;
  const change = describeReversion(reversion, 'weights').replace(/, the step applied .*$/, '');
  await deps.notifier.post({
    channel: migration.channel,
    text: [
      `⚠️ *${migration.name} drifted*: VirtualService \`${vsLabel(migration)}\` ${change}; the last step meshbot applied (${describeOperation(last)}, ${last.id}) left ${difference.applied}.`,
      'meshbot changed nothing. `/mesh status` shows the drift until the weights are back; the next step starts from the live weights. If a GitOps controller made this change, commit the weights to Git or see the preflight of the next request.',
    ].join('\n'),
  });
}

/** The newest operation whose applied weights are what the VirtualService should hold now. */
async function lastWeightsStep(deps: AppDeps, migration: MigrationSettings): Promise<Operation | undefined> {
  const recent = await deps.store.history(migration.name, HISTORY_LOOKED_AT);
  return recent.find((op) => op.applied?.kind === 'weights' && !isMeshObjectKind(op.kind) && (op.state === 'applied' || op.state === 'rolled-back') && op.applied.changes.length > 0);
}

