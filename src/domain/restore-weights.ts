import { editError, type EditError } from './edit-error.js';
import type { WeightChange } from './route-change.js';
import { err, ok, type Result } from './result.js';
import type { Edited } from './shift-weights.js';
import { hostWeight, httpRoutes, indexesOfHost, virtualServiceLabel, type JsonObject, type VirtualServiceLike } from './virtual-service.js';

/**
 * Undoes a step: puts the weights of the routes the step touched back to what they were
 * before it, and removes a `to` destination the step added. Everything else — other routes,
 * other destinations, fields edited by hand since — stays as it is now. If someone changed the
 * pair's combined weight since, the old split is applied to the new combined weight.
 */
export function restoreWeights(vs: VirtualServiceLike, applied: readonly WeightChange[]): Result<Edited<WeightChange>, EditError> {
  const edited = structuredClone(vs);
  const routes = httpRoutes(edited);
  const changes: WeightChange[] = [];
  for (const step of applied) {
    const routeIndex = locateRoute(routes, step);
    if (routeIndex === undefined) {
      return err(editError('route-moved', `${virtualServiceLabel(vs)} no longer has the route ${step.routeName ?? `http[${step.routeIndex}]`} with ${step.from.host}; it was changed by hand since the step. Restore the weights by hand.`));
    }
    const change = restoreRoute(routes[routeIndex] as JsonObject, routeIndex, step);
    if (change) changes.push(change);
  }
  return ok({ virtualService: changes.length > 0 ? edited : vs, changes });
}

function locateRoute(routes: JsonObject[], step: WeightChange): number | undefined {
  const holdsFrom = (i: number) => routes[i] !== undefined && indexesOfHost(routes[i] as JsonObject, step.from.host).length === 1;
  if (holdsFrom(step.routeIndex) && (step.routeName === undefined || routes[step.routeIndex]?.name === step.routeName)) return step.routeIndex;
  const byName = step.routeName === undefined ? -1 : routes.findIndex((r) => r.name === step.routeName);
  return byName >= 0 && holdsFrom(byName) ? byName : undefined;
}

function restoreRoute(route: JsonObject, routeIndex: number, step: WeightChange): WeightChange | undefined {
  const destinations = route.route as JsonObject[];
  const fromIndex = indexesOfHost(route, step.from.host)[0] as number;
  const toIndex = indexesOfHost(route, step.to.host)[0];
  const fromNow = hostWeight(route, step.from.host);
  const toNow = hostWeight(route, step.to.host);
  const totalNow = fromNow + toNow;
  const totalBefore = step.from.before + (step.to.before ?? 0);
  const toTarget = totalNow === totalBefore ? (step.to.before ?? 0) : Math.round((totalNow * (step.to.before ?? 0)) / Math.max(totalBefore, 1));
  const fromTarget = totalNow - toTarget;
  const removeTo = step.to.before === undefined && toIndex !== undefined;
  if (fromNow === fromTarget && toNow === toTarget && !removeTo) return undefined;
  (destinations[fromIndex] as JsonObject).weight = fromTarget;
  if (removeTo) destinations.splice(toIndex, 1);
  else if (toIndex !== undefined) (destinations[toIndex] as JsonObject).weight = toTarget;
  return {
    routeIndex,
    ...(typeof route.name === 'string' ? { routeName: route.name } : {}),
    from: { host: step.from.host, before: fromNow, after: fromTarget },
    to: { host: step.to.host, before: toIndex === undefined ? undefined : toNow, after: removeTo ? 0 : toTarget },
  };
}
