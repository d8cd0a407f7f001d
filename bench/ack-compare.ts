/**
 * meshbot's ack times beside a bare Bolt app's, measured in alternating rounds of one run: the
 * percentiles of each over all rounds, their ratio, and the p99 ratio round by round (the
 * spread says how much of a difference is the machine's noise).
 */
import { percentile, round } from './stats.js';

/** Ack round trips in ms, one array per round. */
export type Rounds = readonly (readonly number[])[];

export interface AckComparison {
  readonly meshbot_p50_ms: number;
  readonly meshbot_p99_ms: number;
  readonly bare_bolt_p50_ms: number;
  readonly bare_bolt_p99_ms: number;
  readonly p50_ratio_to_bare_bolt: number;
  readonly p99_ratio_to_bare_bolt: number;
  readonly p99_ratio_by_round: readonly number[];
}

/** The goal: meshbot's p99 ack at most this many times the bare app's, under the same load. */
export const ACK_RATIO_GOAL = 1.5;

export function compareToBareBolt(meshbot: Rounds, bareBolt: Rounds): AckComparison {
  if (meshbot.length !== bareBolt.length || meshbot.length === 0) throw new Error(`need the same number of rounds (at least 1) of each, got ${meshbot.length} and ${bareBolt.length}`);
  const mesh = meshbot.flat();
  const bare = bareBolt.flat();
  return {
    meshbot_p50_ms: percentile(mesh, 50),
    meshbot_p99_ms: percentile(mesh, 99),
    bare_bolt_p50_ms: percentile(bare, 50),
    bare_bolt_p99_ms: percentile(bare, 99),
    p50_ratio_to_bare_bolt: ratio(mesh, bare, 50),
    p99_ratio_to_bare_bolt: ratio(mesh, bare, 99),
    p99_ratio_by_round: meshbot.map((times, i) => ratio(times, bareBolt[i] ?? [], 99)),
  };
}

function ratio(meshbot: readonly number[], bareBolt: readonly number[], p: number): number {
  return round(percentile(meshbot, p) / percentile(bareBolt, p), 2);
}

/** The comparison as flat results.json keys: `ack_burst_meshbot_p99_ms`, `ack_burst_p99_ratio_to_bare_bolt`, … */
export function flatKeys(shape: 'burst' | 'paced', comparison: AckComparison): Record<string, number | readonly number[]> {
  return Object.fromEntries(Object.entries(comparison).map(([key, value]) => [`ack_${shape}_${key}`, value]));
}

/** One sentence for results.json: the ratios of both load shapes and whether the goal holds. */
export function ackNote(burst: AckComparison, paced: AckComparison): string {
  const held = (c: AckComparison) => c.p99_ratio_to_bare_bolt <= ACK_RATIO_GOAL;
  const shape = (name: string, c: AckComparison) =>
    `${name}: meshbot p99 ${c.meshbot_p99_ms} ms, bare Bolt ${c.bare_bolt_p99_ms} ms, ${c.p99_ratio_to_bare_bolt}× (rounds ${Math.min(...c.p99_ratio_by_round)}–${Math.max(...c.p99_ratio_by_round)}×)`;
  const verdict = held(burst) && held(paced) ? 'goal met' : `goal missed (${[held(burst) ? '' : '200 at once', held(paced) ? '' : '200/s'].filter(Boolean).join(' and ')})`;
  return `${shape('200 at once', burst)}; ${shape('200/s', paced)}; goal p99 ≤ ${ACK_RATIO_GOAL}× the bare app: ${verdict}`;
}
