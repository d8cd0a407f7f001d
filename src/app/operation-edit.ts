import type { EditError } from '../domain/edit-error.js';
import type { Changes, Operation } from '../domain/operation/operation.js';
import { finalizeRoutes } from '../domain/finalize-routes.js';
import { restoreWeights } from '../domain/restore-weights.js';
import type { MirrorChange, WeightChange } from '../domain/route-change.js';
import { err, ok, type Result } from '../domain/result.js';
import { setMirror } from '../domain/set-mirror.js';
import { shiftWeights } from '../domain/shift-weights.js';
import type { VirtualServiceLike } from '../domain/virtual-service.js';
import type { MigrationSettings } from './deps.js';
import { resumeFlux, suspendFlux } from '../domain/gitops/flux-suspension.js';
import { FLUX_RECONCILE } from '../domain/gitops/vs-owners.js';

export type ChangeEntry = WeightChange | MirrorChange;
export type EditOfOperation = (vs: VirtualServiceLike) => Result<{ virtualService: VirtualServiceLike; changes: ChangeEntry[] }, EditError>;

/**
 * The VirtualService edit an operation stands for; a rollback undoes what `target` applied. A step
 * planned with Flux's suspension sets it in the same patch; finalize, or a rollback to 0 %, lifts
 * a suspension meshbot set.
 */
export function editOf(migration: MigrationSettings, op: Pick<Operation, 'kind' | 'percent'> & { readonly annotations?: Operation['annotations'] }, target?: Operation): Result<{ kind: Changes['kind']; edit: EditOfOperation }, string> {
  const routes = routeEditOf(migration, op, target);
  if (!routes.ok) return routes;
  const suspends = op.annotations?.some((a) => a.key === FLUX_RECONCILE && a.after === 'disabled') ?? false;
  return ok({ kind: routes.value.kind, edit: (vs) => withFluxAnnotations(routes.value.edit(vs), migration, op.kind, suspends) });
}

function withFluxAnnotations(result: ReturnType<EditOfOperation>, migration: MigrationSettings, kind: Operation['kind'], suspends: boolean): ReturnType<EditOfOperation> {
  if (!result.ok || result.value.changes.length === 0) return result;
  const { virtualService, changes } = result.value;
  if (suspends) return ok({ virtualService: suspendFlux(virtualService, migration.name), changes });
  const backAtStart = kind === 'rollback' && changes.every((c) => 'to' in c && c.to.after === 0);
  return kind === 'finalize' || backAtStart ? ok({ virtualService: resumeFlux(virtualService), changes }) : result;
}

function routeEditOf(migration: MigrationSettings, op: Pick<Operation, 'kind' | 'percent'>, target?: Operation): Result<{ kind: Changes['kind']; edit: EditOfOperation }, string> {
  const hosts = { from: migration.from, to: migration.to, ...(migration.toPort === undefined ? {} : { toPort: migration.toPort }) };
  if (op.kind === 'shift') return ok({ kind: 'weights', edit: (vs) => mutable(shiftWeights(vs, { ...hosts, percent: op.percent === 'off' ? 0 : op.percent })) });
  if (op.kind === 'finalize') return ok({ kind: 'weights', edit: (vs) => mutable(finalizeRoutes(vs, hosts)) });
  if (op.kind === 'mirror') return ok({ kind: 'mirror', edit: (vs) => mutable(setMirror(vs, { ...hosts, percent: op.percent, field: migration.mirrorField })) });
  const applied = target?.applied;
  if (!applied) return err('there is no applied step to roll back');
  if (applied.kind === 'weights') return ok({ kind: 'weights', edit: (vs) => mutable(restoreWeights(vs, applied.changes)) });
  const previous = applied.changes[0]?.before;
  const percent = previous === undefined ? ('off' as const) : previous.percent;
  return ok({ kind: 'mirror', edit: (vs) => mutable(setMirror(vs, { ...hosts, percent, field: previous?.field ?? migration.mirrorField })) });
}

export function asChanges(kind: Changes['kind'], changes: readonly ChangeEntry[]): Changes {
  return kind === 'weights' ? { kind, changes: changes as WeightChange[] } : { kind, changes: changes as MirrorChange[] };
}

function mutable<C extends ChangeEntry>(result: Result<{ virtualService: VirtualServiceLike; changes: readonly C[] }, EditError>) {
  return result.ok ? ok({ virtualService: result.value.virtualService, changes: [...result.value.changes] as ChangeEntry[] }) : result;
}
