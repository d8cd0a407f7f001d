import { splitBar } from '../domain/describe-changes.js';
import { describeOperation, mention } from '../domain/operation/operation.js';
import { effectiveWeight, httpRoutes, indexesOfHost, routeDestinations, type JsonObject } from '../domain/virtual-service.js';
import { VIRTUAL_SERVICES } from '../kube/custom-objects.js';
import { lockOf, vsLabel, type AppDeps, type MigrationSettings, type Reply } from './deps.js';
import { kubeProblem } from './request-change.js';
import { recentRates } from './recent-rates.js';

const HISTORY_SHOWN = 5;

/** `/mesh status`: the split as the cluster has it now, what is in flight, and the last steps. */
export async function showStatus(deps: AppDeps, migration: MigrationSettings): Promise<Reply> {
  const [split, inFlight, history, rates] = await Promise.all([currentSplit(deps, migration), deps.store.holderOf(lockOf(migration)), deps.store.history(migration.name, HISTORY_SHOWN), recentRates(deps, migration)]);
  const flight = inFlight && !['applied', 'rejected', 'expired', 'aborted', 'failed', 'rolled-back'].includes(inFlight.state) ? `${describeOperation(inFlight)} — ${inFlight.state}` : 'nothing';
  const lines = history.map((op) => `• ${op.requestedAt.slice(0, 16).replace('T', ' ')} ${describeOperation(op)} — ${op.state}${op.decidedBy ? ` (by ${mention(op.decidedBy)})` : ''}`);
  return {
    text: [`*${migration.name}* — VirtualService \`${vsLabel(migration)}\``, `Cluster: ${migration.context ?? 'current context'}`, split, `In flight: ${flight}`, rates, history.length > 0 ? `Recent:\n${lines.join('\n')}` : 'No operations yet.'].join('\n'),
  };
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
