import { editError, type EditError } from './edit-error.js';
import { checkPercent } from './percent.js';
import type { MirrorChange, MirrorField, MirrorState } from './route-change.js';
import { findRoutePairs } from './route-pairs.js';
import { err, ok, type Result } from './result.js';
import type { Edited } from './shift-weights.js';
import { isJsonObject, routeLabel, virtualServiceLabel, type JsonObject, type VirtualServiceLike } from './virtual-service.js';

export interface MirrorRequest {
  readonly from: string;
  readonly to: string;
  /** Share of requests copied to `to`, 0–100, or 'off' to remove our mirror. */
  readonly percent: number | 'off';
  /** `mirror` + `mirrorPercentage` (default), or an entry in the newer `mirrors[]` list. */
  readonly field?: MirrorField;
  readonly toPort?: number;
}

/**
 * Mirrors (copies) a share of the traffic of every route holding `from` to `to`, before any
 * traffic is shifted. Never writes both `mirror` and `mirrors` on one route, never replaces a
 * mirror to another host, and `off` removes only the mirror to `to`.
 *
 * Example: mirror(vs, {from, to, percent: 10}) → route gets `mirror: {host: to}, mirrorPercentage: {value: 10}`.
 */
export function setMirror(vs: VirtualServiceLike, request: MirrorRequest): Result<Edited<MirrorChange>, EditError> {
  if (request.percent !== 'off') {
    const percent = checkPercent(request.percent);
    if (!percent.ok) return err(editError('invalid-percent', percent.error));
  }
  const pairs = findRoutePairs(vs, request.from, request.to);
  if (!pairs.ok) return pairs;
  const edited = structuredClone(vs);
  const editedRoutes = (edited.spec as { http: JsonObject[] }).http;
  const changes: MirrorChange[] = [];
  for (const { routeIndex } of pairs.value) {
    const route = editedRoutes[routeIndex] as JsonObject;
    const where = `${virtualServiceLabel(vs)} ${routeLabel(route, routeIndex)}`;
    const change = request.percent === 'off' ? removeOurMirror(route, request.to) : putMirror(route, request, request.percent, where);
    if (!change.ok) return change;
    if (change.value === undefined) continue;
    const routeName = typeof route.name === 'string' ? route.name : undefined;
    changes.push({ routeIndex, ...(routeName === undefined ? {} : { routeName }), ...change.value });
  }
  return ok({ virtualService: changes.length > 0 ? edited : vs, changes });
}

type StateChange = { before: MirrorState | undefined; after: MirrorState | undefined };

/** The route's current mirror to `host`, in whichever field it is written. */
export function mirrorTo(route: JsonObject, host: string): MirrorState | undefined {
  if (isJsonObject(route.mirror) && route.mirror.host === host) {
    return { host, percent: percentValue(route.mirrorPercentage), field: 'mirror' };
  }
  const entry = mirrorsEntries(route).find((m) => destinationHostOf(m) === host);
  return entry ? { host, percent: percentValue(entry.percentage), field: 'mirrors' } : undefined;
}

function putMirror(route: JsonObject, request: MirrorRequest, percent: number, where: string): Result<StateChange | undefined, EditError> {
  const field = request.field ?? 'mirror';
  const before = mirrorTo(route, request.to);
  const conflict = mirrorConflict(route, request.to, field, where);
  if (conflict) return err(conflict);
  if (before?.field === field && before.percent === percent) return ok(undefined);
  const destination: JsonObject = { host: request.to };
  if (request.toPort !== undefined) destination.port = { number: request.toPort };
  if (field === 'mirror') {
    route.mirror = isJsonObject(route.mirror) ? { ...route.mirror } : destination;
    route.mirrorPercentage = { ...(isJsonObject(route.mirrorPercentage) ? route.mirrorPercentage : {}), value: percent };
  } else {
    const entries = mirrorsEntries(route);
    const existing = entries.find((m) => destinationHostOf(m) === request.to);
    if (existing) existing.percentage = { ...(isJsonObject(existing.percentage) ? existing.percentage : {}), value: percent };
    else route.mirrors = [...(Array.isArray(route.mirrors) ? route.mirrors : []), { destination, percentage: { value: percent } }];
  }
  return ok({ before, after: { host: request.to, percent, field } });
}

function mirrorConflict(route: JsonObject, to: string, field: MirrorField, where: string): EditError | undefined {
  const single = isJsonObject(route.mirror) ? route.mirror : undefined;
  if (single && single.host !== to) {
    return editError('mirror-conflict', `${where} already mirrors to ${String(single.host)}; meshbot will not replace someone else's mirror. Remove that mirror first if ${to} should take its place.`);
  }
  const hasList = mirrorsEntries(route).length > 0;
  if (field === 'mirror' && hasList) {
    return editError('mirror-field-conflict', `${where} uses the mirrors[] list; Istio does not allow mirror and mirrors on one route. Use --field mirrors (or field: mirrors in the migration).`);
  }
  if (field === 'mirrors' && single) {
    return editError('mirror-field-conflict', `${where} uses the single mirror field; Istio does not allow mirror and mirrors on one route. Use --field mirror (the default).`);
  }
  return undefined;
}

function removeOurMirror(route: JsonObject, to: string): Result<StateChange | undefined, EditError> {
  const before = removeMirrorTo(route, to);
  return ok(before ? { before, after: undefined } : undefined);
}

/** Removes the route's mirror to `to` (in whichever field) and returns what it was; leaves other mirrors. */
export function removeMirrorTo(route: JsonObject, to: string): MirrorState | undefined {
  const before = mirrorTo(route, to);
  if (!before) return undefined;
  if (before.field === 'mirror') {
    delete route.mirror;
    delete route.mirrorPercentage;
  } else {
    const kept = mirrorsEntries(route).filter((m) => destinationHostOf(m) !== to);
    if (kept.length > 0) route.mirrors = kept;
    else delete route.mirrors;
  }
  return before;
}

function mirrorsEntries(route: JsonObject): JsonObject[] {
  return Array.isArray(route.mirrors) ? route.mirrors.filter(isJsonObject) : [];
}

function destinationHostOf(entry: JsonObject): unknown {
  return isJsonObject(entry.destination) ? entry.destination.host : undefined;
}

/** Istio: an absent mirrorPercentage means 100%. */
function percentValue(percentage: unknown): number {
  return isJsonObject(percentage) && typeof percentage.value === 'number' ? percentage.value : 100;
}
