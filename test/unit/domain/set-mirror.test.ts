import { describe, expect, it } from 'vitest';
import { setMirror, type MirrorRequest } from '../../../src/domain/set-mirror.js';
import { FROM, TO, dest, seedVirtualService, withRoutes } from '../../support/virtual-services.js';

const mirror = (vs: Parameters<typeof setMirror>[0], percent: MirrorRequest['percent'], extra: Partial<MirrorRequest> = {}) =>
  setMirror(vs, { from: FROM, to: TO, percent, ...extra });

function routeOf(result: ReturnType<typeof setMirror>, index = 0): Record<string, unknown> {
  if (!result.ok) throw new Error(result.error.message);
  return (result.value.virtualService.spec as { http: Record<string, unknown>[] }).http[index] as Record<string, unknown>;
}

describe('setMirror', () => {
  it('writes mirror and mirrorPercentage by default', () => {
    const route = routeOf(mirror(seedVirtualService(100, 0), 10));
    expect(route.mirror).toEqual({ host: TO });
    expect(route.mirrorPercentage).toEqual({ value: 10 });
    expect(route.route).toEqual(seedVirtualService(100, 0).spec && (seedVirtualService(100, 0).spec as { http: { route: unknown }[] }).http[0]?.route);
  });

  it('writes an entry in mirrors[] when asked, next to mirrors to other hosts', () => {
    const vs = withRoutes([{ route: [dest(FROM, 100)], mirrors: [{ destination: { host: 'audit.local' }, percentage: { value: 5 } }] }]);
    const route = routeOf(mirror(vs, 20, { field: 'mirrors' }));
    expect(route.mirrors).toEqual([
      { destination: { host: 'audit.local' }, percentage: { value: 5 } },
      { destination: { host: TO }, percentage: { value: 20 } },
    ]);
    expect(route.mirror).toBeUndefined();
  });

  it('updates its own mirror percentage in place', () => {
    const once = mirror(seedVirtualService(), 10);
    const again = once.ok ? mirror(once.value.virtualService, 50) : once;
    expect(routeOf(again).mirrorPercentage).toEqual({ value: 50 });
    expect(again.ok && again.value.changes).toEqual([{ routeIndex: 0, before: { host: TO, percent: 10, field: 'mirror' }, after: { host: TO, percent: 50, field: 'mirror' } }]);
  });

  it('is idempotent', () => {
    const once = mirror(seedVirtualService(), 10);
    const twice = once.ok ? mirror(once.value.virtualService, 10) : once;
    expect(twice.ok && twice.value.changes).toEqual([]);
  });

  it('refuses to replace a mirror that points elsewhere', () => {
    const vs = withRoutes([{ route: [dest(FROM, 100)], mirror: { host: 'shadow.local' } }]);
    const result = mirror(vs, 10);
    expect(!result.ok && result.error.code).toBe('mirror-conflict');
    expect(!result.ok && result.error.message).toContain('already mirrors to shadow.local');
  });

  it('never writes mirror on a route that uses mirrors[], nor the reverse', () => {
    const withList = withRoutes([{ route: [dest(FROM, 100)], mirrors: [{ destination: { host: 'audit.local' } }] }]);
    expect(mirror(withList, 10)).toMatchObject({ ok: false, error: { code: 'mirror-field-conflict' } });
    const withSingle = withRoutes([{ route: [dest(FROM, 100)], mirror: { host: TO } }]);
    expect(mirror(withSingle, 10, { field: 'mirrors' })).toMatchObject({ ok: false, error: { code: 'mirror-field-conflict' } });
  });

  it('off removes only our mirror', () => {
    const single = withRoutes([{ route: [dest(FROM, 100)], mirror: { host: TO }, mirrorPercentage: { value: 10 }, timeout: '5s' }]);
    expect(routeOf(mirror(single, 'off'))).toEqual({ route: [dest(FROM, 100)], timeout: '5s' });
    const list = withRoutes([{ route: [dest(FROM, 100)], mirrors: [{ destination: { host: 'audit.local' } }, { destination: { host: TO }, percentage: { value: 5 } }] }]);
    expect(routeOf(mirror(list, 'off')).mirrors).toEqual([{ destination: { host: 'audit.local' } }]);
    const onlyOurs = withRoutes([{ route: [dest(FROM, 100)], mirrors: [{ destination: { host: TO } }] }]);
    expect(routeOf(mirror(onlyOurs, 'off'))).toEqual({ route: [dest(FROM, 100)] });
  });

  it('off leaves someone else\'s mirror in place and reports no change', () => {
    const vs = withRoutes([{ route: [dest(FROM, 100)], mirror: { host: 'shadow.local' } }]);
    const result = mirror(vs, 'off');
    expect(result.ok && result.value.changes).toEqual([]);
    expect(result.ok && result.value.virtualService).toBe(vs);
  });

  it('treats an absent mirrorPercentage as 100%', () => {
    const vs = withRoutes([{ route: [dest(FROM, 100)], mirror: { host: TO } }]);
    const result = mirror(vs, 100);
    expect(result.ok && result.value.changes).toEqual([]);
  });

  it('mirror then off gives back the original object', () => {
    const original = seedVirtualService();
    const on = mirror(original, 30, { toPort: 443 });
    expect(routeOf(on).mirror).toEqual({ host: TO, port: { number: 443 } });
    const off = on.ok ? mirror(on.value.virtualService, 'off') : on;
    expect(off.ok && off.value.virtualService).toEqual(original);
  });

  it('applies the same route errors as shift', () => {
    expect(setMirror(seedVirtualService(), { from: FROM, to: FROM, percent: 10 })).toMatchObject({ ok: false, error: { code: 'same-host' } });
    expect(setMirror(seedVirtualService(), { from: 'nope', to: TO, percent: 10 })).toMatchObject({ ok: false, error: { code: 'from-host-not-found' } });
    expect(mirror(seedVirtualService(), 101)).toMatchObject({ ok: false, error: { code: 'invalid-percent' } });
  });
});
