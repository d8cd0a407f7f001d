import { addQuietEntries, addToTally, mergeSuppressed, type Tally } from '../logs/tally.js';
import type { ErrorClassId } from '../logs/error-classes.js';
import type { RemedyFacts } from '../logs/remedy-facts.js';

/**
 * What the log watcher writes to a subject's stream, classified once: an error entry (with its
 * sample), quiet entries counted together (successes and ignored), entries Cloud Logging
 * suppressed, and the mark that everything logged since the subject's start is in.
 */
export type FeedRecord =
  | { readonly k: 'e'; readonly id: string; readonly ts: string; readonly c: ErrorClassId; readonly s: string; readonly f?: RemedyFacts | undefined }
  | { readonly k: 'q'; readonly ok: number; readonly ig: number; readonly first: string; readonly last: string }
  | { readonly k: 's'; readonly n: number }
  | { readonly k: 'r' };

/** Adds a record to the tally (in place); entries older than `since` do not count. */
export function addRecordToTally(tally: Tally, record: FeedRecord, since: string): Tally {
  switch (record.k) {
    case 'e':
      if (record.ts < since) return tally;
      return addToTally(tally, { kind: 'error', classId: record.c, sample: record.s, facts: record.f }, { insertId: record.id, timestamp: record.ts });
    case 'q':
      if (record.last < since) return tally;
      return addQuietEntries(tally, record.ok, record.ig, record.first, record.last);
    case 's':
      return mergeSuppressed(tally, record.n);
    case 'r':
      return tally;
  }
}

/** Whether stream id `a` (`ms-seq`) comes after `b` in its stream. */
export function streamIdAfter(a: string, b: string): boolean {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs !== bMs ? aMs > bMs : aSeq > bSeq;
}
