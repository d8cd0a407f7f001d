import { describe, expect, it } from 'vitest';
import { classifyEntry, type Classification } from '../../../../src/domain/logs/classify.js';
import type { ClassifiableEntry } from '../../../../src/domain/logs/log-entry.js';
import { addToTally, DEFAULT_MIN_REQUESTS, emptyTally, evaluateThresholds, MAX_SAMPLES_PER_CLASS, MAX_SOURCES_PER_CLASS, mergeSuppressed, tallyNotes, type Tally } from '../../../../src/domain/logs/tally.js';
import { cloudRunSidecarAccessLog, csmTrafficLog, istioProxyAccessLog, tdPermissionDenied, xdsClosed13, xdsClosed14 } from '../../../harness/log-samples.js';
import { normalizeEntry, type LogEntryInput } from '../../../harness/logging/entries.js';

let sequence = 0;
const stored = (input: LogEntryInput): ClassifiableEntry => normalizeEntry(input, { now: () => new Date('2026-03-02T10:00:00Z'), nextInsertId: () => `id-${++sequence}` });

/** Classifies and adds each entry, as the bake watcher does. */
function tallyOf(inputs: LogEntryInput[], tally: Tally = emptyTally()): Tally {
  for (const input of inputs) {
    const entry = stored(input);
    addToTally(tally, classifyEntry(entry), entry);
  }
  return tally;
}
const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));
const ok = (n: number) => times(n, () => istioProxyAccessLog());
const failed = (n: number, flag = 'UH') => times(n, () => istioProxyAccessLog({ responseFlags: flag }));
const rollbackOn = (over: Partial<{ errors: number; errorRate: number; classes: string[] }> = {}) => ({ errors: 1000, errorRate: 1, classes: [], ...over });

describe('addToTally', () => {
  it('counts successes, errors by class, ignored entries', () => {
    const tally = tallyOf([...ok(5), ...failed(2, 'UH'), ...failed(1, 'UF,URX'), csmTrafficLog({ responseFlag: 'UT' }), cloudRunSidecarAccessLog(), tdPermissionDenied(), xdsClosed13()]);
    expect(tally.entries).toBe(12);
    expect(tally.successes).toBe(6);
    expect(tally.errors).toBe(5);
    expect(tally.requestErrors).toBe(4);
    expect(tally.ignored).toBe(1);
    expect(tally.byClass['no-healthy-upstream']?.count).toBe(2);
    expect(tally.byClass['upstream-connect-failure']?.count).toBe(1);
    expect(tally.byClass['upstream-timeout']?.count).toBe(1);
    expect(tally.byClass['td-permission-denied']?.count).toBe(1);
    expect(Object.keys(tally.byClass)).toHaveLength(4);
  });

  it('does not count a client going away (DC) toward the thresholds', () => {
    const tally = tallyOf([...ok(20), ...failed(30, 'DC')]);
    expect(tally.errors).toBe(0);
    expect(tally.uncountedErrors).toBe(30);
    expect(tally.byClass['downstream-closed']?.count).toBe(30);
    expect(evaluateThresholds(tally, { errors: 1, errorRate: 0.01, classes: [] })).toEqual({ breach: false });
    expect(tallyNotes(tally)).toContain('30 × downstream-closed not counted toward rollback');
  });

  it(`keeps at most ${MAX_SAMPLES_PER_CLASS} distinct samples per class, first seen first`, () => {
    const tally = tallyOf(times(10, (i) => istioProxyAccessLog({ responseFlags: 'UH', podName: `frontend-${i}` })));
    tallyOf(failed(3), tally); // same line thrice: one sample at most
    const samples = tally.byClass['no-healthy-upstream']!.samples;
    expect(samples).toHaveLength(MAX_SAMPLES_PER_CLASS);
    expect(samples[0]).toMatch(/^frontend-0: 503 UH/);
    expect(samples[2]).toMatch(/^frontend-2: 503 UH/);

    const repeated = tallyOf(failed(5, 'UF'));
    expect(repeated.byClass['upstream-connect-failure']!.samples).toHaveLength(1);
  });

  it('keeps the earliest and latest timestamps, whatever the arrival order and fraction length', () => {
    const tally = emptyTally();
    const error: Classification = { kind: 'error', classId: 'http-5xx', sample: '503' };
    const at = (timestamp: string, c: Classification = error): void => void addToTally(tally, c, { insertId: timestamp, timestamp });
    at('2026-03-02T10:00:05Z');
    at('2026-03-02T10:00:05.5Z');
    at('2026-03-02T10:00:04.999999999Z', { kind: 'success' });
    at('2026-03-02T10:00:05.000000001Z');
    at('2026-03-02T10:00:05.25Z');
    expect(tally.firstTimestamp).toBe('2026-03-02T10:00:04.999999999Z');
    expect(tally.lastTimestamp).toBe('2026-03-02T10:00:05.5Z');
    expect(tally.byClass['http-5xx']).toMatchObject({ count: 4, firstTimestamp: '2026-03-02T10:00:05Z', lastTimestamp: '2026-03-02T10:00:05.5Z' });
  });

  it(`keeps at most ${MAX_SOURCES_PER_CLASS} distinct remedy facts per class, and none for classes without them`, () => {
    const tally = tallyOf([...times(3, () => tdPermissionDenied({ service: 'ts-client', region: 'us-central1' })), ...times(9, (i) => tdPermissionDenied({ service: `svc-${i}` })), ...failed(2)]);
    const sources = tally.byClass['td-permission-denied']!.sources!;
    expect(sources).toHaveLength(MAX_SOURCES_PER_CLASS);
    expect(sources[0]).toEqual({ deniedProject: '123', service: 'ts-client', region: 'us-central1' });
    expect(sources[1]).toEqual({ deniedProject: '123', service: 'svc-0', region: 'us-central1' });
    expect(tally.byClass['no-healthy-upstream']).not.toHaveProperty('sources');
  });

  it('adds remedy facts to a tally stored before they were kept', () => {
    const old = JSON.parse('{"entries":1,"successes":0,"errors":1,"requestErrors":0,"uncountedErrors":0,"ignored":0,"suppressed":0,"suppressionReports":0,"firstTimestamp":"2026-03-02T10:00:00Z","lastTimestamp":"2026-03-02T10:00:00Z","byClass":{"td-permission-denied":{"count":1,"samples":["denied"],"firstTimestamp":"2026-03-02T10:00:00Z","lastTimestamp":"2026-03-02T10:00:00Z"}}}') as Tally;
    tallyOf([tdPermissionDenied({ service: 'ts-client', meshProjectNumber: '42' })], old);
    expect(old.byClass['td-permission-denied']).toMatchObject({ count: 2, sources: [{ deniedProject: '42', service: 'ts-client' }] });
  });

  it('stays JSON-serialisable', () => {
    const tally = tallyOf([...ok(2), ...failed(1)]);
    expect(JSON.parse(JSON.stringify(tally))).toMatchObject({ successes: 2, errors: 1, byClass: { 'no-healthy-upstream': { count: 1 } } });
  });
});

describe('evaluateThresholds', () => {
  it('breaches when counted errors reach `errors`, not before', () => {
    const below = tallyOf([...ok(100), ...failed(4), ...failed(3, 'DC')]);
    expect(evaluateThresholds(below, rollbackOn({ errors: 5 }))).toEqual({ breach: false });
    const at = tallyOf(failed(1, 'UT'), below);
    expect(evaluateThresholds(at, rollbackOn({ errors: 5 }))).toEqual({
      breach: true,
      reasons: ['5 counted errors reached the threshold of 5 (4 × no-healthy-upstream, 1 × upstream-timeout)'],
    });
  });

  it('counts control-plane errors toward `errors`', () => {
    const tally = tallyOf([tdPermissionDenied(), xdsClosed14(), xdsClosed13()]);
    expect(tally.errors).toBe(2);
    expect(evaluateThresholds(tally, rollbackOn({ errors: 2 }))).toMatchObject({ breach: true });
  });

  it('judges the error rate only once the minimum sample of requests was seen', () => {
    const few = tallyOf([...ok(17), ...failed(2)]); // 19 requests, 10.5 % failed
    expect(evaluateThresholds(few, rollbackOn({ errorRate: 0.05 }))).toEqual({ breach: false });
    expect(tallyNotes(few)).toContain(`only 19 requests seen (fewer than ${DEFAULT_MIN_REQUESTS}): the error rate was not judged`);
    const enough = tallyOf(ok(1), few); // 20 requests, 10 %
    expect(evaluateThresholds(enough, rollbackOn({ errorRate: 0.05 }))).toEqual({
      breach: true,
      reasons: ['error rate 10% (2 of 20 requests failed) reached the threshold of 5%'],
    });
    expect(evaluateThresholds(enough, rollbackOn({ errorRate: 0.1 }))).toMatchObject({ breach: true });
    expect(evaluateThresholds(enough, rollbackOn({ errorRate: 0.11 }))).toEqual({ breach: false });
  });

  it('takes the minimum sample as a parameter', () => {
    const tally = tallyOf([...ok(3), ...failed(1)]);
    expect(evaluateThresholds(tally, rollbackOn({ errorRate: 0.2 }))).toEqual({ breach: false });
    expect(evaluateThresholds(tally, rollbackOn({ errorRate: 0.2 }), 4)).toMatchObject({ breach: true });
  });

  it('leaves control-plane lines and uncounted classes out of the error rate', () => {
    const tally = tallyOf([...ok(20), tdPermissionDenied(), tdPermissionDenied(), ...failed(5, 'DC')]);
    expect(evaluateThresholds(tally, rollbackOn({ errorRate: 0.01 }))).toEqual({ breach: false });
  });

  it('breaches on one entry of a zero-tolerance class', () => {
    const tally = tallyOf([...ok(500), ...times(3, () => tdPermissionDenied()), ...failed(1, 'UF')]);
    expect(evaluateThresholds(tally, rollbackOn({ classes: ['td-permission-denied', 'xds-nack', 'not-a-class'] }))).toEqual({
      breach: true,
      reasons: ['3 × td-permission-denied (zero tolerance)'],
    });
    expect(evaluateThresholds(tally, rollbackOn({ classes: ['xds-nack'] }))).toEqual({ breach: false });
    // listing a class that does not count makes it count: the operator asked for it
    const dc = tallyOf(failed(1, 'DC'));
    expect(evaluateThresholds(dc, rollbackOn({ classes: ['downstream-closed'] }))).toMatchObject({ breach: true });
  });

  it('gives every reason that applies, zero tolerance first', () => {
    const tally = tallyOf([...ok(20), tdPermissionDenied(), ...failed(20, 'UF')]);
    const verdict = evaluateThresholds(tally, { errors: 10, errorRate: 0.02, classes: ['td-permission-denied'] });
    expect(verdict.breach && verdict.reasons).toEqual([
      '1 × td-permission-denied (zero tolerance)',
      '21 counted errors reached the threshold of 10 (20 × upstream-connect-failure, 1 × td-permission-denied)',
      'error rate 50% (20 of 40 requests failed) reached the threshold of 2%',
    ]);
  });

  it('does not breach on an empty window, and `errors: 0` means any counted error', () => {
    expect(evaluateThresholds(emptyTally(), { errors: 0, errorRate: 0, classes: ['td-permission-denied'] })).toEqual({ breach: false });
    expect(evaluateThresholds(tallyOf(failed(1)), rollbackOn({ errors: 0 }))).toMatchObject({ breach: true });
  });
});

describe('mergeSuppressed', () => {
  it('records dropped entries as a signal, not as errors', () => {
    const tally = tallyOf(ok(30));
    mergeSuppressed(tally, 120);
    mergeSuppressed(tally, 5);
    mergeSuppressed(tally, 0);
    mergeSuppressed(tally, -3);
    mergeSuppressed(tally, Number.NaN);
    expect(tally).toMatchObject({ suppressed: 125, suppressionReports: 2, errors: 0 });
    expect(evaluateThresholds(tally, { errors: 1, errorRate: 0, classes: [] })).toEqual({ breach: false });
    expect(tallyNotes(tally)).toEqual(['Cloud Logging dropped 125 entries before delivery (suppressionInfo): the counts are a lower bound']);
  });
});

describe('tallyNotes', () => {
  it('says nothing about a healthy, busy window', () => {
    expect(tallyNotes(tallyOf(ok(25)))).toEqual([]);
  });
});
