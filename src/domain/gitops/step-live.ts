import type { Changes } from '../operation/operation.js';
import type { MirrorState } from '../route-change.js';
import { mirrorTo } from '../set-mirror.js';
import { hostWeight, httpRoutes, type JsonObject, type VirtualServiceLike } from '../virtual-service.js';

/** How a step's routes stand, in words: `90/10` per route for weights, `mirror 10%` for a mirror. */
export interface StepDifference {
  readonly now: string;
  readonly applied: string;
}

/**
 * Whether the routes a step touched still hold what it applied: the weights of its two hosts, or
 * its mirror. `undefined` when they do; the two states in words when they don't (the
 * VirtualService gone counts as changed). Anything else in the object is not looked at. Pure.
 */
export function stepDifference(vs: VirtualServiceLike | undefined, applied: Changes): StepDifference | undefined {
  const expected = expectedStates(applied);
  if (!vs) return { now: 'the VirtualService is gone', applied: expected.join(', ') };
  const routes = httpRoutes(vs);
  const live = applied.kind === 'weights' ? applied.changes.map((c) => weightsText(routeFor(routes, c), c.from.host, c.to.host)) : applied.changes.map((c) => mirrorText(routeFor(routes, c), c.after?.host ?? c.before?.host ?? ''));
  return live.every((state, i) => state === expected[i]) ? undefined : { now: live.join(', '), applied: expected.join(', ') };
}

function expectedStates(applied: Changes): string[] {
  if (applied.kind === 'weights') return applied.changes.map((c) => `${c.from.after}/${c.to.after}`);
  return applied.changes.map((c) => describeMirror(c.after));
}

/** The route by the step's index, unless its name says it moved; then by name. */
function routeFor(routes: JsonObject[], change: { routeIndex: number; routeName?: string }): JsonObject | undefined {
  const atIndex = routes[change.routeIndex];
  if (change.routeName === undefined || atIndex?.name === change.routeName) return atIndex;
  return routes.find((route) => route.name === change.routeName);
}

function weightsText(route: JsonObject | undefined, from: string, to: string): string {
  return route ? `${hostWeight(route, from)}/${hostWeight(route, to)}` : 'route gone';
}

function mirrorText(route: JsonObject | undefined, host: string): string {
  return route ? describeMirror(mirrorTo(route, host)) : 'route gone';
}

function describeMirror(state: MirrorState | undefined): string {
  return state ? `mirror ${state.percent}% to ${state.host}` : 'no mirror';
}

/** A stable key of how the step's routes stand now, to say a drift once per new state. */
export function liveStateKey(vs: VirtualServiceLike | undefined, applied: Changes): string {
  return stepDifference(vs, applied)?.now ?? expectedStates(applied).join(', ');
}
