import { trafficDirectorFix } from '../troubleshoot.js';
import { ERROR_CLASSES, errorClass, type ErrorClassId } from './error-classes.js';
import type { Tally } from './tally.js';

/** What to do about one class seen in a window: its lines, ready to show. */
export interface Remedy {
  readonly classId: ErrorClassId;
  readonly count: number;
  /** A zero-tolerance class: one entry of it is a breach by itself. */
  readonly zeroTolerance: boolean;
  readonly lines: readonly string[];
}

const PRECEDENCE: ReadonlyMap<ErrorClassId, number> = new Map(ERROR_CLASSES.map((c, rank) => [c.id, rank]));

/**
 * A remedy for every class in the tally, those that caused a breach first: the zero-tolerance
 * classes seen, then the classes that count toward rollback, then the rest; by count within
 * each, and by the classes' precedence on a tie. The Traffic Director remedy names the mesh
 * project of the denied resource and the Cloud Run services (`logsProject`: the fallback).
 */
export function remediesByCause(tally: Tally, zeroTolerance: readonly string[], logsProject: string | undefined): Remedy[] {
  const listed = new Set(zeroTolerance);
  const tier = (id: ErrorClassId) => (listed.has(id) ? 0 : errorClass(id).counts ? 1 : 2);
  const seen = (Object.entries(tally.byClass) as [ErrorClassId, NonNullable<Tally['byClass'][ErrorClassId]>][]).filter(([, t]) => t.count > 0);
  seen.sort(([a, ta], [b, tb]) => tier(a) - tier(b) || tb.count - ta.count || (PRECEDENCE.get(a) ?? 0) - (PRECEDENCE.get(b) ?? 0));
  return seen.map(([id, t]) => ({
    classId: id,
    count: t.count,
    zeroTolerance: listed.has(id),
    lines: id === 'td-permission-denied' ? trafficDirectorFix(t.sources ?? [], logsProject) : [errorClass(id).remedy],
  }));
}
