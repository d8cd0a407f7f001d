/**
 * One scenario of `npm run bench:verdict`: seeded bakes, each judged by meshbot (judgeRates as
 * the bake calls it), Flagger's analysis and the count rule on the same windows.
 */
import { judgeRates, type RateRules } from '../src/domain/rates/judge-rates.js';
import type { TrafficWindow } from '../src/domain/rates/traffic-window.js';
import { seededRandom } from '../test/support/seeded-random.js';
import { countRuleVerdict, flaggerVerdict } from './peer-rules.js';
import { mixSeed, simulateWindows, type HostProfile } from './verdict-model.js';

export const BAKE_WINDOWS = 10;
export const MAX_BAKE_WINDOWS = 3 * BAKE_WINDOWS;

export type RuleName = 'meshbot' | 'flagger' | 'countRule';
export const RULE_NAMES: readonly RuleName[] = ['meshbot', 'flagger', 'countRule'];

type Outcome = 'rollback' | 'healthy' | 'inconclusive' | 'promote';

/** judgeRates after each newly complete window; complete at the bake's end and, if that was inconclusive, once more at maxBake. */
export function meshbotBake(windows: readonly TrafficWindow[], rules: RateRules): { outcome: Outcome; windows: number; extended: boolean; breached?: readonly string[] } {
  for (let n = 1; n <= MAX_BAKE_WINDOWS; n++) {
    const complete = n === BAKE_WINDOWS || n === MAX_BAKE_WINDOWS;
    const { status, breaches } = judgeRates(windows.slice(0, n), complete, rules);
    const extended = n > BAKE_WINDOWS;
    if (status === 'breach') return { outcome: 'rollback', windows: n, extended, breached: breaches.map((b) => b.rule) };
    if (status === 'healthy' && complete) return { outcome: 'healthy', windows: n, extended };
    if (n === MAX_BAKE_WINDOWS) return { outcome: 'inconclusive', windows: n, extended };
  }
  throw new Error('unreachable: the bake ends at maxBake');
}

/** How often a rule ended its bakes which way; rollbackWindows: minutes to each rollback. */
export interface Tally {
  rollbacks: number;
  rollbackWindows: number[];
  /** healthy (meshbot) or promoted (peers). */
  healthy: number;
  inconclusive: number;
  /** meshbot only: inconclusive at the bake's end, so extended to maxBake. */
  extended: number;
  /** meshbot only: rollbacks by the rule(s) that breached, e.g. `latency` or `error-rate+worse-than-old`. */
  byRule: Record<string, number>;
}

const tally = (): Tally => ({ rollbacks: 0, rollbackWindows: [], healthy: 0, inconclusive: 0, extended: 0, byRule: {} });

function count(t: Tally, outcome: Outcome, windows: number): void {
  if (outcome === 'rollback') {
    t.rollbacks++;
    t.rollbackWindows.push(windows);
  } else if (outcome === 'inconclusive') t.inconclusive++;
  else t.healthy++;
}

export interface BakeSetup {
  readonly seed: number;
  /** Part of every bake's seed, so each scenario has streams of its own. */
  readonly scenarioIndex: number;
  readonly bakes: number;
  readonly to: HostProfile;
  readonly from: HostProfile;
  readonly rules: RateRules;
}

export function runBakes(setup: BakeSetup): Record<RuleName, Tally> {
  const tallies = { meshbot: tally(), flagger: tally(), countRule: tally() };
  for (let bake = 0; bake < setup.bakes; bake++) {
    const windows = simulateWindows(seededRandom(mixSeed(setup.seed, setup.scenarioIndex, bake)), setup.to, setup.from, MAX_BAKE_WINDOWS);
    const meshbot = meshbotBake(windows, setup.rules);
    count(tallies.meshbot, meshbot.outcome, meshbot.windows);
    if (meshbot.extended) tallies.meshbot.extended++;
    const rule = meshbot.breached?.join('+');
    if (rule) tallies.meshbot.byRule[rule] = (tallies.meshbot.byRule[rule] ?? 0) + 1;
    const flagger = flaggerVerdict(windows);
    count(tallies.flagger, flagger.outcome, flagger.windows);
    const counted = countRuleVerdict(windows);
    count(tallies.countRule, counted.outcome, counted.windows);
  }
  return tallies;
}
