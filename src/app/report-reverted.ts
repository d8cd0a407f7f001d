import { ownerRemedy } from '../domain/gitops/gitops-policy.js';
import { describeReversion } from '../domain/gitops/reversion.js';
import { ownershipOf } from '../domain/gitops/vs-owners.js';
import { describeOperation, type Operation, type Reversion } from '../domain/operation/operation.js';
import type { VirtualServiceLike } from '../domain/virtual-service.js';
import { vsLabel, type AppDeps, type MigrationSettings } from './deps.js';
import { stopRun } from './run-plan.js';

/** A step the cluster undid while it baked: said in the thread and the incident channel; a run stops there. */
export async function reportReverted(deps: AppDeps, migration: MigrationSettings, op: Operation, reversion: Reversion, vs: VirtualServiceLike | undefined): Promise<void> {
  const change = describeReversion(reversion, op.applied?.kind === 'mirror' ? 'mirror' : 'weights');
  const remedy = vs ? ownerRemedy(ownershipOf(vs)) : undefined;
  const text = [
    `↩️ *${describeOperation(op)} was undone outside meshbot* — VirtualService \`${vsLabel(migration)}\`: ${change}.`,
    'The bake stopped at once and the step is not judged (outcome: *reverted*): no healthy verdict, no next step, and a running plan stops here. meshbot did not touch the VirtualService.',
    remedy ?? 'Find who changed it before requesting the step again: `kubectl get virtualservice -o yaml --show-managed-fields` names every field manager.',
  ].join('\n');
  await deps.notifier.post({ channel: op.channel, threadTs: op.threadTs, text });
  if (migration.incidentChannel) await deps.notifier.post({ channel: migration.incidentChannel, text });
  await stopRun(deps, op, `the ${describeOperation(op)} step was undone outside meshbot (${change})`);
}
