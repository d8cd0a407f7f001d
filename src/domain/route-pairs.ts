import { editError, type EditError } from './edit-error.js';
import { err, ok, type Result } from './result.js';
import {
  allHttpHosts,
  httpRoutes,
  indexesOfHost,
  isJsonObject,
  routeLabel,
  virtualServiceLabel,
  type JsonObject,
  type VirtualServiceLike,
} from './virtual-service.js';

/** One http route that holds the `from` host, and where `to` sits in it if it is there already. */
export interface RoutePair {
  readonly routeIndex: number;
  readonly route: JsonObject;
  readonly fromIndex: number;
  readonly toIndex: number | undefined;
}

/** Indexes below count mappings only, so a list entry that is not one would shift them. */
function malformedEntry(vs: VirtualServiceLike): string | undefined {
  const http = isJsonObject(vs.spec) && Array.isArray(vs.spec.http) ? (vs.spec.http as unknown[]) : [];
  for (const [i, route] of http.entries()) {
    if (!isJsonObject(route)) return `http[${i}]`;
    const destinations = Array.isArray(route.route) ? (route.route as unknown[]) : [];
    const bad = destinations.findIndex((d) => !isJsonObject(d));
    if (bad >= 0) return `http[${i}].route[${bad}]`;
  }
  return undefined;
}

/**
 * The routes an edit between `from` and `to` touches: every `spec.http[]` route with a
 * destination on `from`. Refuses what an edit can't do safely: `from` equal to `to`, a host
 * twice in one route (which one would move?), `from` in no route.
 */
export function findRoutePairs(vs: VirtualServiceLike, from: string, to: string): Result<RoutePair[], EditError> {
  const label = virtualServiceLabel(vs);
  if (from === to) return err(editError('same-host', `from and to are both ${from}: give the ServiceEntry host as from and the GCPBackend host as to.`));
  if (!isJsonObject(vs.spec)) return err(editError('not-a-virtual-service', `${label} has no spec: is it a VirtualService?`));
  const malformed = malformedEntry(vs);
  if (malformed) return err(editError('not-a-virtual-service', `${label} ${malformed} is not a mapping; every http route and route destination must be one.`));
  const pairs: RoutePair[] = [];
  const routes = httpRoutes(vs);
  for (const [routeIndex, route] of routes.entries()) {
    const fromIndexes = indexesOfHost(route, from);
    const toIndexes = indexesOfHost(route, to);
    const twice = fromIndexes.length > 1 ? from : toIndexes.length > 1 ? to : undefined;
    if (twice) {
      return err(editError('ambiguous-host', `${label} ${routeLabel(route, routeIndex)} sends to ${twice} more than once (different subsets or ports?), so it is ambiguous which destination to change. Edit that route by hand, or name hosts that appear once per route.`));
    }
    const fromIndex = fromIndexes[0];
    if (fromIndex !== undefined) pairs.push({ routeIndex, route, fromIndex, toIndex: toIndexes[0] });
  }
  if (pairs.length === 0) {
    const hosts = allHttpHosts(vs);
    const known = hosts.length > 0 ? `its http routes send to: ${hosts.join(', ')}` : 'it has no http routes';
    return err(editError('from-host-not-found', `${from} is not a destination of any http route of ${label} (${known}). Check the from host.`));
  }
  return ok(pairs);
}
