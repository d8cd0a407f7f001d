import { binomialAtLeast } from './binomial.js';
import { countAbove, histogramCount, histogramQuantile } from './latency-histogram.js';
import { failedShare, sumCounts, withoutCounts, type HostCounts, type TrafficWindow } from './traffic-window.js';

/** The migration's `rollbackOn` keys that judge rates. */
export interface RateRules {
  /** Largest failed share (0–1) the new host may have. */
  readonly errorRate: number;
  /** Requests to the new host needed before any rate verdict. */
  readonly minRequests: number;
  /** The new host's p99 may be at most this multiple of the old host's… */
  readonly latencyP99Ratio: number;
  /** …unless it is less than this many ms above it (2 ms against 5 ms is no regression). */
  readonly latencyFloorMs: number;
}

/**
 * One-sided p-value below which "worse" counts as shown, at every look of the bake. A bake looks
 * once per window, up to 30 times when extended: at 0.0002 per look the bench's equal-rate bakes
 * roll back about as rarely as Flagger's (0.13 per 1,000), where 0.001 rolled back four times as often.
 */
export const SIGNIFICANCE = 0.0002;
/** With any one window left out, the rest must still point the same way at this looser level: no single window carries a breach. */
export const LEFT_OUT_SIGNIFICANCE = 0.05;
/** Healthy needs the new host's failed share shown under the limit at this one-sided level (95 %). */
export const HEALTHY_CONFIDENCE = 0.05;
/** The smallest excess failed share over the old host that matters: a tenth of the limit (0.2 points at 2 %). */
export const minDifference = (rules: RateRules): number => Math.max(rules.errorRate / 10, 0.0005);

export type RateRuleId = 'error-rate' | 'worse-than-old' | 'latency';

/** What one rule found over the evidence. `beyond`: the point estimate is past the limit; `shown`: with enough evidence that it is not chance. */
export interface RuleFinding {
  readonly rule: RateRuleId;
  readonly beyond: boolean;
  readonly shown: boolean;
  /** One-sided p-value, for the rate rules. */
  readonly pValue?: number;
}

export interface HostSummary {
  readonly requests: number;
  readonly failed: number;
  readonly rate: number | undefined;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
}

export interface WindowRates {
  readonly startMs: number;
  readonly endMs: number;
  readonly to: HostSummary;
  readonly from: HostSummary;
}

export type RateStatus = 'breach' | 'healthy' | 'inconclusive' | 'pending';

export type Doubt =
  | { readonly kind: 'too-few-requests'; readonly requests: number; readonly needed: number }
  /** So few requests that even with these failures the share could still be above the limit. */
  | { readonly kind: 'limit-not-shown'; readonly requests: number; readonly failed: number }
  | { readonly kind: 'not-shown'; readonly rules: readonly RateRuleId[] };

/** The verdict on a bake's rates: a domain value the reports are built from. */
export interface RateVerdict {
  readonly status: RateStatus;
  /** Rules that breached (status breach). */
  readonly breaches: readonly RuleFinding[];
  /** Why the verdict is inconclusive (status inconclusive). */
  readonly doubts: readonly Doubt[];
  readonly to: HostSummary;
  readonly from: HostSummary;
  readonly windows: readonly WindowRates[];
  readonly rules: RateRules;
}

/**
 * Judges the new host (`to`) over complete metric windows, against the limit and against the
 * old host (`from`) in the same windows:
 * - breach: a rule's point estimate is past its limit, shown (p < SIGNIFICANCE) over the windows
 *   so far, and still past it (p < LEFT_OUT_SIGNIFICANCE) with any single window left out, so
 *   one noisy minute alone never rolls back and a breach needs two windows at least;
 * - healthy: only when `complete` (every window of the bake is in), with at least minRequests
 *   requests to the new host, its failed share shown under the limit (95 %), and every point
 *   estimate within its limit;
 * - inconclusive: complete, but too few requests, or worse than allowed without the evidence to show it;
 * - pending: not complete and no breach yet.
 * More failures never turn a breach into anything else; more traffic at the same rates never
 * turns healthy into breach (healthy and breach both require the scale-free point estimate).
 */
export function judgeRates(windows: readonly TrafficWindow[], complete: boolean, rules: RateRules): RateVerdict {
  const to = sumCounts(windows.map((w) => w.to));
  const from = sumCounts(windows.map((w) => w.from));
  const findings = applyRules(to, from, rules);
  const breaches = to.requests >= rules.minRequests ? findings.filter((f) => f.beyond && f.shown && holdsWithoutAnyWindow(windows, { to, from }, f.rule, rules)) : [];
  const base = { breaches, to: summarize(to), from: summarize(from), windows: windows.map(windowRates), rules };
  if (breaches.length > 0) return { ...base, status: 'breach', doubts: [] };
  if (!complete) return { ...base, status: 'pending', doubts: [] };
  const doubts: Doubt[] = [];
  if (to.requests < rules.minRequests) doubts.push({ kind: 'too-few-requests', requests: to.requests, needed: rules.minRequests });
  else if (!shownUnderLimit(to, rules)) doubts.push({ kind: 'limit-not-shown', requests: to.requests, failed: to.failed });
  const unshown = findings.filter((f) => f.beyond).map((f) => f.rule);
  if (unshown.length > 0) doubts.push({ kind: 'not-shown', rules: unshown });
  return { ...base, status: doubts.length > 0 ? 'inconclusive' : 'healthy', doubts };
}

function applyRules(to: HostCounts, from: HostCounts, rules: RateRules): RuleFinding[] {
  return [errorRateRule(to, rules), worseThanOldRule(to, from, rules), latencyRule(to, from, rules)].filter((f): f is RuleFinding => f !== undefined);
}

/** The failed share against the limit: P(at least this many failures | the share is the limit). */
function errorRateRule(to: HostCounts, rules: RateRules): RuleFinding | undefined {
  const rate = failedShare(to);
  if (rate === undefined) return undefined;
  const pValue = binomialAtLeast(to.failed, to.requests, rules.errorRate);
  return { rule: 'error-rate', beyond: rate > rules.errorRate, shown: pValue < SIGNIFICANCE, pValue };
}

/**
 * The new host against the old in the same windows: given all failures of both, under equal
 * rates each falls on the new host with its share of the requests (the exact conditional test
 * for two rates, sound for a handful of failures).
 */
function worseThanOldRule(to: HostCounts, from: HostCounts, rules: RateRules): RuleFinding | undefined {
  const toRate = failedShare(to);
  const fromRate = failedShare(from);
  if (toRate === undefined || fromRate === undefined) return undefined;
  const share = to.requests / (to.requests + from.requests);
  const pValue = binomialAtLeast(to.failed, to.failed + from.failed, share);
  return { rule: 'worse-than-old', beyond: toRate - fromRate >= minDifference(rules), shown: pValue < SIGNIFICANCE, pValue };
}

/** Would this few failures be unlikely (≤ 5 %) if the share were at the limit? Then it is shown under it. */
function shownUnderLimit(to: HostCounts, rules: RateRules): boolean {
  return 1 - binomialAtLeast(to.failed + 1, to.requests, rules.errorRate) <= HEALTHY_CONFIDENCE;
}

/**
 * p99 against the old host's: the new host's p99 is above the allowed one (old p99 × ratio, and
 * at least the floor above it), and its requests slower than that are more, for its share of
 * the requests, than the old host's in the same windows (the same exact test as for failures),
 * so that one or two slow requests among a hundred are no regression.
 */
function latencyRule(to: HostCounts, from: HostCounts, rules: RateRules): RuleFinding | undefined {
  const fromP99 = histogramQuantile(from.latency, 0.99);
  const toP99 = histogramQuantile(to.latency, 0.99);
  if (fromP99 === undefined || toP99 === undefined) return undefined;
  const allowed = Math.max(fromP99 * rules.latencyP99Ratio, fromP99 + rules.latencyFloorMs);
  const slowTo = countAbove(to.latency, allowed);
  const slowFrom = countAbove(from.latency, allowed);
  const share = histogramCount(to.latency) / (histogramCount(to.latency) + histogramCount(from.latency));
  const pValue = binomialAtLeast(slowTo, slowTo + slowFrom, share);
  return { rule: 'latency', beyond: toP99 > allowed, shown: pValue < SIGNIFICANCE && histogramCount(from.latency) >= rules.minRequests, pValue };
}

function holdsWithoutAnyWindow(windows: readonly TrafficWindow[], total: { to: HostCounts; from: HostCounts }, rule: RateRuleId, rules: RateRules): boolean {
  if (windows.length < 2) return false;
  return windows.every((left) => {
    const finding = applyRules(withoutCounts(total.to, left.to), withoutCounts(total.from, left.from), rules).find((f) => f.rule === rule);
    return finding !== undefined && finding.beyond && (finding.pValue === undefined || finding.pValue < LEFT_OUT_SIGNIFICANCE);
  });
}

function summarize(counts: HostCounts): HostSummary {
  return { requests: counts.requests, failed: counts.failed, rate: failedShare(counts), p50Ms: histogramQuantile(counts.latency, 0.5), p99Ms: histogramQuantile(counts.latency, 0.99) };
}

function windowRates(window: TrafficWindow): WindowRates {
  return { startMs: window.startMs, endMs: window.endMs, to: summarize(window.to), from: summarize(window.from) };
}
