import { describe, expect, it } from 'vitest';
import { addQuietEntries, emptyTally, evaluateThresholds, type Tally } from '../../../../src/domain/logs/tally.js';
import { addRecordToTally, streamIdAfter, type FeedRecord } from '../../../../src/domain/watch/feed-record.js';

const SINCE = '2026-03-02T10:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(SINCE) + seconds * 1000).toISOString();
const error = (id: string, ts: string, c: Extract<FeedRecord, { k: 'e' }>['c'] = 'no-healthy-upstream', s = `frontend: 503 UH ${id}`): FeedRecord => ({ k: 'e', id, ts, c, s });
const tallyOf = (records: FeedRecord[], since = SINCE, tally: Tally = emptyTally()) => records.reduce((t, r) => addRecordToTally(t, r, since), tally);

describe('addRecordToTally', () => {
  it('adds error records one by one, by class, with samples and span', () => {
    const tally = tallyOf([error('a', at(5)), error('b', at(2), 'no-healthy-upstream', 'other line'), error('c', at(9), 'td-permission-denied', 'td'), error('d', at(7), 'downstream-closed', 'dc')]);
    expect(tally.entries).toBe(4);
    expect(tally.errors).toBe(3);
    expect(tally.requestErrors).toBe(2);
    expect(tally.uncountedErrors).toBe(1);
    expect(tally.byClass['no-healthy-upstream']).toEqual({ count: 2, samples: ['frontend: 503 UH a', 'other line'], firstTimestamp: at(2), lastTimestamp: at(5) });
    expect(tally.byClass['td-permission-denied']?.count).toBe(1);
    expect([tally.firstTimestamp, tally.lastTimestamp]).toEqual([at(2), at(9)]);
  });

  it('adds a quiet record as its successes and ignored entries over its span', () => {
    const tally = tallyOf([{ k: 'q', ok: 7, ig: 3, first: at(1), last: at(20) }, { k: 'q', ok: 2, ig: 0, first: at(4), last: at(30) }]);
    expect({ entries: tally.entries, successes: tally.successes, ignored: tally.ignored, errors: tally.errors }).toEqual({ entries: 12, successes: 9, ignored: 3, errors: 0 });
    expect([tally.firstTimestamp, tally.lastTimestamp]).toEqual([at(1), at(30)]);
  });

  it('counts quiet successes toward the error rate', () => {
    const tally = tallyOf([{ k: 'q', ok: 18, ig: 50, first: at(1), last: at(2) }, error('a', at(3)), error('b', at(4))]);
    expect(evaluateThresholds(tally, { errorRate: 0.1, classes: [] }).breach).toBe(true);
    expect(evaluateThresholds(tally, { errorRate: 0.11, classes: [] }).breach).toBe(false);
  });

  it('does not count an error logged before `since`, and counts one logged at it', () => {
    const tally = tallyOf([error('old', at(-0.001)), error('now', SINCE)]);
    expect(tally.errors).toBe(1);
    expect(tally.byClass['no-healthy-upstream']?.samples).toEqual(['frontend: 503 UH now']);
    expect(tally.firstTimestamp).toBe(SINCE);
    expect(tallyOf([error('old', at(-60))])).toEqual(emptyTally());
  });

  it('does not count a quiet record that ended before `since`, and counts one that ends at it', () => {
    expect(tallyOf([{ k: 'q', ok: 5, ig: 5, first: at(-30), last: at(-1) }])).toEqual(emptyTally());
    const tally = tallyOf([{ k: 'q', ok: 5, ig: 1, first: at(-30), last: SINCE }]);
    expect(tally.successes).toBe(5);
    expect(tally.lastTimestamp).toBe(SINCE);
  });

  it('merges suppression notices whatever `since` is, and ignores empty or nonsense counts', () => {
    const tally = tallyOf([{ k: 's', n: 40 }, { k: 's', n: 2.7 }, { k: 's', n: 0 }, { k: 's', n: -3 }, { k: 's', n: Number.NaN }, { k: 's', n: Number.POSITIVE_INFINITY }], '2099-01-01T00:00:00.000Z');
    expect({ suppressed: tally.suppressed, reports: tally.suppressionReports, entries: tally.entries }).toEqual({ suppressed: 42, reports: 2, entries: 0 });
  });

  it('leaves the tally as it was for the ready mark', () => {
    const tally = tallyOf([error('a', at(1))]);
    const before = structuredClone(tally);
    expect(addRecordToTally(tally, { k: 'r' }, SINCE)).toBe(tally);
    expect(tally).toEqual(before);
  });

  it('updates the tally in place and returns it', () => {
    const tally = emptyTally();
    expect(addRecordToTally(tally, error('a', at(1)), SINCE)).toBe(tally);
    expect(addRecordToTally(tally, { k: 'q', ok: 1, ig: 0, first: at(1), last: at(1) }, SINCE)).toBe(tally);
    expect(tally.entries).toBe(2);
  });
});

describe('addQuietEntries', () => {
  it('adds successes and ignored entries and widens the span at both ends', () => {
    const tally = addQuietEntries(emptyTally(), 3, 2, at(10), at(20));
    expect({ entries: tally.entries, successes: tally.successes, ignored: tally.ignored }).toEqual({ entries: 5, successes: 3, ignored: 2 });
    expect([tally.firstTimestamp, tally.lastTimestamp]).toEqual([at(10), at(20)]);
    addQuietEntries(tally, 1, 0, at(12), at(18)); // inside: the span stays
    expect([tally.firstTimestamp, tally.lastTimestamp]).toEqual([at(10), at(20)]);
    addQuietEntries(tally, 0, 1, at(5), at(25));
    expect([tally.firstTimestamp, tally.lastTimestamp]).toEqual([at(5), at(25)]);
    expect(tally.entries).toBe(7);
  });

  it('does nothing for zero entries, not even to the span', () => {
    const tally = addQuietEntries(emptyTally(), 0, 0, at(1), at(2));
    expect(tally).toEqual(emptyTally());
  });

  it('orders timestamps by time, not as text, when their fractions differ in length', () => {
    const tally = addQuietEntries(emptyTally(), 1, 0, '2026-03-02T10:00:05.5Z', '2026-03-02T10:00:05.5Z');
    addQuietEntries(tally, 1, 0, '2026-03-02T10:00:05Z', '2026-03-02T10:00:05.500000001Z');
    expect([tally.firstTimestamp, tally.lastTimestamp]).toEqual(['2026-03-02T10:00:05Z', '2026-03-02T10:00:05.500000001Z']);
  });

  it('does not take an empty timestamp as the span', () => {
    const tally = addQuietEntries(emptyTally(), 2, 0, '', '');
    expect(tally.successes).toBe(2);
    expect([tally.firstTimestamp, tally.lastTimestamp]).toEqual([undefined, undefined]);
  });
});

describe('streamIdAfter', () => {
  it('orders Redis stream ids by time, then sequence, as numbers', () => {
    expect(streamIdAfter('1700000000001-0', '1700000000000-9')).toBe(true);
    expect(streamIdAfter('1700000000000-10', '1700000000000-9')).toBe(true);
    expect(streamIdAfter('1700000000000-9', '1700000000000-10')).toBe(false);
    expect(streamIdAfter('10-0', '9-0')).toBe(true);
    expect(streamIdAfter('5-3', '5-3')).toBe(false);
    expect(streamIdAfter('5-1', '0-0')).toBe(true);
    expect(streamIdAfter('0-0', '5-1')).toBe(false);
  });
});
