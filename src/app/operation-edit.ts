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

export type ChangeEntry = WeightChange | MirrorChange;
export type EditOfOperation = (vs: VirtualServiceLike) => Result<{ virtualService: VirtualServiceLike; changes: ChangeEntry[] }, EditError>;

/** The VirtualService edit an operation stands for; a rollback undoes what `target` applied. */
export function editOf(migration: MigrationSettings, op: Pick<Operation, 'kind' | 'percent'>, target?: Operation): Result<{ kind: Changes['kind']; edit: EditOfOperation }, string> {
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
