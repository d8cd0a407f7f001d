import { editError, type EditError } from './edit-error.js';
import { checkPercent } from './percent.js';
import type { WeightChange } from './route-change.js';
import { findRoutePairs, type RoutePair } from './route-pairs.js';
import { err, ok, type Result } from './result.js';
import { effectiveWeight, routeDestinations, virtualServiceLabel, type JsonObject, type VirtualServiceLike } from './virtual-service.js';

export interface ShiftRequest {
  readonly from: string;
  readonly to: string;
  /** Share of the pair's traffic for `to`, a whole number 0–100. */
  readonly percent: number;
  /** Port for a `to` destination that has to be added; none when unset. */
  readonly toPort?: number;
}

export interface Edited<C> {
  readonly virtualService: VirtualServiceLike;
  readonly changes: readonly C[];
}

/**
 * Splits the traffic of each route holding `from` between `from` and `to`: the pair keeps its
 * combined weight W, `to` gets round(W·percent/100) and `from` the rest; other destinations and
 * every other field stay as they are. Idempotent and reversible.
 *
 * Example: 90/10 shifted to 25 → `{from: 75, to: 25}`.
 */
export function shiftWeights(vs: VirtualServiceLike, request: ShiftRequest): Result<Edited<WeightChange>, EditError> {
  const percent = checkPercent(request.percent);
  if (!percent.ok) return err(editError('invalid-percent', percent.error));
  const pairs = findRoutePairs(vs, request.from, request.to);
  if (!pairs.ok) return pairs;
  const splittable = pairs.value.filter((pair) => pairWeight(pair) > 0);
  if (splittable.length === 0) {
    return err(editError('pair-weight-zero', `${request.from} and ${request.to} have weight 0 in every route of ${virtualServiceLabel(vs)}, so there is no traffic to split. Give the pair some weight first.`));
  }
  const edited = structuredClone(vs);
  const editedRoutes = (edited.spec as { http: JsonObject[] }).http;
  const changes: WeightChange[] = [];
  for (const pair of splittable) {
    const change = planSplit(pair, request);
    if (isNoop(change)) continue;
    applySplit(editedRoutes[pair.routeIndex] as JsonObject, pair, change, request);
    changes.push(change);
  }
  return ok({ virtualService: changes.length > 0 ? edited : vs, changes });
}

function pairWeight(pair: RoutePair): number {
  const destinations = routeDestinations(pair.route);
  const weightOf = (index: number | undefined) => (index === undefined ? 0 : effectiveWeight(destinations[index] as JsonObject, destinations.length));
  return weightOf(pair.fromIndex) + weightOf(pair.toIndex);
}

function planSplit(pair: RoutePair, request: ShiftRequest): WeightChange {
  const destinations = routeDestinations(pair.route);
  const count = destinations.length;
  const total = pairWeight(pair);
  const toAfter = Math.round((total * request.percent) / 100);
  const routeName = typeof pair.route.name === 'string' ? pair.route.name : undefined;
  return {
    routeIndex: pair.routeIndex,
    ...(routeName === undefined ? {} : { routeName }),
    from: { host: request.from, before: effectiveWeight(destinations[pair.fromIndex] as JsonObject, count), after: total - toAfter },
    to: {
      host: request.to,
      before: pair.toIndex === undefined ? undefined : effectiveWeight(destinations[pair.toIndex] as JsonObject, count),
      after: toAfter,
    },
  };
}

/** Nothing to write: the weights are already right, or `to` is absent and would get 0. */
function isNoop(change: WeightChange): boolean {
  const toUnchanged = change.to.before === undefined ? change.to.after === 0 : change.to.before === change.to.after;
  return toUnchanged && change.from.before === change.from.after;
}

function applySplit(route: JsonObject, pair: RoutePair, change: WeightChange, request: ShiftRequest): void {
  const destinations = route.route as JsonObject[];
  (destinations[pair.fromIndex] as JsonObject).weight = change.from.after;
  if (pair.toIndex !== undefined) {
    (destinations[pair.toIndex] as JsonObject).weight = change.to.after;
    return;
  }
  const destination: JsonObject = { host: request.to };
  if (request.toPort !== undefined) destination.port = { number: request.toPort };
  destinations.splice(pair.fromIndex + 1, 0, { destination, weight: change.to.after });
}
