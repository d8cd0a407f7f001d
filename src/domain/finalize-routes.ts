import { editError, type EditError } from './edit-error.js';
import type { WeightChange } from './route-change.js';
import { findRoutePairs } from './route-pairs.js';
import { err, ok, type Result } from './result.js';
import { removeMirrorTo } from './set-mirror.js';
import type { Edited } from './shift-weights.js';
import { effectiveWeight, routeDestinations, routeLabel, virtualServiceLabel, type JsonObject, type VirtualServiceLike } from './virtual-service.js';

/**
 * The end of a migration: in every route holding `from`, drop the `from` destination (it must
 * carry no traffic any more) and our mirror to `to`. Refuses while `from` still gets traffic.
 */
export function finalizeRoutes(vs: VirtualServiceLike, hosts: { from: string; to: string }): Result<Edited<WeightChange>, EditError> {
  const pairs = findRoutePairs(vs, hosts.from, hosts.to);
  if (!pairs.ok) return pairs;
  const edited = structuredClone(vs);
  const routes = (edited.spec as { http: JsonObject[] }).http;
  const changes: WeightChange[] = [];
  for (const pair of [...pairs.value].reverse()) {
    const route = routes[pair.routeIndex] as JsonObject;
    const destinations = routeDestinations(route);
    const fromWeight = effectiveWeight(destinations[pair.fromIndex] as JsonObject, destinations.length);
    if (fromWeight > 0 || pair.toIndex === undefined) {
      return err(editError('not-finished', `${virtualServiceLabel(vs)} ${routeLabel(route, pair.routeIndex)} still sends weight ${fromWeight} to ${hosts.from}${pair.toIndex === undefined ? ` and has no ${hosts.to} destination` : ''}; finalize only after shifting 100% to ${hosts.to}.`));
    }
    const toWeight = effectiveWeight(destinations[pair.toIndex] as JsonObject, destinations.length);
    (route.route as JsonObject[]).splice(pair.fromIndex, 1);
    removeMirrorTo(route, hosts.to);
    changes.unshift({ routeIndex: pair.routeIndex, ...(typeof route.name === 'string' ? { routeName: route.name } : {}), from: { host: hosts.from, before: 0, after: 0 }, to: { host: hosts.to, before: toWeight, after: toWeight } });
  }
  return ok({ virtualService: edited, changes });
}
