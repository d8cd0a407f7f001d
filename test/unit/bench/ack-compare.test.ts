import { describe, expect, it } from 'vitest';
import { ackNote, compareToBareBolt, flatKeys } from '../../../bench/ack-compare.js';

const times = (from: number, count = 100) => Array.from({ length: count }, (_, i) => from + i);

describe('meshbot against the bare Bolt app', () => {
  it('gives the percentiles of each over all rounds, their ratio, and the p99 ratio round by round', () => {
    const comparison = compareToBareBolt([times(1), times(101)], [times(1), times(1)]);
    expect(comparison).toEqual({
      meshbot_p50_ms: 100,
      meshbot_p99_ms: 198,
      bare_bolt_p50_ms: 50,
      bare_bolt_p99_ms: 99,
      p50_ratio_to_bare_bolt: 2,
      p99_ratio_to_bare_bolt: 2,
      p99_ratio_by_round: [1, 2.01],
    });
  });

  it('refuses rounds that do not pair up', () => {
    expect(() => compareToBareBolt([times(1)], [])).toThrow('need the same number of rounds (at least 1) of each, got 1 and 0');
    expect(() => compareToBareBolt([], [])).toThrow(/at least 1/);
  });

  it('names the keys by load shape', () => {
    const keys = flatKeys('paced', compareToBareBolt([times(1)], [times(1)]));
    expect(Object.keys(keys)).toContain('ack_paced_p99_ratio_to_bare_bolt');
    expect(Object.keys(keys)).toContain('ack_paced_bare_bolt_p99_ms');
    expect(keys.ack_paced_p99_ratio_by_round).toEqual([1]);
  });

  it('says the goal is met only when both shapes are within 1.5× at p99, and which one missed', () => {
    const even = compareToBareBolt([times(1)], [times(1)]);
    const slow = compareToBareBolt([times(1).map((t) => t * 2)], [times(1)]);
    expect(ackNote(even, even)).toMatch(/goal met$/);
    expect(ackNote(even, slow)).toMatch(/goal missed \(200\/s\)$/);
    expect(ackNote(slow, slow)).toMatch(/goal missed \(200 at once and 200\/s\)$/);
    expect(ackNote(slow, even)).toContain('200 at once: meshbot p99 198 ms, bare Bolt 99 ms, 2× (rounds 2–2×)');
  });
});
