import { classifyEntry } from '../logs/classify.js';
import { errorClass } from '../logs/error-classes.js';
import type { ClassifiableEntry } from '../logs/log-entry.js';
import type { FeedRecord } from './feed-record.js';
import { isProjectWide, namesHost, type WatchSubject } from './watch-subject.js';

/** A subject and how to tell its entries: its hosts, and its extra filter compiled. */
export interface Route {
  readonly subject: WatchSubject;
  readonly hosts: readonly string[];
  readonly extra?: ((entry: ClassifiableEntry) => boolean) | undefined;
}

/** Records for one subject in one write: entries that carry an insertId are written once, whoever writes them and however often. */
export interface SubjectBatch {
  readonly subjectId: string;
  /** Error entries, and marks with id '' that are always written (suppression, ready). */
  readonly records: { readonly id: string; readonly ts: string; readonly record: FeedRecord }[];
  /** Successes and ignored entries, counted into one record. */
  readonly quiet: { readonly id: string; readonly ts: string; readonly ok: boolean }[];
  quietFirst: string;
  quietLast: string;
}

export function routeOf(subject: WatchSubject, compile: (filter: string) => (entry: ClassifiableEntry) => boolean): Route {
  return { subject, hosts: [subject.from, subject.to], extra: subject.extra ? compile(subject.extra) : undefined };
}

/**
 * Classifies each entry once and files it under every subject it belongs to (its hosts, or
 * project-wide, its extra filter, logged at or after its start). Sentinels get control-plane
 * errors only. `only`: file under these subjects alone (a backfill for newcomers).
 */
export function routeEntries(entries: readonly ClassifiableEntry[], routes: readonly Route[], only?: ReadonlySet<string>): SubjectBatch[] {
  const batches = new Map<string, SubjectBatch>();
  for (const entry of entries) {
    const wide = isProjectWide(entry);
    const classification = classifyEntry(entry);
    for (const route of routes) {
      const subject = route.subject;
      if (only && !only.has(subject.id)) continue;
      if (entry.timestamp < subject.since || !(wide || namesHost(entry, route.hosts)) || (route.extra && !route.extra(entry))) continue;
      const isError = classification.kind === 'error';
      if (subject.kind === 'sentinel' && !(isError && errorClass(classification.classId).plane === 'control')) continue;
      const batch = batchOf(batches, subject.id);
      if (isError) batch.records.push({ id: entry.insertId, ts: entry.timestamp, record: { k: 'e', id: entry.insertId, ts: entry.timestamp, c: classification.classId, s: classification.sample, ...(classification.facts ? { f: classification.facts } : {}) } });
      else addQuiet(batch, entry, classification.kind === 'success');
    }
  }
  return [...batches.values()];
}

/** A mark written to each subject as is (no insertId): suppression notices, the end of a newcomer's backfill. */
export function markFor(subjectIds: readonly string[], record: FeedRecord): SubjectBatch[] {
  return subjectIds.map((subjectId) => ({ subjectId, records: [{ id: '', ts: '', record }], quiet: [], quietFirst: '', quietLast: '' }));
}

function batchOf(batches: Map<string, SubjectBatch>, subjectId: string): SubjectBatch {
  let batch = batches.get(subjectId);
  if (!batch) {
    batch = { subjectId, records: [], quiet: [], quietFirst: '', quietLast: '' };
    batches.set(subjectId, batch);
  }
  return batch;
}

function addQuiet(batch: SubjectBatch, entry: ClassifiableEntry, ok: boolean): void {
  batch.quiet.push({ id: entry.insertId, ts: entry.timestamp, ok });
  if (!batch.quietFirst || entry.timestamp < batch.quietFirst) batch.quietFirst = entry.timestamp;
  if (!batch.quietLast || entry.timestamp > batch.quietLast) batch.quietLast = entry.timestamp;
}
