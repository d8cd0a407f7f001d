import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { liveStateKey, stepDifference } from '../../../../src/domain/gitops/step-live.js';
import type { Changes } from '../../../../src/domain/operation/operation.js';
import { setMirror } from '../../../../src/domain/set-mirror.js';
import { shiftWeights } from '../../../../src/domain/shift-weights.js';
import type { JsonObject, VirtualServiceLike } from '../../../../src/domain/virtual-service.js';
import { dest, FROM, seedVirtualService, TO, withRoutes } from '../../../support/virtual-services.js';

function shifted(vs: VirtualServiceLike, percent: number): { vs: VirtualServiceLike; applied: Changes } {
  const result = shiftWeights(vs, { from: FROM, to: TO, percent });
  if (!result.ok) throw new Error(result.error.message);
  return { vs: result.value.virtualService, applied: { kind: 'weights', changes: result.value.changes } };
}

function mirrored(vs: VirtualServiceLike, percent: number | 'off', field: 'mirror' | 'mirrors' = 'mirror'): { vs: VirtualServiceLike; applied: Changes } {
  const result = setMirror(vs, { from: FROM, to: TO, percent, field });
  if (!result.ok) throw new Error(result.error.message);
  return { vs: result.value.virtualService, applied: { kind: 'mirror', changes: result.value.changes } };
}

const routesOf = (vs: VirtualServiceLike) => (vs.spec as { http: JsonObject[] }).http;

function withHttp(vs: VirtualServiceLike, http: unknown[]): VirtualServiceLike {
  return { ...vs, spec: { ...(vs.spec as object), http } };
}

const NAMED = withRoutes([
  { name: 'api', route: [dest(FROM, 90), dest(TO, 10)] },
  { name: 'web', route: [dest(FROM, 80), dest(TO, 20)] },
]);

describe('stepDifference for weights', () => {
  it('is undefined while the routes hold what the step applied', () => {
    const step = shifted(seedVirtualService(), 25);
    expect(stepDifference(step.vs, step.applied)).toBeUndefined();
  });

  it('gives both states in words when the weights were put back', () => {
    const step = shifted(seedVirtualService(90, 10), 25);
    expect(stepDifference(seedVirtualService(90, 10), step.applied)).toEqual({ now: '90/10', applied: '75/25' });
  });

  it('looks at nothing but the weights of the two hosts', () => {
    const step = shifted(seedVirtualService(), 25);
    const route = routesOf(step.vs)[0] as JsonObject;
    const edited = withHttp({ ...step.vs, metadata: { name: 'cr-gcpbackend-migration', namespace: 'payments', labels: { synced: 'yes' } } }, [{ ...route, timeout: '5s' }]);
    expect(stepDifference(edited, step.applied)).toBeUndefined();
  });

  it('follows a route that moved, by its name', () => {
    const step = shifted(NAMED, 50);
    const [api, web] = routesOf(step.vs);
    expect(stepDifference(withHttp(step.vs, [web, api]), step.applied)).toBeUndefined();
    const [apiBefore] = routesOf(NAMED);
    expect(stepDifference(withHttp(step.vs, [web, apiBefore]), step.applied)).toEqual({ now: '90/10, 50/50', applied: '50/50, 50/50' });
  });

  it('says so when a route it touched is gone', () => {
    const step = shifted(NAMED, 50);
    const [, web] = routesOf(step.vs);
    expect(stepDifference(withHttp(step.vs, [web]), step.applied)).toEqual({ now: 'route gone, 50/50', applied: '50/50, 50/50' });
  });

  it('says so when the VirtualService is gone', () => {
    const step = shifted(seedVirtualService(), 25);
    expect(stepDifference(undefined, step.applied)).toEqual({ now: 'the VirtualService is gone', applied: '75/25' });
  });
});

describe('stepDifference for mirror steps', () => {
  it('is undefined while the mirror is as applied, and says what changed otherwise', () => {
    const step = mirrored(seedVirtualService(), 10);
    expect(stepDifference(step.vs, step.applied)).toBeUndefined();
    expect(stepDifference(seedVirtualService(), step.applied)).toEqual({ now: 'no mirror', applied: 'mirror 10% to cr-gcpbackend.com' });
    expect(stepDifference(mirrored(step.vs, 5).vs, step.applied)).toEqual({ now: 'mirror 5% to cr-gcpbackend.com', applied: 'mirror 10% to cr-gcpbackend.com' });
  });

  it('sees a removed mirror put back', () => {
    const on = mirrored(seedVirtualService(), 10, 'mirrors');
    const off = mirrored(on.vs, 'off');
    expect(stepDifference(off.vs, off.applied)).toBeUndefined();
    expect(stepDifference(on.vs, off.applied)).toEqual({ now: 'mirror 10% to cr-gcpbackend.com', applied: 'no mirror' });
  });
});

describe('liveStateKey', () => {
  it('is the live state when it differs and the applied one when it does not', () => {
    const step = shifted(seedVirtualService(90, 10), 25);
    expect(liveStateKey(step.vs, step.applied)).toBe('75/25');
    expect(liveStateKey(seedVirtualService(90, 10), step.applied)).toBe('90/10');
    expect(liveStateKey(undefined, step.applied)).toBe('the VirtualService is gone');
  });
});

describe('stepDifference properties', () => {
  const HOSTS = [FROM, TO, 'legacy.example.com'];

  /** Whole weights summing to 100, one per destination. */
  const weightsFor = (count: number) =>
    fc.array(fc.integer({ min: 0, max: 100 }), { minLength: count - 1, maxLength: count - 1 }).map((cuts) => {
      const sorted = [0, ...cuts.sort((a, b) => a - b), 100];
      return sorted.slice(1).map((cut, i) => cut - (sorted[i] as number));
    });

  const routeArb = fc
    .shuffledSubarray(HOSTS, { minLength: 1 })
    .chain((hosts) => weightsFor(hosts.length).map((weights) => ({ route: hosts.map((host, i) => dest(host, weights[i])) })));

  /** Routes named r0, r1, … so a reordered list can be followed by name. */
  const vsArb = fc.array(routeArb, { minLength: 1, maxLength: 4 }).map((http) => withRoutes(http.map((route, i) => ({ name: `r${i}`, ...route }))));
  const percentArb = fc.integer({ min: 0, max: 100 });

  function shiftedOrNothing(vs: VirtualServiceLike, percent: number) {
    const result = shiftWeights(vs, { from: FROM, to: TO, percent });
    if (!result.ok || result.value.changes.length === 0) return undefined;
    return { vs: result.value.virtualService, applied: { kind: 'weights', changes: result.value.changes } as const };
  }

  it('finds no difference on the VirtualService a shift produced', () => {
    fc.assert(
      fc.property(vsArb, percentArb, (vs, percent) => {
        const step = shiftedOrNothing(vs, percent);
        fc.pre(step !== undefined);
        if (step) expect(stepDifference(step.vs, step.applied)).toBeUndefined();
      }),
    );
  });

  it('finds the difference on the VirtualService before the shift, in the words of the applied weights', () => {
    fc.assert(
      fc.property(vsArb, percentArb, (vs, percent) => {
        const step = shiftedOrNothing(vs, percent);
        fc.pre(step !== undefined);
        if (!step) return;
        const applied = step.applied.changes.map((c) => `${c.from.after}/${c.to.after}`).join(', ');
        const difference = stepDifference(vs, step.applied);
        expect(difference).toEqual({ now: expect.any(String), applied });
        expect(difference?.now).not.toBe(applied);
      }),
    );
  });

  it('finds no difference after the routes were reordered', () => {
    fc.assert(
      fc.property(vsArb, percentArb, (vs, percent) => {
        const step = shiftedOrNothing(vs, percent);
        fc.pre(step !== undefined);
        if (step) expect(stepDifference(withHttp(step.vs, [...routesOf(step.vs)].reverse()), step.applied)).toBeUndefined();
      }),
    );
  });

  it('finds no difference on the VirtualService a mirror step produced', () => {
    fc.assert(
      fc.property(vsArb, percentArb, fc.constantFrom('mirror' as const, 'mirrors' as const), (vs, percent, field) => {
        const result = setMirror(vs, { from: FROM, to: TO, percent, field });
        fc.pre(result.ok && result.value.changes.length > 0);
        if (!result.ok) return;
        expect(stepDifference(result.value.virtualService, { kind: 'mirror', changes: result.value.changes })).toBeUndefined();
      }),
    );
  });
});
