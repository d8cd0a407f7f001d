import { isJsonObject, type JsonObject, type VirtualServiceLike } from '../virtual-service.js';

/** A controller that applies this VirtualService from Git or a chart, read off its metadata. */
export type Owner =
  | { readonly kind: 'argocd'; readonly application: string; readonly mark: string }
  | { readonly kind: 'flux-kustomization'; readonly name: string; readonly namespace: string | undefined; readonly mark: string }
  | { readonly kind: 'flux-helmrelease'; readonly name: string; readonly namespace: string | undefined; readonly mark: string }
  | { readonly kind: 'helm'; readonly release: string | undefined; readonly mark: string };

/** A field manager that set `spec.http` (where the weights live), newest first. */
export interface WeightWriter {
  readonly manager: string;
  readonly time: string | undefined;
  readonly operation: string | undefined;
}

export interface Ownership {
  readonly owners: readonly Owner[];
  readonly weightWriters: readonly WeightWriter[];
  /** `kustomize.toolkit.fluxcd.io/reconcile: disabled` is set: Flux leaves the object alone. */
  readonly fluxSuspended: boolean;
}

export const MESHBOT_FIELD_MANAGER = 'meshbot';
export const FLUX_RECONCILE = 'kustomize.toolkit.fluxcd.io/reconcile';
/** Set beside Flux's annotation when meshbot suspended it, so meshbot removes only what it set. */
export const FLUX_SUSPENDED_BY = 'meshbot.dev/flux-suspended-by';

const ARGO_TRACKING_ID = 'argocd.argoproj.io/tracking-id';
const ARGO_INSTANCE = 'argocd.argoproj.io/instance';
const APP_INSTANCE = 'app.kubernetes.io/instance';
const MANAGED_BY = 'app.kubernetes.io/managed-by';
const FLUX_KS_NAME = 'kustomize.toolkit.fluxcd.io/name';
const FLUX_KS_NAMESPACE = 'kustomize.toolkit.fluxcd.io/namespace';
const FLUX_HR_NAME = 'helm.toolkit.fluxcd.io/name';
const FLUX_HR_NAMESPACE = 'helm.toolkit.fluxcd.io/namespace';

/** Who owns the VirtualService, from its labels, annotations and managedFields. Pure. */
export function ownershipOf(vs: VirtualServiceLike): Ownership {
  const metadata = isJsonObject(vs.metadata) ? vs.metadata : {};
  const labels = stringMap(metadata.labels);
  const annotations = stringMap(metadata.annotations);
  return {
    owners: [...argoOwner(labels, annotations), ...fluxOwners(labels), ...helmOwner(labels, annotations)],
    weightWriters: weightWriters(metadata.managedFields),
    fluxSuspended: annotations[FLUX_RECONCILE] === 'disabled',
  };
}

function argoOwner(labels: Record<string, string>, annotations: Record<string, string>): Owner[] {
  const tracking = annotations[ARGO_TRACKING_ID];
  // "<application>:<group>/<kind>:<namespace>/<name>"
  if (tracking) return [{ kind: 'argocd', application: tracking.split(':')[0] ?? tracking, mark: `annotation ${ARGO_TRACKING_ID}` }];
  const instance = labels[ARGO_INSTANCE];
  if (instance) return [{ kind: 'argocd', application: instance, mark: `label ${ARGO_INSTANCE}` }];
  // Helm charts set app.kubernetes.io/instance too: then it names the release, not an Argo CD application.
  const appInstance = labels[APP_INSTANCE];
  if (appInstance && labels[MANAGED_BY] !== 'Helm') return [{ kind: 'argocd', application: appInstance, mark: `label ${APP_INSTANCE}` }];
  return [];
}

function fluxOwners(labels: Record<string, string>): Owner[] {
  const owners: Owner[] = [];
  const ks = labels[FLUX_KS_NAME];
  if (ks) owners.push({ kind: 'flux-kustomization', name: ks, namespace: labels[FLUX_KS_NAMESPACE], mark: `label ${FLUX_KS_NAME}` });
  const hr = labels[FLUX_HR_NAME];
  if (hr) owners.push({ kind: 'flux-helmrelease', name: hr, namespace: labels[FLUX_HR_NAMESPACE], mark: `label ${FLUX_HR_NAME}` });
  return owners;
}

function helmOwner(labels: Record<string, string>, annotations: Record<string, string>): Owner[] {
  if (labels[MANAGED_BY] !== 'Helm' || labels[FLUX_HR_NAME]) return [];
  return [{ kind: 'helm', release: annotations['meta.helm.sh/release-name'] ?? labels[APP_INSTANCE], mark: `label ${MANAGED_BY}: Helm` }];
}

/** Managers whose fields include `spec.http`, newest first (Istio's lists are atomic, so the weights are in there). */
export function weightWriters(managedFields: unknown): WeightWriter[] {
  if (!Array.isArray(managedFields)) return [];
  return managedFields
    .filter(isJsonObject)
    .filter((entry) => ownsHttpRoutes(entry.fieldsV1))
    .map((entry) => ({ manager: String(entry.manager ?? 'unknown'), time: typeof entry.time === 'string' ? entry.time : undefined, operation: typeof entry.operation === 'string' ? entry.operation : undefined }))
    .sort((a, b) => (b.time ?? '').localeCompare(a.time ?? ''));
}

function ownsHttpRoutes(fields: unknown): boolean {
  return isJsonObject(fields) && isJsonObject(fields['f:spec']) && 'f:http' in (fields['f:spec'] as JsonObject);
}

/** Who last set the weights: the newest writer other than meshbot, else meshbot itself. */
export function lastWeightWriter(writers: readonly WeightWriter[]): WeightWriter | undefined {
  return writers.find((w) => w.manager !== MESHBOT_FIELD_MANAGER) ?? writers[0];
}

/** The field manager names of the controllers known to put a live change back. */
const REVERTING_MANAGERS: readonly { readonly pattern: RegExp; readonly controller: string }[] = [
  { pattern: /^argocd/, controller: 'Argo CD' },
  { pattern: /^kustomize-controller$/, controller: 'Flux' },
  { pattern: /^helm-controller$/, controller: 'Flux' },
];

/** The GitOps controller behind a field manager name, if it is one. */
export function controllerOfManager(manager: string): string | undefined {
  return REVERTING_MANAGERS.find(({ pattern }) => pattern.test(manager))?.controller;
}

/** Owners that put a live change back by themselves (Argo CD with self-heal, Flux); Helm only does at the next upgrade. */
export function revertingOwners(ownership: Ownership): Owner[] {
  return ownership.owners.filter((owner) => owner.kind !== 'helm' && !(owner.kind === 'flux-kustomization' && ownership.fluxSuspended));
}

/**
 * A writer of the weights that is a GitOps controller though the object carries no marks of it
 * (a Helm chart that Argo CD deploys, say: the labels say Helm, argocd-controller writes).
 */
export function unmarkedController(ownership: Ownership): WeightWriter | undefined {
  const marked = new Set(ownership.owners.map(controllerOfOwner));
  return ownership.weightWriters.find((writer) => {
    const controller = controllerOfManager(writer.manager);
    return controller !== undefined && !marked.has(controller);
  });
}

function controllerOfOwner(owner: Owner): string | undefined {
  if (owner.kind === 'argocd') return 'Argo CD';
  return owner.kind === 'helm' ? undefined : 'Flux';
}

/** The string entries of a labels or annotations map. */
export function stringMap(value: unknown): Record<string, string> {
  if (!isJsonObject(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
