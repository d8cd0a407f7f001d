import type { Classification } from './classify.js';
import { ERROR_CLASSES, isErrorClassId, type ErrorClassId } from './error-classes.js';
import type { ClassifiableEntry } from './log-entry.js';
import { sameFacts, type RemedyFacts } from './remedy-facts.js';

/** Distinct sample lines kept per class. */
export const MAX_SAMPLES_PER_CLASS = 3;
/** Distinct remedy facts (denied project, Cloud Run service) kept per class. */
export const MAX_SOURCES_PER_CLASS = 5;
/** Requests (counted request errors + successes) needed before the error rate is judged. */
export const DEFAULT_MIN_REQUESTS = 20;

export interface ClassTally {
  count: number;
  /** Up to MAX_SAMPLES_PER_CLASS distinct lines, first seen first. */
  samples: string[];
  /** Up to MAX_SOURCES_PER_CLASS distinct facts for the remedy, first seen first; absent when none were seen, and in tallies stored before they were kept. */
  sources?: RemedyFacts[] | undefined;
  firstTimestamp: string;
  lastTimestamp: string;
}

/**
 * What a window of classified entries added up to. A plain, JSON-serialisable object that
 * addToTally and mergeSuppressed update in place (no allocation per entry).
 */
export interface Tally {
  /** Entries added, whatever their classification. */
  entries: number;
  successes: number;
  /** Errors of classes that count toward rollback (both planes). */
  errors: number;
  /** The data-plane part of `errors`: failed requests, the numerator of the error rate. */
  requestErrors: number;
  /** Errors of classes that do not count (downstream-closed). */
  uncountedErrors: number;
  ignored: number;
  byClass: Partial<Record<ErrorClassId, ClassTally>>;
  /** Entries Cloud Logging dropped before delivery (suppressionInfo), and how many reports said so. */
  suppressed: number;
  suppressionReports: number;
  /** Earliest and latest timestamps of the entries added (in time order, not arrival order). */
  firstTimestamp: string | undefined;
  lastTimestamp: string | undefined;
}

export interface RollbackOn {
  /** Counted errors that trigger a rollback (≤ 0 behaves as 1: any counted error); unset: no count rule. */
  readonly errors?: number | undefined;
  /** Fraction 0–1 of failed requests, judged once DEFAULT_MIN_REQUESTS (or the given minimum) were seen; unset: not judged from logs (metrics judge the rate). */
  readonly errorRate?: number | undefined;
  /** Zero tolerance: one entry of any of these classes triggers a rollback. */
  readonly classes: readonly string[];
}

export type ThresholdVerdict = { readonly breach: false } | { readonly breach: true; readonly reasons: string[] };

const COUNTS: ReadonlyMap<ErrorClassId, boolean> = new Map(ERROR_CLASSES.map((c) => [c.id, c.counts]));
const DATA_PLANE: ReadonlyMap<ErrorClassId, boolean> = new Map(ERROR_CLASSES.map((c) => [c.id, c.plane === 'data']));
const NO_BREACH: ThresholdVerdict = Object.freeze({ breach: false });

export function emptyTally(): Tally {
  return {
    entries: 0,
    successes: 0,
    errors: 0,
    requestErrors: 0,
    uncountedErrors: 0,
    ignored: 0,
    byClass: {},
    suppressed: 0,
    suppressionReports: 0,
    firstTimestamp: undefined,
    lastTimestamp: undefined,
  };
}

/** Adds one classified entry to `tally` (in place) and returns it. */
export function addToTally(tally: Tally, classification: Classification, entry: ClassifiableEntry): Tally {
  tally.entries++;
  const timestamp = entry.timestamp;
  widenSpan(tally, timestamp);
  switch (classification.kind) {
    case 'success':
      tally.successes++;
      return tally;
    case 'ignored':
      tally.ignored++;
      return tally;
    case 'error':
      break;
  }
  const id = classification.classId;
  if (COUNTS.get(id) === true) {
    tally.errors++;
    if (DATA_PLANE.get(id) === true) tally.requestErrors++;
  } else {
    tally.uncountedErrors++;
  }
  const perClass = tally.byClass[id];
  const facts = classification.facts;
  if (perClass === undefined) {
    tally.byClass[id] = { count: 1, samples: [classification.sample], ...(facts ? { sources: [facts] } : {}), firstTimestamp: timestamp, lastTimestamp: timestamp };
    return tally;
  }
  perClass.count++;
  if (perClass.samples.length < MAX_SAMPLES_PER_CLASS && !perClass.samples.includes(classification.sample)) perClass.samples.push(classification.sample);
  if (facts) addSource(perClass, facts);
  if (timestamp) {
    if (!perClass.lastTimestamp || !perClass.firstTimestamp) {
      perClass.firstTimestamp = timestamp;
      perClass.lastTimestamp = timestamp;
    } else if (compareTimestamps(timestamp, perClass.lastTimestamp) > 0) perClass.lastTimestamp = timestamp;
    else if (compareTimestamps(timestamp, perClass.firstTimestamp) < 0) perClass.firstTimestamp = timestamp;
  }
  return tally;
}

/** Adds entries counted together upstream (the log watcher's quiet records): `successes` and `ignored`, seen between `first` and `last`. */
export function addQuietEntries(tally: Tally, successes: number, ignored: number, first: string, last: string): Tally {
  if (successes + ignored <= 0) return tally;
  tally.entries += successes + ignored;
  tally.successes += successes;
  tally.ignored += ignored;
  widenSpan(tally, first);
  widenSpan(tally, last);
  return tally;
}

function addSource(perClass: ClassTally, facts: RemedyFacts): void {
  const sources = (perClass.sources ??= []);
  if (sources.length < MAX_SOURCES_PER_CLASS && !sources.some((known) => sameFacts(known, facts))) sources.push(facts);
}

function widenSpan(tally: Tally, timestamp: string): void {
  if (!timestamp) return;
  if (tally.lastTimestamp === undefined || tally.firstTimestamp === undefined) {
    tally.firstTimestamp = timestamp;
    tally.lastTimestamp = timestamp;
  } else if (compareTimestamps(timestamp, tally.lastTimestamp) > 0) tally.lastTimestamp = timestamp;
  else if (compareTimestamps(timestamp, tally.firstTimestamp) < 0) tally.firstTimestamp = timestamp;
}

/**
 * Records that Cloud Logging suppressed `count` entries (TailLogEntries suppressionInfo): a
 * signal that the counts are a lower bound, not an error by itself. Returns `tally`.
 */
export function mergeSuppressed(tally: Tally, count: number): Tally {
  if (!(count > 0) || !Number.isFinite(count)) return tally;
  tally.suppressed += Math.floor(count);
  tally.suppressionReports++;
  return tally;
}

/**
 * Whether the tally calls for a rollback: any entry of a zero-tolerance class; counted errors
 * ≥ `errors`; or, once at least `minRequests` requests were seen, failed requests / (failed
 * requests + successes) ≥ `errorRate`. The rate counts data-plane errors only (control-plane
 * lines are not requests); every counted error, of either plane, counts toward `errors`.
 */
export function evaluateThresholds(tally: Tally, rollbackOn: RollbackOn, minRequests: number = DEFAULT_MIN_REQUESTS): ThresholdVerdict {
  const reasons: string[] = [];
  const listed = new Set(rollbackOn.classes);
  for (const id of listed) {
    if (!isErrorClassId(id)) continue;
    const count = tally.byClass[id]?.count ?? 0;
    if (count > 0) reasons.push(`${count} × ${id} (zero tolerance)`);
  }
  const errorThreshold = rollbackOn.errors === undefined ? undefined : Math.max(rollbackOn.errors, 1);
  if (errorThreshold !== undefined && tally.errors >= errorThreshold) {
    reasons.push(`${tally.errors} counted ${plural(tally.errors, 'error')} reached the threshold of ${errorThreshold} (${countedBreakdown(tally)})`);
  }
  const requests = tally.requestErrors + tally.successes;
  if (rollbackOn.errorRate !== undefined && tally.requestErrors > 0 && requests >= minRequests) {
    const rate = tally.requestErrors / requests;
    if (rate >= rollbackOn.errorRate) {
      reasons.push(`error rate ${formatPercent(rate)} (${tally.requestErrors} of ${requests} requests failed) reached the threshold of ${formatPercent(rollbackOn.errorRate)}`);
    }
  }
  return reasons.length === 0 ? NO_BREACH : { breach: true, reasons };
}

/**
 * Things worth telling people about a window that are not breaches: dropped entries
 * (suppression), errors that do not count, too few requests to judge the error rate.
 */
export function tallyNotes(tally: Tally, minRequests: number = DEFAULT_MIN_REQUESTS): string[] {
  const notes: string[] = [];
  if (tally.suppressed > 0) {
    notes.push(`Cloud Logging dropped ${tally.suppressed} ${plural(tally.suppressed, 'entry', 'entries')} before delivery (suppressionInfo): the counts are a lower bound`);
  }
  for (const c of ERROR_CLASSES) {
    if (c.counts) continue;
    const count = tally.byClass[c.id]?.count ?? 0;
    if (count > 0) notes.push(`${count} × ${c.id} not counted toward rollback`);
  }
  const requests = tally.requestErrors + tally.successes;
  if (requests < minRequests) notes.push(`only ${requests} ${plural(requests, 'request')} seen (fewer than ${minRequests}): the error rate was not judged`);
  return notes;
}

/* ------------------------------------------------------------------------------ helpers */

function countedBreakdown(tally: Tally): string {
  const parts: { id: ErrorClassId; count: number }[] = [];
  for (const c of ERROR_CLASSES) {
    const count = tally.byClass[c.id]?.count ?? 0;
    if (c.counts && count > 0) parts.push({ id: c.id, count });
  }
  parts.sort((a, b) => b.count - a.count);
  return parts.map((p) => `${p.count} × ${p.id}`).join(', ');
}

function formatPercent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))}%`;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return count === 1 ? one : many;
}

/**
 * Orders RFC 3339 UTC timestamps whose fractions may have different lengths
 * (`…:05Z` < `…:05.5Z` < `…:05.500000001Z`), without parsing or allocating. Strings not in
 * that shape fall back to plain string order.
 */
function compareTimestamps(a: string, b: string): number {
  const SECONDS = 19; // YYYY-MM-DDTHH:MM:SS
  if (a.length === b.length || a.length < SECONDS || b.length < SECONDS) return a < b ? -1 : a > b ? 1 : 0;
  for (let i = 0; i < SECONDS; i++) {
    const diff = a.charCodeAt(i) - b.charCodeAt(i);
    if (diff !== 0) return diff;
  }
  const aFraction = a.charCodeAt(SECONDS) === 46 /* . */ ? SECONDS + 1 : -1;
  const bFraction = b.charCodeAt(SECONDS) === 46 ? SECONDS + 1 : -1;
  for (let k = 0; ; k++) {
    const da = aFraction < 0 ? -1 : digitAt(a, aFraction + k);
    const db = bFraction < 0 ? -1 : digitAt(b, bFraction + k);
    if (da < 0 && db < 0) return 0;
    const diff = Math.max(da, 0) - Math.max(db, 0);
    if (diff !== 0) return diff;
  }
}

function digitAt(text: string, at: number): number {
  const d = text.charCodeAt(at) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}
