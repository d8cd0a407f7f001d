import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { annotationChanges, describeAnnotationChange, resumeFlux, suspendFlux } from '../../../../src/domain/gitops/flux-suspension.js';
import type { VirtualServiceLike } from '../../../../src/domain/virtual-service.js';
import { seedVirtualService } from '../../../support/virtual-services.js';

const RECONCILE = 'kustomize.toolkit.fluxcd.io/reconcile';
const SUSPENDED_BY = 'meshbot.dev/flux-suspended-by';

function annotated(annotations: Record<string, string> | undefined): VirtualServiceLike {
  const vs = seedVirtualService();
  return { ...vs, metadata: { ...(vs.metadata as object), ...(annotations ? { annotations } : {}) } };
}

const annotationsOf = (vs: VirtualServiceLike) => (vs.metadata as { annotations?: Record<string, string> }).annotations;

describe('suspendFlux', () => {
  it("sets Flux's reconcile: disabled and marks it as the migration's doing, keeping the other annotations", () => {
    const vs = annotated({ team: 'payments' });
    expect(annotationsOf(suspendFlux(vs, 'checkout'))).toEqual({ team: 'payments', [RECONCILE]: 'disabled', [SUSPENDED_BY]: 'checkout' });
    expect(annotationsOf(vs)).toEqual({ team: 'payments' });
  });

  it('adds the annotations to an object that has none, leaving spec alone', () => {
    const vs = annotated(undefined);
    const suspended = suspendFlux(vs, 'checkout');
    expect(annotationsOf(suspended)).toEqual({ [RECONCILE]: 'disabled', [SUSPENDED_BY]: 'checkout' });
    expect(suspended.spec).toEqual(vs.spec);
  });

  it('leaves a suspension someone else set as it is, without claiming it', () => {
    const vs = annotated({ [RECONCILE]: 'disabled' });
    expect(suspendFlux(vs, 'checkout')).toBe(vs);
  });
});

describe('resumeFlux', () => {
  it('removes what meshbot set and nothing else', () => {
    expect(annotationsOf(resumeFlux(annotated({ team: 'payments', [RECONCILE]: 'disabled', [SUSPENDED_BY]: 'checkout' })))).toEqual({ team: 'payments' });
  });

  it('removes the annotations key when meshbot had added the only ones', () => {
    expect(resumeFlux(suspendFlux(annotated(undefined), 'checkout')).metadata).toEqual(annotated(undefined).metadata);
  });

  it('leaves a suspension someone else set', () => {
    const vs = annotated({ [RECONCILE]: 'disabled', team: 'payments' });
    expect(resumeFlux(vs)).toBe(vs);
  });

  it('undoes suspendFlux on any object with no suspension of its own', () => {
    const key = fc.constantFrom('team', 'owner', 'meta.helm.sh/release-name', 'argocd.argoproj.io/tracking-id', 'example.com/note');
    const annotations = fc.option(fc.dictionary(key, fc.string(), { minKeys: 1 }), { nil: undefined });
    fc.assert(
      fc.property(annotations, fc.constantFrom('checkout', 'payments'), (given, migration) => {
        const vs = annotated(given);
        expect(resumeFlux(suspendFlux(vs, migration))).toEqual(vs);
      }),
    );
  });
});

describe('annotationChanges', () => {
  it('lists what suspending adds and resuming removes, for the approved diff', () => {
    const vs = annotated({ team: 'payments' });
    const suspended = suspendFlux(vs, 'checkout');
    expect(annotationChanges(vs, suspended)).toEqual([
      { key: RECONCILE, before: undefined, after: 'disabled' },
      { key: SUSPENDED_BY, before: undefined, after: 'checkout' },
    ]);
    expect(annotationChanges(suspended, resumeFlux(suspended))).toEqual([
      { key: RECONCILE, before: 'disabled', after: undefined },
      { key: SUSPENDED_BY, before: 'checkout', after: undefined },
    ]);
  });

  it('lists a changed value, and nothing for the same object', () => {
    expect(annotationChanges(annotated({ team: 'a', same: 'x' }), annotated({ team: 'b', same: 'x' }))).toEqual([{ key: 'team', before: 'a', after: 'b' }]);
    expect(annotationChanges(annotated({ team: 'a' }), annotated({ team: 'a' }))).toEqual([]);
    expect(annotationChanges(annotated(undefined), annotated(undefined))).toEqual([]);
  });

  it('shows an added annotation with +, a removed one with -', () => {
    expect(describeAnnotationChange({ key: RECONCILE, before: undefined, after: 'disabled' })).toBe(`+ metadata.annotations["${RECONCILE}"]: disabled`);
    expect(describeAnnotationChange({ key: RECONCILE, before: 'disabled', after: undefined })).toBe(`- metadata.annotations["${RECONCILE}"]: disabled`);
  });
});
