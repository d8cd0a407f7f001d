import { isJsonObject, type JsonObject, type VirtualServiceLike } from '../virtual-service.js';
import { FLUX_RECONCILE, FLUX_SUSPENDED_BY, stringMap } from './vs-owners.js';

/** One annotation a step sets or removes, shown in the diff that is approved. */
export interface AnnotationChange {
  readonly key: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
}

/** The VirtualService with Flux's reconciliation suspended, marked as meshbot's doing (for `migration`). */
export function suspendFlux(vs: VirtualServiceLike, migration: string): VirtualServiceLike {
  const annotations = annotationsOf(vs);
  if (annotations[FLUX_RECONCILE] === 'disabled') return vs;
  return withAnnotations(vs, { ...annotations, [FLUX_RECONCILE]: 'disabled', [FLUX_SUSPENDED_BY]: migration });
}

/** The VirtualService without the suspension meshbot set; one someone else set stays. */
export function resumeFlux(vs: VirtualServiceLike): VirtualServiceLike {
  const annotations = annotationsOf(vs);
  if (annotations[FLUX_SUSPENDED_BY] === undefined) return vs;
  const { [FLUX_RECONCILE]: _reconcile, [FLUX_SUSPENDED_BY]: _by, ...rest } = annotations;
  return withAnnotations(vs, rest);
}

export function annotationChanges(before: VirtualServiceLike, after: VirtualServiceLike): AnnotationChange[] {
  const was = annotationsOf(before);
  const now = annotationsOf(after);
  return [...new Set([...Object.keys(was), ...Object.keys(now)])].filter((key) => was[key] !== now[key]).map((key) => ({ key, before: was[key], after: now[key] }));
}

export function describeAnnotationChange(change: AnnotationChange): string {
  if (change.after === undefined) return `- metadata.annotations["${change.key}"]: ${change.before ?? ''}`;
  return `+ metadata.annotations["${change.key}"]: ${change.after}`;
}

function annotationsOf(vs: VirtualServiceLike): Record<string, string> {
  return stringMap(isJsonObject(vs.metadata) ? vs.metadata.annotations : undefined);
}

function withAnnotations(vs: VirtualServiceLike, annotations: Record<string, string>): VirtualServiceLike {
  const metadata: JsonObject = { ...(isJsonObject(vs.metadata) ? vs.metadata : {}) };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  return { ...vs, metadata };
}
