import { describe, expect, it } from 'vitest';
import { shiftWeights } from '../../../src/domain/shift-weights.js';
import { FROM, TO, dest, seedVirtualService, withRoutes } from '../../support/virtual-services.js';

const shift = (vs: Parameters<typeof shiftWeights>[0], percent: number, extra = {}) => shiftWeights(vs, { from: FROM, to: TO, percent, ...extra });

function weightsOf(result: ReturnType<typeof shiftWeights>, routeIndex = 0): Record<string, number | undefined> {
  if (!result.ok) throw new Error(result.error.message);
  const route = (result.value.virtualService.spec as { http: { route: { destination: { host: string }; weight?: number }[] }[] }).http[routeIndex];
  return Object.fromEntries((route?.route ?? []).map((d) => [d.destination.host, d.weight]));
}

describe('shiftWeights', () => {
  it('moves the seed example from 90/10 to 75/25', () => {
    expect(weightsOf(shift(seedVirtualService(), 25))).toEqual({ [FROM]: 75, [TO]: 25 });
  });

  it('reports the change per route with before and after weights', () => {
    const result = shift(seedVirtualService(), 25);
    expect(result.ok && result.value.changes).toEqual([{ routeIndex: 0, from: { host: FROM, before: 90, after: 75 }, to: { host: TO, before: 10, after: 25 } }]);
  });

  it('leaves other destinations of a touched route at their weights and splits only the pair', () => {
    const vs = withRoutes([{ route: [dest('canary.local', 40), dest(FROM, 50), dest(TO, 10)] }]);
    expect(weightsOf(shift(vs, 50))).toEqual({ 'canary.local': 40, [FROM]: 30, [TO]: 30 });
  });

  it('rounds the to share and gives the rest to from, keeping the pair total', () => {
    const vs = withRoutes([{ route: [dest('other', 67), dest(FROM, 33)] }]);
    const weights = weightsOf(shift(vs, 50));
    expect(weights[TO]).toBe(Math.round(33 / 2));
    expect((weights[FROM] ?? 0) + (weights[TO] ?? 0)).toBe(33);
  });

  it('adds to right after from when a route lacks it, with no subset and no port', () => {
    const vs = withRoutes([{ route: [dest('a', 50), dest(FROM, 50, { subset: 'v1' }), dest('b', 0)] }]);
    const result = shift(vs, 20);
    expect(result.ok).toBe(true);
    const route = (result.ok ? result.value.virtualService.spec : {}) as { http: { route: unknown[] }[] };
    expect(route.http[0]?.route).toEqual([dest('a', 50), dest(FROM, 40, { subset: 'v1' }), dest(TO, 10), dest('b', 0)]);
  });

  it('adds the configured port to a new to destination', () => {
    const result = shift(withRoutes([{ route: [dest(FROM)] }]), 10, { toPort: 443 });
    const route = (result.ok ? result.value.virtualService.spec : {}) as { http: { route: unknown[] }[] };
    expect(route.http[0]?.route).toEqual([dest(FROM, 90), { destination: { host: TO, port: { number: 443 } }, weight: 10 }]);
  });

  it('counts a missing weight as 100 when from is the only destination', () => {
    expect(weightsOf(shift(withRoutes([{ route: [dest(FROM)] }]), 25))).toEqual({ [FROM]: 75, [TO]: 25 });
  });

  it('counts a missing weight as 0 when the route has other destinations', () => {
    const vs = withRoutes([{ route: [dest('a', 100), dest(FROM), dest(TO, 0)] }]);
    const result = shift(vs, 50);
    expect(!result.ok && result.error.code).toBe('pair-weight-zero');
  });

  it('does not add a to destination at 0%', () => {
    const vs = withRoutes([{ route: [dest(FROM)] }]);
    const result = shift(vs, 0);
    expect(result.ok && result.value.changes).toEqual([]);
    expect(result.ok && result.value.virtualService).toBe(vs);
  });

  it('touches every route holding from and leaves other routes, tcp and tls untouched', () => {
    const untouched = { name: 'static', match: [{ uri: { prefix: '/static' } }], route: [dest('cdn.local')] };
    const tcp = [{ route: [dest(FROM, 100)] }];
    const tls = [{ match: [{ sniHosts: [FROM] }], route: [dest(FROM)] }];
    const vs = withRoutes([{ name: 'api', route: [dest(FROM, 100)] }, untouched, { route: [dest(FROM, 60), dest(TO, 40)] }], { tcp, tls });
    const result = shift(vs, 50);
    expect(weightsOf(result, 0)).toEqual({ [FROM]: 50, [TO]: 50 });
    expect(weightsOf(result, 2)).toEqual({ [FROM]: 50, [TO]: 50 });
    const spec = (result.ok ? result.value.virtualService.spec : {}) as Record<string, unknown[]>;
    expect(spec.http?.[1]).toEqual(untouched);
    expect(spec.tcp).toEqual(tcp);
    expect(spec.tls).toEqual(tls);
    expect(result.ok && result.value.changes.map((c) => [c.routeIndex, c.routeName])).toEqual([[0, 'api'], [2, undefined]]);
  });

  it('keeps match, retries, timeout, headers, fault, mirror, unknown fields and key order', () => {
    const route = {
      name: 'primary',
      match: [{ headers: { 'x-canary': { exact: 'yes' } } }],
      retries: { attempts: 3, perTryTimeout: '2s' },
      timeout: '10s',
      headers: { request: { set: { 'x-via': 'mesh' } } },
      fault: { delay: { percentage: { value: 0.1 }, fixedDelay: '5s' } },
      mirror: { host: 'shadow.local' },
      route: [dest(FROM, 90, { port: { number: 80 } }), { ...dest(TO, 10), headers: { response: { remove: ['x-a'] } } }],
      futureIstioField: { keep: true },
    };
    const result = shift(withRoutes([route]), 25);
    const after = ((result.ok ? result.value.virtualService.spec : {}) as { http: Record<string, unknown>[] }).http[0] as Record<string, unknown>;
    expect(Object.keys(after)).toEqual(Object.keys(route));
    expect({ ...after, route: undefined }).toEqual({ ...route, route: undefined });
    expect(after.route).toEqual([dest(FROM, 75, { port: { number: 80 } }), { ...dest(TO, 25), headers: { response: { remove: ['x-a'] } } }]);
  });

  it('does not modify its input', () => {
    const vs = seedVirtualService();
    const copy = structuredClone(vs);
    shift(vs, 50);
    expect(vs).toEqual(copy);
  });

  it('is idempotent and returns no changes the second time', () => {
    const once = shift(seedVirtualService(), 40);
    const twice = once.ok ? shift(once.value.virtualService, 40) : once;
    expect(twice.ok && twice.value.changes).toEqual([]);
    expect(twice.ok && twice.value.virtualService).toEqual(once.ok && once.value.virtualService);
  });

  it('restores the old weights when shifted back to the old share', () => {
    const there = shift(seedVirtualService(), 75);
    const back = there.ok ? shift(there.value.virtualService, 10) : there;
    expect(back.ok && back.value.virtualService).toEqual(seedVirtualService());
  });

  it.each([
    [101, 'invalid-percent', /101% is not a percentage between 0 and 100/],
    [-5, 'invalid-percent', /-5% is not a percentage between 0 and 100/],
    [12.5, 'invalid-percent', /12.5% is not a whole percentage/],
  ])('refuses percent %s', (percent, code, message) => {
    const result = shift(seedVirtualService(), percent);
    expect(!result.ok && result.error.code).toBe(code);
    expect(!result.ok && result.error.message).toMatch(message);
  });

  it('refuses from equal to to', () => {
    const result = shiftWeights(seedVirtualService(), { from: FROM, to: FROM, percent: 10 });
    expect(!result.ok && result.error).toMatchObject({ code: 'same-host', message: expect.stringContaining(`both ${FROM}`) });
  });

  it('refuses a from host that is in no http route, naming the hosts it does route to', () => {
    const result = shiftWeights(seedVirtualService(), { from: 'typo.example.com', to: TO, percent: 10 });
    expect(!result.ok && result.error.code).toBe('from-host-not-found');
    expect(!result.ok && result.error.message).toContain(`typo.example.com is not a destination of any http route of payments/cr-gcpbackend-migration (its http routes send to: ${TO}, ${FROM})`);
  });

  it('refuses a host that appears twice in one route', () => {
    const vs = withRoutes([{ name: 'split', route: [dest(FROM, 50, { subset: 'v1' }), dest(FROM, 50, { subset: 'v2' })] }]);
    const result = shift(vs, 10);
    expect(!result.ok && result.error.code).toBe('ambiguous-host');
    expect(!result.ok && result.error.message).toContain('http[0] "split" sends to cr-service-entry.com more than once');
  });

  it('refuses when the pair has weight 0 in every route', () => {
    const vs = withRoutes([{ route: [dest('a', 100), dest(FROM, 0)] }]);
    const result = shift(vs, 10);
    expect(!result.ok && result.error.code).toBe('pair-weight-zero');
  });

  it('skips routes where the pair has weight 0 when another route has traffic', () => {
    const zero = { route: [dest('a', 100), dest(FROM, 0)] };
    const result = shift(withRoutes([zero, { route: [dest(FROM, 100)] }]), 10);
    expect(result.ok && result.value.changes.map((c) => c.routeIndex)).toEqual([1]);
  });

  it('refuses an object without spec', () => {
    const result = shift({ kind: 'VirtualService' }, 10);
    expect(!result.ok && result.error.code).toBe('not-a-virtual-service');
  });
});
