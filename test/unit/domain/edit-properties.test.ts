import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setMirror } from '../../../src/domain/set-mirror.js';
import { shiftWeights } from '../../../src/domain/shift-weights.js';
import { effectiveWeight, routeDestinations, destinationHost, type JsonObject, type VirtualServiceLike } from '../../../src/domain/virtual-service.js';
import { FROM, TO } from '../../support/virtual-services.js';

const HOSTS = [FROM, TO, 'reviews.default.svc.cluster.local', 'legacy.example.com'];
const KNOWN_ERRORS = ['from-host-not-found', 'pair-weight-zero', 'mirror-conflict', 'mirror-field-conflict'];

/** Integer weights that sum to `total`, one per destination. */
const partition = (count: number, total: number) =>
  fc.array(fc.integer({ min: 0, max: total }), { minLength: count - 1, maxLength: count - 1 }).map((cuts) => {
    const sorted = [0, ...cuts.sort((a, b) => a - b), total];
    return sorted.slice(1).map((cut, i) => cut - (sorted[i] as number));
  });

const destinationArb = (host: string) =>
  fc.record({ subset: fc.option(fc.constantFrom('v1', 'v2'), { nil: undefined }), port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }) }).map(({ subset, port }) => ({
    host,
    ...(subset ? { subset } : {}),
    ...(port ? { port: { number: port } } : {}),
  }));

const routeArb = fc
  .subarray(HOSTS, { minLength: 1 })
  .chain((hosts) => fc.shuffledSubarray(hosts, { minLength: hosts.length, maxLength: hosts.length }))
  .chain((hosts) =>
    fc.record({
      destinations: fc.tuple(...hosts.map(destinationArb)),
      weights: hosts.length === 1 ? fc.constantFrom([undefined], [100]) : partition(hosts.length, 100),
      name: fc.option(fc.constantFrom('primary', 'api', 'fallback'), { nil: undefined }),
      extra: fc.record({ timeout: fc.constantFrom('5s', '10s'), retries: fc.record({ attempts: fc.nat(5) }), futureField: fc.jsonValue() }, { requiredKeys: [] }),
    }),
  )
  .map(({ destinations, weights, name, extra }) => ({
    ...(name ? { name } : {}),
    match: [{ uri: { prefix: '/' } }],
    route: destinations.map((destination, i) => (weights[i] === undefined ? { destination } : { destination, weight: weights[i] })),
    ...extra,
  }));

const vsArb: fc.Arbitrary<VirtualServiceLike> = fc
  .record({ http: fc.array(routeArb, { minLength: 1, maxLength: 4 }), withTcp: fc.boolean() })
  .map(({ http, withTcp }) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'vs', namespace: 'ns', labels: { team: 'payments' } },
    spec: { hosts: [FROM], gateways: ['mesh'], http, ...(withTcp ? { tcp: [{ route: [{ destination: { host: FROM }, weight: 100 }] }] } : {}) },
  }));

const percentArb = fc.integer({ min: 0, max: 100 });
const http = (vs: VirtualServiceLike) => (vs.spec as { http: JsonObject[] }).http;
const holdsFrom = (route: JsonObject) => routeDestinations(route).some((d) => destinationHost(d) === FROM);
const weightsByHost = (route: JsonObject) => {
  const destinations = routeDestinations(route);
  return Object.fromEntries(destinations.map((d) => [destinationHost(d), effectiveWeight(d, destinations.length)]));
};
const total = (route: JsonObject) => Object.values(weightsByHost(route)).reduce((a: number, b) => a + (b as number), 0);
const withoutRoute = ({ route: _route, ...rest }: JsonObject) => rest;

describe('shiftWeights properties', () => {
  it('keeps integer weights, route totals, untouched routes and every other field', () => {
    fc.assert(
      fc.property(vsArb, percentArb, (vs, percent) => {
        const result = shiftWeights(vs, { from: FROM, to: TO, percent });
        if (!result.ok) {
          expect(KNOWN_ERRORS).toContain(result.error.code);
          return;
        }
        const after = result.value.virtualService;
        expect({ ...after, spec: { ...(after.spec as JsonObject), http: null } }).toEqual({ ...vs, spec: { ...(vs.spec as JsonObject), http: null } });
        http(vs).forEach((before, i) => {
          const edited = http(after)[i] as JsonObject;
          if (!holdsFrom(before)) {
            expect(edited).toEqual(before);
            return;
          }
          expect(withoutRoute(edited)).toEqual(withoutRoute(before));
          expect(total(edited)).toBe(total(before));
          for (const d of routeDestinations(edited)) if (d.weight !== undefined) expect(Number.isInteger(d.weight)).toBe(true);
          for (const d of routeDestinations(before)) {
            const host = destinationHost(d);
            if (host !== FROM && host !== TO) expect(routeDestinations(edited)).toContainEqual(d);
          }
        });
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(vsArb, percentArb, (vs, percent) => {
        const once = shiftWeights(vs, { from: FROM, to: TO, percent });
        if (!once.ok) return;
        const twice = shiftWeights(once.value.virtualService, { from: FROM, to: TO, percent });
        expect(twice.ok && twice.value.changes).toEqual([]);
        expect(twice.ok && twice.value.virtualService).toEqual(once.value.virtualService);
      }),
      { numRuns: 500 },
    );
  });

  it('restores the old weights when shifted back to the old share', () => {
    fc.assert(
      fc.property(vsArb, percentArb, percentArb, (vs, oldShare, newShare) => {
        const start = shiftWeights(vs, { from: FROM, to: TO, percent: oldShare });
        if (!start.ok) return;
        const there = shiftWeights(start.value.virtualService, { from: FROM, to: TO, percent: newShare });
        const back = there.ok ? shiftWeights(there.value.virtualService, { from: FROM, to: TO, percent: oldShare }) : there;
        expect(back.ok).toBe(true);
        if (!back.ok) return;
        http(start.value.virtualService).forEach((route, i) => {
          const restored = http(back.value.virtualService)[i] as JsonObject;
          const toWasThere = routeDestinations(route).some((d) => destinationHost(d) === TO);
          if (toWasThere) expect(restored).toEqual(route);
          else expect({ ...weightsByHost(restored), [TO]: 0 }).toEqual({ ...weightsByHost(route), [TO]: 0 });
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('setMirror properties', () => {
  it('leaves weights and untouched routes alone, is idempotent, and off restores the input', () => {
    fc.assert(
      fc.property(vsArb, percentArb, fc.constantFrom('mirror' as const, 'mirrors' as const), (vs, percent, field) => {
        const on = setMirror(vs, { from: FROM, to: TO, percent, field });
        if (!on.ok) {
          expect(KNOWN_ERRORS).toContain(on.error.code);
          return;
        }
        http(vs).forEach((before, i) => {
          const edited = http(on.value.virtualService)[i] as JsonObject;
          if (!holdsFrom(before)) expect(edited).toEqual(before);
          else expect(edited.route).toEqual(before.route);
          expect(edited.mirror !== undefined && edited.mirrors !== undefined).toBe(false);
        });
        const again = setMirror(on.value.virtualService, { from: FROM, to: TO, percent, field });
        expect(again.ok && again.value.changes).toEqual([]);
        const off = setMirror(on.value.virtualService, { from: FROM, to: TO, percent: 'off' });
        expect(off.ok && off.value.virtualService).toEqual(vs);
      }),
      { numRuns: 500 },
    );
  });
});
