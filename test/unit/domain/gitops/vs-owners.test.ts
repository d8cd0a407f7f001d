import { describe, expect, it } from 'vitest';
import { controllerOfManager, ownershipOf, revertingOwners, unmarkedController, weightWriters } from '../../../../src/domain/gitops/vs-owners.js';
import type { VirtualServiceLike } from '../../../../src/domain/virtual-service.js';
import { seedVirtualService } from '../../../support/virtual-services.js';

interface Marks {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: unknown[];
}

function markedVirtualService({ labels, annotations, managedFields }: Marks): VirtualServiceLike {
  const vs = seedVirtualService();
  return { ...vs, metadata: { ...(vs.metadata as object), ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}), ...(managedFields ? { managedFields } : {}) } };
}

const HTTP_FIELDS = { 'f:spec': { 'f:http': {} } };

function fieldsEntry(manager: string, time: string | undefined, fieldsV1: unknown = HTTP_FIELDS) {
  return { manager, operation: 'Update', apiVersion: 'networking.istio.io/v1', ...(time ? { time } : {}), fieldsType: 'FieldsV1', fieldsV1 };
}

const ownersOf = (marks: Marks) => ownershipOf(markedVirtualService(marks)).owners;

describe('ownershipOf: owners from their marks', () => {
  it('reads the Argo CD application from the tracking-id annotation "<app>:<group>/<kind>:<ns>/<name>"', () => {
    const annotations = { 'argocd.argoproj.io/tracking-id': 'payments:networking.istio.io/VirtualService:payments/cr-gcpbackend-migration' };
    expect(ownersOf({ annotations })).toEqual([{ kind: 'argocd', application: 'payments', mark: 'annotation argocd.argoproj.io/tracking-id' }]);
  });

  it('prefers the tracking-id annotation over the instance labels', () => {
    const annotations = { 'argocd.argoproj.io/tracking-id': 'checkout:networking.istio.io/VirtualService:payments/vs' };
    const owners = ownersOf({ annotations, labels: { 'argocd.argoproj.io/instance': 'other', 'app.kubernetes.io/instance': 'third' } });
    expect(owners).toEqual([expect.objectContaining({ kind: 'argocd', application: 'checkout' })]);
  });

  it('reads the Argo CD application from the argocd.argoproj.io/instance label', () => {
    expect(ownersOf({ labels: { 'argocd.argoproj.io/instance': 'payments' } })).toEqual([{ kind: 'argocd', application: 'payments', mark: 'label argocd.argoproj.io/instance' }]);
  });

  it('takes app.kubernetes.io/instance for an Argo CD application when Helm does not manage the object', () => {
    expect(ownersOf({ labels: { 'app.kubernetes.io/instance': 'payments' } })).toEqual([{ kind: 'argocd', application: 'payments', mark: 'label app.kubernetes.io/instance' }]);
  });

  it('takes app.kubernetes.io/instance for the Helm release when managed-by is Helm', () => {
    expect(ownersOf({ labels: { 'app.kubernetes.io/instance': 'payments', 'app.kubernetes.io/managed-by': 'Helm' } })).toEqual([{ kind: 'helm', release: 'payments', mark: 'label app.kubernetes.io/managed-by: Helm' }]);
  });

  it("names the Helm release from Helm's release-name annotation first, and none when nothing names it", () => {
    const labels = { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/instance': 'from-label' };
    expect(ownersOf({ labels, annotations: { 'meta.helm.sh/release-name': 'from-annotation' } })).toEqual([expect.objectContaining({ kind: 'helm', release: 'from-annotation' })]);
    expect(ownersOf({ labels: { 'app.kubernetes.io/managed-by': 'Helm' } })).toEqual([{ kind: 'helm', release: undefined, mark: 'label app.kubernetes.io/managed-by: Helm' }]);
  });

  it('reads a Flux Kustomization from its name and namespace labels', () => {
    const labels = { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' };
    expect(ownersOf({ labels })).toEqual([{ kind: 'flux-kustomization', name: 'apps', namespace: 'flux-system', mark: 'label kustomize.toolkit.fluxcd.io/name' }]);
    expect(ownersOf({ labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps' } })).toEqual([expect.objectContaining({ name: 'apps', namespace: undefined })]);
  });

  it('reads a Flux HelmRelease from its label, and does not count the chart as plain Helm besides', () => {
    const labels = { 'helm.toolkit.fluxcd.io/name': 'checkout', 'helm.toolkit.fluxcd.io/namespace': 'payments', 'app.kubernetes.io/managed-by': 'Helm' };
    expect(ownersOf({ labels })).toEqual([{ kind: 'flux-helmrelease', name: 'checkout', namespace: 'payments', mark: 'label helm.toolkit.fluxcd.io/name' }]);
  });

  it('finds no owner on an unmarked object, and ignores unrelated labels', () => {
    expect(ownersOf({})).toEqual([]);
    expect(ownersOf({ labels: { app: 'checkout', 'app.kubernetes.io/managed-by': 'kustomize' } })).toEqual([]);
  });

  it("says whether Flux's reconciliation is suspended by annotation", () => {
    expect(ownershipOf(markedVirtualService({ annotations: { 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' } })).fluxSuspended).toBe(true);
    expect(ownershipOf(markedVirtualService({ annotations: { 'kustomize.toolkit.fluxcd.io/reconcile': 'enabled' } })).fluxSuspended).toBe(false);
    expect(ownershipOf(markedVirtualService({})).fluxSuspended).toBe(false);
  });
});

describe('weightWriters', () => {
  it('lists only the managers that own f:spec → f:http, newest first', () => {
    const entries = [
      fieldsEntry('kubectl-edit', '2026-12-02T09:00:00Z'),
      fieldsEntry('labeller', '2026-12-02T11:00:00Z', { 'f:metadata': { 'f:labels': { 'f:team': {} } } }),
      fieldsEntry('argocd-controller', '2026-12-02T10:41:07Z'),
      fieldsEntry('hosts-editor', '2026-12-02T12:00:00Z', { 'f:spec': { 'f:hosts': {} } }),
      fieldsEntry('meshbot', '2026-12-02T10:00:00Z'),
    ];
    expect(weightWriters(entries)).toEqual([
      { manager: 'argocd-controller', time: '2026-12-02T10:41:07Z', operation: 'Update' },
      { manager: 'meshbot', time: '2026-12-02T10:00:00Z', operation: 'Update' },
      { manager: 'kubectl-edit', time: '2026-12-02T09:00:00Z', operation: 'Update' },
    ]);
  });

  it('puts a writer with no time last', () => {
    expect(weightWriters([fieldsEntry('undated', undefined), fieldsEntry('dated', '2026-12-02T10:00:00Z')]).map((w) => w.manager)).toEqual(['dated', 'undated']);
  });

  it('takes anything that is not a list of entries for no writers', () => {
    expect(weightWriters(undefined)).toEqual([]);
    expect(weightWriters({ manager: 'meshbot' })).toEqual([]);
    expect(weightWriters(['meshbot', null, { manager: 'x', fieldsV1: 'f:spec' }])).toEqual([]);
  });

  it('is read by ownershipOf from metadata.managedFields', () => {
    const vs = markedVirtualService({ managedFields: [fieldsEntry('argocd-controller', '2026-12-02T10:41:07Z')] });
    expect(ownershipOf(vs).weightWriters.map((w) => w.manager)).toEqual(['argocd-controller']);
  });
});

describe('controllers that revert', () => {
  it.each([
    ['argocd-controller', 'Argo CD'],
    ['argocd-application-controller', 'Argo CD'],
    ['kustomize-controller', 'Flux'],
    ['helm-controller', 'Flux'],
    ['kubectl-edit', undefined],
    ['meshbot', undefined],
    ['my-kustomize-controller', undefined],
  ])('knows the field manager %s as %s', (manager, controller) => {
    expect(controllerOfManager(manager)).toBe(controller);
  });

  it.each(['argocd-controller', 'kustomize-controller'])('finds %s writing the weights of an object without any GitOps labels', (manager) => {
    const ownership = ownershipOf(markedVirtualService({ managedFields: [fieldsEntry('meshbot', '2026-12-02T11:00:00Z'), fieldsEntry(manager, '2026-12-02T10:00:00Z')] }));
    expect(unmarkedController(ownership)).toEqual({ manager, time: '2026-12-02T10:00:00Z', operation: 'Update' });
  });

  it('finds no unmarked controller when only people and meshbot wrote the weights, or when the object is marked', () => {
    expect(unmarkedController(ownershipOf(markedVirtualService({ managedFields: [fieldsEntry('kubectl-edit', '2026-12-02T10:00:00Z'), fieldsEntry('meshbot', undefined)] })))).toBeUndefined();
    const marked = markedVirtualService({ labels: { 'argocd.argoproj.io/instance': 'payments' }, managedFields: [fieldsEntry('argocd-controller', '2026-12-02T10:00:00Z')] });
    expect(unmarkedController(ownershipOf(marked))).toBeUndefined();
  });

  it('counts Argo CD and Flux as reverting, Helm not, and a suspended Kustomization not', () => {
    const labels = { 'argocd.argoproj.io/instance': 'payments', 'kustomize.toolkit.fluxcd.io/name': 'apps', 'helm.toolkit.fluxcd.io/name': 'checkout' };
    expect(revertingOwners(ownershipOf(markedVirtualService({ labels }))).map((o) => o.kind)).toEqual(['argocd', 'flux-kustomization', 'flux-helmrelease']);
    const suspended = markedVirtualService({ labels, annotations: { 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' } });
    expect(revertingOwners(ownershipOf(suspended)).map((o) => o.kind)).toEqual(['argocd', 'flux-helmrelease']);
    expect(revertingOwners(ownershipOf(markedVirtualService({ labels: { 'app.kubernetes.io/managed-by': 'Helm' } })))).toEqual([]);
  });
});
