import type { Reversion } from '../operation/operation.js';
import { isJsonObject, type VirtualServiceLike } from '../virtual-service.js';
import type { StepDifference } from './step-live.js';
import { lastWeightWriter, weightWriters } from './vs-owners.js';

/** When and by whom a step's routes were changed, from the object's managedFields (the newest writer of `spec.http`). */
export function reversionOf(vs: VirtualServiceLike | undefined, difference: StepDifference, seenAt: string): Reversion {
  const metadata = vs && isJsonObject(vs.metadata) ? vs.metadata : {};
  const writer = lastWeightWriter(weightWriters(metadata.managedFields));
  return { at: writer?.time ?? seenAt, by: writer?.manager, now: difference.now, applied: difference.applied };
}

/** "weights changed at 10:41:07 UTC by `argocd-controller`: now 90/10, the step applied 75/25" */
export function describeReversion(reversion: Reversion, what: 'weights' | 'mirror'): string {
  const by = reversion.by ? ` by \`${reversion.by}\`` : ' (no field manager recorded)';
  const at = reversion.at.slice(11, 19);
  return `${what === 'weights' ? 'weights' : 'the mirror'} changed at ${at} UTC${by}: now ${reversion.now}, the step applied ${reversion.applied}`;
}
