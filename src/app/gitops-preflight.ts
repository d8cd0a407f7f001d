import { stringify } from 'yaml';
import { annotationChanges, resumeFlux, suspendFlux, type AnnotationChange } from '../domain/gitops/flux-suspension.js';
import { decideGitops } from '../domain/gitops/gitops-policy.js';
import { ownershipOf } from '../domain/gitops/vs-owners.js';
import type { Operation, PreflightCheck } from '../domain/operation/operation.js';
import { httpRoutes, type VirtualServiceLike } from '../domain/virtual-service.js';
import { clip } from '../slack/blocks/block-kit.js';
import type { MigrationSettings } from './deps.js';
import type { EditOfOperation } from './operation-edit.js';

export type GitopsPreflight =
  | { readonly ok: false; readonly reason: string }
  | { readonly ok: true; readonly checks: readonly PreflightCheck[]; readonly annotations: readonly AnnotationChange[]; readonly argoApplication: string | undefined };

/**
 * Who owns the VirtualService and what the migration's `gitops` policy makes of it: refused,
 * or the preflight lines, the Flux annotations the step sets or lifts, and the Argo CD
 * application the thread must tell how to follow.
 */
export function gitopsPreflight(migration: MigrationSettings, vs: VirtualServiceLike, kind: Operation['kind']): GitopsPreflight {
  const decision = decideGitops(ownershipOf(vs), migration.gitops ?? 'warn');
  if (decision.verdict === 'refuse') return { ok: false, reason: decision.reason };
  const annotated = decision.suspendFlux ? suspendFlux(vs, migration.name) : kind === 'finalize' ? resumeFlux(vs) : vs;
  return { ok: true, checks: decision.checks, annotations: annotationChanges(vs, annotated), argoApplication: decision.argoApplication };
}

/**
 * For a VirtualService Argo CD syncs: the `ignoreDifferences` entry that lets the live weights
 * stand, and the edit to commit so Git follows (the routes as this step leaves them, and the
 * offline CLI command that makes the same edit to the manifest).
 */
export function argoGuidance(migration: MigrationSettings, application: string, vs: VirtualServiceLike, edit: EditOfOperation, op: Pick<Operation, 'kind' | 'percent'>): string {
  const ignore = stringify({
    spec: {
      ignoreDifferences: [{ group: 'networking.istio.io', kind: 'VirtualService', name: migration.virtualService, namespace: migration.namespace, jqPathExpressions: ['.spec.http[].route[].weight'] }],
      syncPolicy: { syncOptions: ['RespectIgnoreDifferences=true'] },
    },
  });
  const edited = edit(vs);
  const routes = edited.ok ? stringify({ spec: { http: httpRoutes(edited.value.virtualService) } }) : '';
  return [
    `🔁 Argo CD application \`${application}\` syncs this VirtualService: with self-heal on it puts the weights back at its next sync, and meshbot then stops the bake and reports the step reverted. Before approving, either:`,
    `*1. Let the live weights stand* while the migration runs — add to the Application:`,
    `\`\`\`${ignore}\`\`\``,
    `*2. Let Git follow* — commit this step to the VirtualService manifest in Git${cliCommand(migration, op)}; the routes become:`,
    `\`\`\`${clip(routes, 1800)}\`\`\``,
  ].join('\n');
}

/** The offline CLI command that makes the same edit to a manifest (finalize has none: it drops the old destination). */
function cliCommand(migration: MigrationSettings, op: Pick<Operation, 'kind' | 'percent'>): string {
  const hosts = `--from ${migration.from} --to ${migration.to}${migration.toPort ? ` --to-port ${migration.toPort}` : ''}`;
  if (op.kind === 'mirror') return ` (\`meshbot mirror --file vs.yaml ${hosts} ${op.percent === 'off' ? '--off' : `--percent ${op.percent}`} --field ${migration.mirrorField}\` makes the edit)`;
  if (op.kind === 'shift') return ` (\`meshbot shift --file vs.yaml ${hosts} --percent ${op.percent}\` makes the edit)`;
  return '';
}
