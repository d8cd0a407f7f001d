import { describe, expect, it } from 'vitest';
import { restoreWeights } from '../../../src/domain/restore-weights.js';
import { shiftWeights } from '../../../src/domain/shift-weights.js';
import { FROM, TO, dest, seedVirtualService, withRoutes } from '../../support/virtual-services.js';

function step(vs: Parameters<typeof shiftWeights>[0], percent: number) {
  const result = shiftWeights(vs, { from: FROM, to: TO, percent });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('restoreWeights', () => {
  it('undoes a step exactly', () => {
    const original = seedVirtualService();
    const applied = step(original, 50);
    const restored = restoreWeights(applied.virtualService, applied.changes);
    expect(restored.ok && restored.value.virtualService).toEqual(original);
  });

  it('removes a to destination the step added', () => {
    const original = withRoutes([{ route: [dest(FROM)] }]);
    const applied = step(original, 10);
    const restored = restoreWeights(applied.virtualService, applied.changes);
    expect(restored.ok && (restored.value.virtualService.spec as { http: { route: unknown[] }[] }).http[0]?.route).toEqual([dest(FROM, 100)]);
  });

  it('keeps changes made by hand since the step', () => {
    const applied = step(seedVirtualService(), 50);
    const edited = structuredClone(applied.virtualService) as { spec: { http: Record<string, unknown>[] } };
    edited.spec.http[0]!.timeout = '42s';
    const restored = restoreWeights(edited, applied.changes);
    const route = ((restored.ok ? restored.value.virtualService.spec : {}) as { http: Record<string, unknown>[] }).http[0];
    expect(route?.timeout).toBe('42s');
    expect(route?.route).toEqual([dest(TO, 10), dest(FROM, 90)]);
  });

  it('applies the old split to a combined weight changed since', () => {
    const original = withRoutes([{ route: [dest('other', 0), dest(FROM, 90), dest(TO, 10)] }]);
    const applied = step(original, 50);
    const edited = structuredClone(applied.virtualService) as { spec: { http: { route: { weight: number }[] }[] } };
    edited.spec.http[0]!.route = [dest('other', 50), dest(FROM, 25), dest(TO, 25)] as never;
    const restored = restoreWeights(edited, applied.changes);
    expect(restored.ok && (restored.value.virtualService.spec as { http: { route: unknown[] }[] }).http[0]?.route).toEqual([dest('other', 50), dest(FROM, 45), dest(TO, 5)]);
  });

  it('refuses when the route is gone', () => {
    const applied = step(seedVirtualService(), 50);
    const result = restoreWeights(withRoutes([{ route: [dest('x.local', 100)] }]), applied.changes);
    expect(!result.ok && result.error.code).toBe('route-moved');
  });
});
