import { splitBar } from '../domain/describe-changes.js';
import { describeOperation, mention, type Operation } from '../domain/operation/operation.js';
import { effectiveWeight, httpRoutes, indexesOfHost, routeDestinations, type JsonObject } from '../domain/virtual-service.js';
import { VIRTUAL_SERVICES } from '../kube/custom-objects.js';
import { lockOf, vsLabel, type AppDeps, type MigrationSettings, type Reply } from './deps.js';
import { kubeProblem } from './request-change.js';
import { recentRates } from './recent-rates.js';
import { inFlightNote, policyLines } from './change-policy.js';

const HISTORY_SHOWN = 5;

/** `/mesh status`: the split as the cluster has it now, what is in flight, and the last steps. */
export async function showStatus(deps: AppDeps, migration: MigrationSettings): Promise<Reply> {
  const [split, inFlight, history, rates, drift] = await Promise.all([currentSplit(deps, migration), deps.store.holderOf(lockOf(migration)), deps.store.history(migration.name, HISTORY_SHOWN), recentRates(deps, migration), driftLine(deps, migration)]);
  const flight = inFlight && !['applied', 'rejected', 'expired', 'aborted', 'failed', 'rolled-back'].includes(inFlight.state) ? `${describeOperation(inFlight)} — ${inFlight.state}` : 'nothing';
  const lines = history.map((op) => `• ${op.requestedAt.slice(0, 16).replace('T', ' ')} ${describeOperation(op)} — ${op.state}${op.decidedBy ? ` (by ${mention(op.decidedBy)})` : ''}${revertedNote(op)}`);
  return {
    text: [`*${migration.name}* — VirtualService \`${vsLabel(migration)}\``, `Cluster: ${migration.context ?? 'current context'}`, split, ...drift, `In flight: ${flight}${inFlightNote(deps, inFlight)}`, ...policyLines(deps, migration), rates, history.length > 0 ? `Recent:\n${lines.join('\n')}` : 'No operations yet.'].join('\n'),
  };
}

/** "⚠️ Drifted since …" while the drift check sees other weights than the last step left. */
async function driftLine(deps: AppDeps, migration: MigrationSettings): Promise<string[]> {
  const drift = await deps.drift?.get(migration.name).catch(() => undefined);
  if (!drift) return [];
  return [`⚠️ Drifted since ${drift.since.slice(0, 19).replace('T', ' ')} UTC${drift.by ? ` (by \`${drift.by}\`)` : ''}: now ${drift.state}, the last step left ${drift.expected}`];
}

/** A step the cluster undid while it baked: its outcome is `reverted`, whoever did it. */
function revertedNote(op: Operation): string {
  const reverted = op.bake?.reverted;
  return reverted ? ` — *reverted* at ${reverted.at.slice(11, 19)} UTC${reverted.by ? ` by \`${reverted.by}\`` : ''} (now ${reverted.now}; not judged)` : '';
}

export async function currentSplit(deps: AppDeps, migration: MigrationSettings): Promise<string> {
  try {
    const vs = await deps.kube(migration).get(VIRTUAL_SERVICES, { namespace: migration.namespace, name: migration.virtualService });
    const routes = httpRoutes(vs).filter((r) => indexesOfHost(r, migration.from).length + indexesOfHost(r, migration.to).length > 0);
    if (routes.length === 0) return `Split: neither ${migration.from} nor ${migration.to} is in an http route.`;
    return routes.map((route, i) => `Split${routes.length > 1 ? ` (route ${i + 1})` : ''}: ${splitText(route, migration)}`).join('\n');
  } catch (error) {
    return kubeProblem(error, migration, 'none');
  }
}

function splitText(route: JsonObject, migration: MigrationSettings): string {
  const destinations = routeDestinations(route);
  const weight = (host: string) => {
    const index = indexesOfHost(route, host)[0];
    return index === undefined ? 0 : effectiveWeight(destinations[index] as JsonObject, destinations.length);
  };
  const from = weight(migration.from);
  const to = weight(migration.to);
  return `${migration.from} ${from} / ${migration.to} ${to}  \`${splitBar(from, to)}\``;
}
