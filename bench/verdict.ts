/**
 * `npm run bench:verdict`: meshbot's rate verdict (judgeRates, looked at as the bake looks at
 * it) against Flagger's analysis and today's error-count rule, on the same seeded simulated
 * 1-minute windows: false rollbacks at equal rates, missed regressions and minutes to verdict,
 * low traffic, a latency regression. Progress goes to stderr, one JSON document to stdout.
 */
import type { RateRules } from '../src/domain/rates/judge-rates.js';
import { histogramQuantile } from '../src/domain/rates/latency-histogram.js';
import { COUNT_DEFAULTS, FLAGGER_DEFAULTS } from './peer-rules.js';
import { machine, percentile } from './stats.js';
import { BAKE_WINDOWS, MAX_BAKE_WINDOWS, RULE_NAMES, runBakes, type RuleName, type Tally } from './verdict-bake.js';
import { bucketShares, ISTIO_BOUNDS, type HostProfile } from './verdict-model.js';
import { NOTES } from './verdict-notes.js';

const SEED = Number(process.env.BENCH_SEED ?? 20261201);
const BAKES = Number(process.env.BENCH_BAKES ?? 1000);
const RULES: RateRules = { errorRate: 0.02, minRequests: 100, latencyP99Ratio: 1.5, latencyFloorMs: 25 };
const BASE_RATE = 0.001;

type Family = 'equal' | 'regression' | 'low-traffic' | 'latency';

interface Scenario {
  readonly family: Family;
  readonly name: string;
  readonly to: HostProfile;
  readonly from: HostProfile;
}

const host = (requestsPerMinute: number, failedShare: number, p99Ms = 150): HostProfile => ({ requestsPerMinute, failedShare, p50Ms: 40, p99Ms });
/** The new host gets R requests a minute, the old one 3R (a 25 % step). */
const step = (family: Family, name: string, r: number, toShare: number, toP99Ms = 150): Scenario => ({ family, name, to: host(r, toShare, toP99Ms), from: host(3 * r, BASE_RATE) });

const SCENARIOS: readonly Scenario[] = [
  ...[100, 1000, 10_000].map((r) => step('equal', `equal-R${r}`, r, BASE_RATE)),
  ...[2, 5, 20].flatMap((factor) => [100, 1000, 10_000].map((r) => step('regression', `regression-${factor}x-R${r}`, r, factor * BASE_RATE))),
  step('low-traffic', 'low-traffic-R3', 3, BASE_RATE),
  step('latency', 'latency-p99+80%-R1000', 1000, BASE_RATE, 270),
];

const per1000 = (n: number, bakes: number) => Math.round((n * 10_000) / bakes) / 10;
const minutes = (w: readonly number[]) => (w.length > 0 ? { median: percentile(w, 50), p90: percentile(w, 90) } : null);

function figures(family: Family, rule: RuleName, t: Tally, bakes: number): Record<string, unknown> {
  const rollbacks = per1000(t.rollbacks, bakes);
  const shared = family === 'equal' ? { falseRollbacksPer1000: rollbacks } : family === 'low-traffic' ? { rollbacksPer1000: rollbacks } : { missedRegressionsPer1000: per1000(bakes - t.rollbacks, bakes), minutesToVerdict: minutes(t.rollbackWindows) };
  if (rule !== 'meshbot') return { ...shared, promotedPer1000: per1000(t.healthy, bakes) };
  return { ...shared, healthyPer1000: per1000(t.healthy, bakes), inconclusivePer1000: per1000(t.inconclusive, bakes), extendedPer1000: per1000(t.extended, bakes), rollbacksByRule: t.byRule };
}

const latencyMs = (h: HostProfile) => ({ p50: h.p50Ms, p99: h.p99Ms, p99AsBucketed: Math.round(histogramQuantile({ bounds: ISTIO_BOUNDS, counts: bucketShares(h.p50Ms, h.p99Ms) }, 0.99) ?? 0) });

/** Bake counts summed over a family's scenarios: how many bakes, and how many `pick` counts per rule. */
function sumOver(runs: readonly Run[], family: Family, pick: (t: Tally, bakes: number) => number): Record<RuleName | 'bakes', number> {
  const of = runs.filter((r) => r.scenario.family === family);
  const total = (f: (r: Run) => number) => of.reduce((sum, r) => sum + f(r), 0);
  return { bakes: total((r) => r.bakes), meshbot: total((r) => pick(r.tallies.meshbot, r.bakes)), flagger: total((r) => pick(r.tallies.flagger, r.bakes)), countRule: total((r) => pick(r.tallies.countRule, r.bakes)) };
}

interface Run {
  readonly scenario: Scenario;
  readonly bakes: number;
  readonly tallies: Record<RuleName, Tally>;
  readonly durationMs: number;
}

function main(): void {
  const started = performance.now();
  const runs: Run[] = SCENARIOS.map((scenario, index) => {
    const t0 = performance.now();
    process.stderr.write(`bench:verdict: ${scenario.name} × ${BAKES}…`);
    const tallies = runBakes({ seed: SEED, scenarioIndex: index, bakes: BAKES, to: scenario.to, from: scenario.from, rules: RULES });
    const durationMs = Math.round(performance.now() - t0);
    process.stderr.write(` ${durationMs} ms\n`);
    return { scenario, bakes: BAKES, tallies, durationMs };
  });
  const scenarios: Record<string, unknown[]> = { equal: [], regression: [], 'low-traffic': [], latency: [] };
  for (const { scenario, bakes, tallies, durationMs } of runs) {
    const rules = Object.fromEntries(RULE_NAMES.map((rule) => [rule, figures(scenario.family, rule, tallies[rule], bakes)]));
    scenarios[scenario.family]?.push({ name: scenario.name, requestsPerMinute: { to: scenario.to.requestsPerMinute, from: scenario.from.requestsPerMinute }, failedShare: { to: scenario.to.failedShare, from: scenario.from.failedShare }, latencyMs: { to: latencyMs(scenario.to), from: latencyMs(scenario.from) }, bakes, ...rules, durationMs });
  }
  const falseRollbacks = sumOver(runs, 'equal', (t) => t.rollbacks);
  const missedRegressions = sumOver(runs, 'regression', (t, bakes) => bakes - t.rollbacks);
  const missedLatencyRegressions = sumOver(runs, 'latency', (t, bakes) => bakes - t.rollbacks);
  const busyCaught = runs.filter((r) => r.scenario.family === 'regression' && r.scenario.to.requestsPerMinute >= 1000 && r.tallies.meshbot.rollbacks > 0);
  const medianMinutesToVerdict = Object.fromEntries(busyCaught.map((r) => [r.scenario.name, percentile(r.tallies.meshbot.rollbackWindows, 50)]));
  const pooled = busyCaught.flatMap((r) => r.tallies.meshbot.rollbackWindows);
  const lowTraffic = runs.filter((r) => r.scenario.family === 'low-traffic');
  const fewer = (totals: Record<RuleName, number>) => totals.meshbot < totals.flagger && totals.meshbot < totals.countRule;
  const result = {
    seed: SEED,
    bakes: BAKES,
    durationMs: Math.round(performance.now() - started),
    rules: {
      meshbot: { ...RULES, bakeMinutes: BAKE_WINDOWS, maxBakeMinutes: MAX_BAKE_WINDOWS },
      flagger: { ...FLAGGER_DEFAULTS, intervalMinutes: 1 },
      countRule: { ...COUNT_DEFAULTS },
    },
    scenarios,
    summary: {
      falseRollbacks,
      missedRegressions,
      missedLatencyRegressions,
      meshbotMedianMinutesToVerdictAtR1000Plus: { byScenario: medianMinutesToVerdict, pooled: pooled.length > 0 ? percentile(pooled, 50) : null },
      goal: {
        fewerFalseRollbacksThanBoth: fewer(falseRollbacks),
        fewerMissedRegressionsThanBoth: fewer(missedRegressions),
        verdictWithinTwoWindows: busyCaught.length > 0 && Object.values(medianMinutesToVerdict).every((m) => m <= 2),
        lowTrafficNeverHealthy: lowTraffic.every((r) => r.tallies.meshbot.healthy === 0),
      },
    },
    notes: NOTES,
    machine: machine(),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
