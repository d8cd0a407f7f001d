import type { PreflightCheck } from '../operation/operation.js';
import { controllerOfManager, lastWeightWriter, revertingOwners, unmarkedController, type Owner, type Ownership } from './vs-owners.js';

export type GitopsPolicy = 'warn' | 'refuse' | 'suspend-flux';

/** What a request does about the VirtualService's owners under the migration's `gitops` policy. */
export type GitopsDecision =
  | { readonly verdict: 'refuse'; readonly reason: string }
  | { readonly verdict: 'go'; readonly checks: readonly PreflightCheck[]; readonly suspendFlux: boolean; readonly argoApplication: string | undefined };

/** Decides, from who owns the VirtualService, whether a step may go and what its request must say. Pure. */
export function decideGitops(ownership: Ownership, policy: GitopsPolicy): GitopsDecision {
  const reverting = revertingOwners(ownership);
  const unmarked = unmarkedController(ownership);
  const suspendFlux = policy === 'suspend-flux' && reverting.some((owner) => owner.kind === 'flux-kustomization');
  const stillReverting = reverting.filter((owner) => !(suspendFlux && owner.kind === 'flux-kustomization'));
  if (policy === 'refuse' && (reverting.length > 0 || unmarked)) {
    const first = reverting[0];
    const why = first ? ownerSentence(first) : `${controllerOfManager(unmarked?.manager ?? '')} (field manager \`${unmarked?.manager}\`) last set its weights: a live weight change is put back at its next sync`;
    return { verdict: 'refuse', reason: `Refused under this migration's \`gitops: refuse\`: ${why}. ${first ? remedyOf(first) : 'Commit the weights to Git instead.'}` };
  }
  const checks = [...ownership.owners.map((owner) => ownerCheck(owner, ownership, suspendFlux)), ...unmarkedCheck(unmarked), writerCheck(ownership)];
  const argo = stillReverting.find((owner): owner is Extract<Owner, { kind: 'argocd' }> => owner.kind === 'argocd');
  return { verdict: 'go', checks, suspendFlux, argoApplication: argo?.application };
}

function ownerCheck(owner: Owner, ownership: Ownership, suspending: boolean): PreflightCheck {
  if (owner.kind === 'flux-kustomization' && ownership.fluxSuspended) return { label: `${ownerName(owner)} owns this VirtualService, but its reconciliation is suspended (${'kustomize.toolkit.fluxcd.io/reconcile: disabled'})`, ok: true };
  if (owner.kind === 'flux-kustomization' && suspending) {
    return { label: `${ownerName(owner)} owns this VirtualService: this step also sets \`kustomize.toolkit.fluxcd.io/reconcile: disabled\` on it (gitops: suspend-flux); finalize, or a rollback to 0 %, removes it again`, ok: true };
  }
  return { label: ownerSentence(owner), ok: false, warning: true, detail: remedyOf(owner) };
}

function unmarkedCheck(unmarked: ReturnType<typeof unmarkedController>): PreflightCheck[] {
  if (!unmarked) return [];
  const controller = controllerOfManager(unmarked.manager) ?? 'a GitOps controller';
  return [{ label: `${controller} (field manager \`${unmarked.manager}\`) last set the weights, though the VirtualService carries none of its labels`, ok: false, warning: true, detail: 'it may put a live weight change back at its next sync; meshbot watches the weights while the step bakes' }];
}

function writerCheck(ownership: Ownership): PreflightCheck {
  const writer = lastWeightWriter(ownership.weightWriters);
  const owned = ownership.owners.length > 0 ? '' : 'No GitOps owner found (no Argo CD, Flux or Helm marks)';
  const wrote = writer ? `weights last set by \`${writer.manager}\`${writer.time ? ` at ${writer.time}` : ''}` : 'no field manager recorded for the weights';
  return { label: owned === '' ? `Routes: ${wrote}` : `${owned}; ${wrote}`, ok: true };
}

export function ownerName(owner: Owner): string {
  switch (owner.kind) {
    case 'argocd':
      return `Argo CD application \`${owner.application}\``;
    case 'flux-kustomization':
      return `Flux Kustomization \`${qualified(owner.namespace, owner.name)}\``;
    case 'flux-helmrelease':
      return `Flux HelmRelease \`${qualified(owner.namespace, owner.name)}\``;
    case 'helm':
      return owner.release ? `Helm release \`${owner.release}\`` : 'Helm';
  }
}

function ownerSentence(owner: Owner): string {
  const name = ownerName(owner);
  switch (owner.kind) {
    case 'argocd':
      return `${name} owns this VirtualService (${owner.mark}): with self-heal on, a live weight change is reverted at its next sync`;
    case 'flux-kustomization':
      return `${name} owns this VirtualService (${owner.mark}): a live weight change is reverted at its next reconcile`;
    case 'flux-helmrelease':
      return `${name} owns this VirtualService (${owner.mark}): with drift detection on, a live weight change is reverted at its next reconcile`;
    case 'helm':
      return `${name} manages this VirtualService (${owner.mark}): the next \`helm upgrade\` puts the chart's weights back`;
  }
}

function remedyOf(owner: Owner): string {
  switch (owner.kind) {
    case 'argocd':
      return `Remedy: add the \`ignoreDifferences\` entry meshbot posts in the thread to application \`${owner.application}\` (with \`RespectIgnoreDifferences=true\`), and commit each step's weights to Git as it lands`;
    case 'flux-kustomization':
      return 'Remedy: set `gitops: suspend-flux` on this migration (each step then also sets `kustomize.toolkit.fluxcd.io/reconcile: disabled`, removed at finalize), or commit each step\'s weights to Git';
    case 'flux-helmrelease':
      return `Remedy: \`flux suspend helmrelease ${owner.name}${owner.namespace ? ` -n ${owner.namespace}` : ''}\` for the migration, or set the weights in the chart's values`;
    case 'helm':
      return "Remedy: set each step's weights in the chart's values before the next upgrade";
  }
}

function qualified(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Who will undo live changes again and what to do about it, for a notice that a step was undone; undefined when no controller is known. */
export function ownerRemedy(ownership: Ownership): string | undefined {
  const reverting = revertingOwners(ownership)[0];
  const unmarked = unmarkedController(ownership);
  const owner = reverting ?? (unmarked ? undefined : ownership.owners[0]);
  if (owner) return `${ownerSentence(owner)}. ${remedyOf(owner)}.`;
  return unmarked ? `${controllerOfManager(unmarked.manager)} (field manager \`${unmarked.manager}\`) writes these weights: commit each step's weights to Git, or stop it from syncing this VirtualService while the migration runs.` : undefined;
}
