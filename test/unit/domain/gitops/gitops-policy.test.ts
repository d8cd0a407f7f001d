import { describe, expect, it } from 'vitest';
import { decideGitops, ownerName, ownerRemedy, type GitopsDecision, type GitopsPolicy } from '../../../../src/domain/gitops/gitops-policy.js';
import type { Owner, Ownership, WeightWriter } from '../../../../src/domain/gitops/vs-owners.js';

const ARGO: Owner = { kind: 'argocd', application: 'payments', mark: 'label argocd.argoproj.io/instance' };
const KUSTOMIZATION: Owner = { kind: 'flux-kustomization', name: 'apps', namespace: 'flux-system', mark: 'label kustomize.toolkit.fluxcd.io/name' };
const HELM_RELEASE: Owner = { kind: 'flux-helmrelease', name: 'checkout', namespace: 'payments', mark: 'label helm.toolkit.fluxcd.io/name' };
const HELM: Owner = { kind: 'helm', release: 'checkout', mark: 'label app.kubernetes.io/managed-by: Helm' };

const writer = (manager: string, time = '2026-12-02T10:41:07Z'): WeightWriter => ({ manager, time, operation: 'Update' });

function ownership(owners: Owner[], writers: WeightWriter[] = [writer('meshbot')], fluxSuspended = false): Ownership {
  return { owners, weightWriters: writers, fluxSuspended };
}

const UNMARKED_ARGO = ownership([], [writer('argocd-controller')]);

function refusal(decision: GitopsDecision): string {
  if (decision.verdict !== 'refuse') throw new Error(`expected a refusal, got ${JSON.stringify(decision)}`);
  return decision.reason;
}

function go(decision: GitopsDecision): Extract<GitopsDecision, { verdict: 'go' }> {
  if (decision.verdict !== 'go') throw new Error(`expected go, got: ${decision.reason}`);
  return decision;
}

const warnings = (decision: GitopsDecision) => go(decision).checks.filter((check) => check.warning);

describe('decideGitops under warn', () => {
  it.each([
    ['an Argo CD application', ARGO, 'Argo CD application `payments` owns this VirtualService (label argocd.argoproj.io/instance): with self-heal on, a live weight change is reverted at its next sync', 'ignoreDifferences'],
    ['a Flux Kustomization', KUSTOMIZATION, 'Flux Kustomization `flux-system/apps` owns this VirtualService (label kustomize.toolkit.fluxcd.io/name): a live weight change is reverted at its next reconcile', 'gitops: suspend-flux'],
    ['a Flux HelmRelease', HELM_RELEASE, 'Flux HelmRelease `payments/checkout` owns this VirtualService (label helm.toolkit.fluxcd.io/name): with drift detection on, a live weight change is reverted at its next reconcile', 'flux suspend helmrelease checkout -n payments'],
    ['a Helm release', HELM, "Helm release `checkout` manages this VirtualService (label app.kubernetes.io/managed-by: Helm): the next `helm upgrade` puts the chart's weights back", "chart's values"],
  ])('lets the step go with a warning naming %s and its remedy', (_, owner, label, remedy) => {
    const decision = go(decideGitops(ownership([owner]), 'warn'));
    expect(warnings(decision)).toEqual([{ label, ok: false, warning: true, detail: expect.stringContaining(remedy) }]);
    expect(decision.suspendFlux).toBe(false);
  });

  it('gives the Argo CD application, for the ignoreDifferences entry in the thread', () => {
    expect(go(decideGitops(ownership([ARGO]), 'warn')).argoApplication).toBe('payments');
    expect(go(decideGitops(ownership([KUSTOMIZATION]), 'warn')).argoApplication).toBeUndefined();
  });

  it('warns about a controller that wrote the weights of an unmarked object', () => {
    expect(warnings(decideGitops(UNMARKED_ARGO, 'warn'))).toEqual([
      { label: 'Argo CD (field manager `argocd-controller`) last set the weights, though the VirtualService carries none of its labels', ok: false, warning: true, detail: expect.stringContaining('meshbot watches the weights while the step bakes') },
    ]);
  });

  it('says who last set the weights, and when no owner was found', () => {
    const checks = go(decideGitops(ownership([], [writer('meshbot', '2026-12-02T11:00:00Z'), writer('kubectl-edit', '2026-12-02T10:00:00Z')]), 'warn')).checks;
    expect(checks).toEqual([{ label: 'No GitOps owner found (no Argo CD, Flux or Helm marks); weights last set by `kubectl-edit` at 2026-12-02T10:00:00Z', ok: true }]);
    expect(go(decideGitops(ownership([ARGO], []), 'warn')).checks.at(-1)).toEqual({ label: 'Routes: no field manager recorded for the weights', ok: true });
  });
});

describe('decideGitops under refuse', () => {
  it.each([
    ['an Argo CD application', ARGO, 'Argo CD application `payments` owns this VirtualService', 'Remedy: add the `ignoreDifferences` entry meshbot posts in the thread to application `payments`'],
    ['a Flux Kustomization', KUSTOMIZATION, 'Flux Kustomization `flux-system/apps` owns this VirtualService', 'Remedy: set `gitops: suspend-flux` on this migration'],
    ['a Flux HelmRelease', HELM_RELEASE, 'Flux HelmRelease `payments/checkout` owns this VirtualService', 'Remedy: `flux suspend helmrelease checkout -n payments` for the migration'],
  ])('refuses a VirtualService of %s, naming the owner and the remedy', (_, owner, names, remedy) => {
    const reason = refusal(decideGitops(ownership([owner]), 'refuse'));
    expect(reason).toMatch(/^Refused under this migration's `gitops: refuse`: /);
    expect(reason).toContain(names);
    expect(reason).toContain(remedy);
  });

  it('refuses an unmarked object whose weights a GitOps controller writes, naming the field manager', () => {
    expect(refusal(decideGitops(ownership([], [writer('kustomize-controller')]), 'refuse'))).toBe(
      "Refused under this migration's `gitops: refuse`: Flux (field manager `kustomize-controller`) last set its weights: a live weight change is put back at its next sync. Commit the weights to Git instead.",
    );
  });

  it('lets a plain Helm release go (it only puts weights back at the next upgrade), with its warning', () => {
    expect(warnings(decideGitops(ownership([HELM]), 'refuse'))).toEqual([expect.objectContaining({ label: expect.stringContaining('Helm release `checkout`') })]);
  });

  it('lets an object nobody owns go, and one only people edited', () => {
    expect(go(decideGitops(ownership([], [writer('kubectl-edit')]), 'refuse')).checks).toEqual([expect.objectContaining({ ok: true })]);
  });

  it('lets a Flux Kustomization whose reconciliation is already suspended by annotation go: it is not reverting', () => {
    const checks = go(decideGitops(ownership([KUSTOMIZATION], undefined, true), 'refuse')).checks;
    expect(checks[0]).toEqual({ label: 'Flux Kustomization `flux-system/apps` owns this VirtualService, but its reconciliation is suspended (kustomize.toolkit.fluxcd.io/reconcile: disabled)', ok: true });
    expect(checks.filter((check) => !check.ok)).toEqual([]);
  });

  // Argo CD renders Helm charts itself: the chart's `managed-by: Helm` stays, and with label
  // tracking Argo CD sets app.kubernetes.io/instance to the application. argocd-controller writes
  // the weights and self-heal puts them back, so `refuse` must refuse.
  it('refuses a Helm chart deployed by Argo CD, whose weights argocd-controller writes', () => {
    const argoRenderedChart = ownership([{ kind: 'helm', release: 'payments', mark: 'label app.kubernetes.io/managed-by: Helm' }], [writer('argocd-controller')]);
    expect(refusal(decideGitops(argoRenderedChart, 'refuse'))).toContain('argocd-controller');
  });
});

describe('decideGitops under suspend-flux', () => {
  it('suspends a Flux Kustomization with the step, saying so in an ok check', () => {
    const decision = go(decideGitops(ownership([KUSTOMIZATION]), 'suspend-flux'));
    expect(decision.suspendFlux).toBe(true);
    expect(decision.checks[0]).toEqual({
      label: 'Flux Kustomization `flux-system/apps` owns this VirtualService: this step also sets `kustomize.toolkit.fluxcd.io/reconcile: disabled` on it (gitops: suspend-flux); finalize, or a rollback to 0 %, removes it again',
      ok: true,
    });
    expect(warnings(decision)).toEqual([]);
  });

  it('does not suspend a Kustomization that is suspended already', () => {
    const decision = go(decideGitops(ownership([KUSTOMIZATION], undefined, true), 'suspend-flux'));
    expect(decision.suspendFlux).toBe(false);
    expect(decision.checks[0]?.label).toContain('but its reconciliation is suspended');
  });

  it.each([
    ['an Argo CD application', ARGO, 'payments'],
    ['a Flux HelmRelease (the annotation is for Kustomizations)', HELM_RELEASE, undefined],
    ['a Helm release', HELM, undefined],
  ])('leaves %s a warning, suspending nothing', (_, owner, argoApplication) => {
    const decision = go(decideGitops(ownership([owner]), 'suspend-flux'));
    expect(decision.suspendFlux).toBe(false);
    expect(decision.argoApplication).toBe(argoApplication);
    expect(warnings(decision)).toHaveLength(1);
  });

  it('leaves an unmarked kustomize-controller a warning: there is no Kustomization to name', () => {
    const decision = go(decideGitops(ownership([], [writer('kustomize-controller')]), 'suspend-flux'));
    expect(decision.suspendFlux).toBe(false);
    expect(warnings(decision)).toEqual([expect.objectContaining({ label: expect.stringContaining('`kustomize-controller`') })]);
  });
});

describe('decideGitops for no owner at all', () => {
  it.each<GitopsPolicy>(['warn', 'refuse', 'suspend-flux'])('lets the step go under %s without warnings', (policy) => {
    const decision = go(decideGitops(ownership([]), policy));
    expect(decision).toEqual({ verdict: 'go', checks: [{ label: 'No GitOps owner found (no Argo CD, Flux or Helm marks); weights last set by `meshbot` at 2026-12-02T10:41:07Z', ok: true }], suspendFlux: false, argoApplication: undefined });
  });
});

describe('ownerName and ownerRemedy', () => {
  it('names owners without a namespace or release plainly', () => {
    expect(ownerName({ ...KUSTOMIZATION, namespace: undefined })).toBe('Flux Kustomization `apps`');
    expect(ownerName({ kind: 'helm', release: undefined, mark: 'label app.kubernetes.io/managed-by: Helm' })).toBe('Helm');
  });

  it('gives the reverting owner first, then the unmarked controller, then nothing', () => {
    expect(ownerRemedy(ownership([HELM, ARGO]))).toMatch(/^Argo CD application `payments` owns this VirtualService .*\. Remedy: add the `ignoreDifferences` entry/);
    expect(ownerRemedy(UNMARKED_ARGO)).toContain('Argo CD (field manager `argocd-controller`) writes these weights');
    expect(ownerRemedy(ownership([], [writer('kubectl-edit')]))).toBeUndefined();
  });
});
