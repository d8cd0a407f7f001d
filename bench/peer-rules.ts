/**
 * The peers' decision rules that `npm run bench:verdict` holds meshbot's judgeRates against,
 * as small pure functions over the same 1-minute windows.
 */
import { histogramQuantile } from '../src/domain/rates/latency-histogram.js';
import type { TrafficWindow } from '../src/domain/rates/traffic-window.js';

/** How a rule ended a bake, and after how many complete windows it knew. */
export interface PeerVerdict {
  readonly outcome: 'rollback' | 'promote';
  readonly windows: number;
}

export interface FlaggerAnalysis {
  /** Passed checks needed to promote (`analysis.iterations`). */
  readonly iterations: number;
  /** Failed checks that roll back (`analysis.threshold`). */
  readonly threshold: number;
  /** Builtin `request-success-rate`: thresholdRange.min, in percent. */
  readonly minSuccessPercent: number;
  /** Builtin `request-duration` (p99): thresholdRange.max, in ms. */
  readonly maxP99Ms: number;
}

export const FLAGGER_DEFAULTS: FlaggerAnalysis = { iterations: 10, threshold: 5, minSuccessPercent: 99, maxP99Ms: 500 };

export type FlaggerCheck = 'passed' | 'no-data' | 'success-rate' | 'request-duration';

/** One Flagger analysis tick over one window of the new host: no requests is "no values found", a failed check. */
export function flaggerCheck(window: TrafficWindow, analysis: FlaggerAnalysis = FLAGGER_DEFAULTS): FlaggerCheck {
  const { requests, failed } = window.to;
  if (requests <= 0) return 'no-data';
  if (((requests - failed) * 100) / requests < analysis.minSuccessPercent) return 'success-rate';
  const p99 = histogramQuantile(window.to.latency, 0.99);
  if (p99 === undefined) return 'no-data';
  return p99 > analysis.maxP99Ms ? 'request-duration' : 'passed';
}

/**
 * Flagger's analysis loop (fluxcd/flagger pkg/controller/scheduler.go): a failed check adds to
 * `failedChecks` (passes never reset it) and does not advance the iteration; rollback once
 * failedChecks reaches the threshold; promotion after `iterations` passed checks. `windows` is
 * the tick of the deciding check (Flagger's controller acts on it at its next tick).
 */
export function flaggerVerdict(windows: readonly TrafficWindow[], analysis: FlaggerAnalysis = FLAGGER_DEFAULTS): PeerVerdict {
  let passed = 0;
  let failed = 0;
  for (let i = 0; i < windows.length; i++) {
    const window = windows[i];
    if (!window) break;
    if (flaggerCheck(window, analysis) === 'passed') passed++;
    else failed++;
    if (failed >= analysis.threshold) return { outcome: 'rollback', windows: i + 1 };
    if (passed >= analysis.iterations) return { outcome: 'promote', windows: i + 1 };
  }
  throw new Error(`flaggerVerdict: ${windows.length} windows end the series before the analysis ends (needs up to ${analysis.iterations + analysis.threshold - 1})`);
}

export interface CountRule {
  /** Error log lines over the bake that roll back (`rollbackOn.errors`). */
  readonly errors: number;
  /** Windows in the bake. */
  readonly bakeWindows: number;
}

export const COUNT_DEFAULTS: CountRule = { errors: 20, bakeWindows: 10 };

/**
 * Today's count rule: every failed request of either host is one classified error log line (the
 * migration's log filter covers both hosts; successes are not logged); rollback in the window
 * the count reaches the limit, healthy (promote) at the end of the bake otherwise.
 */
export function countRuleVerdict(windows: readonly TrafficWindow[], rule: CountRule = COUNT_DEFAULTS): PeerVerdict {
  if (windows.length < rule.bakeWindows) throw new Error(`countRuleVerdict: ${windows.length} windows, the bake has ${rule.bakeWindows}`);
  let errors = 0;
  for (let i = 0; i < rule.bakeWindows; i++) {
    const window = windows[i];
    errors += (window?.to.failed ?? 0) + (window?.from.failed ?? 0);
    if (errors >= rule.errors) return { outcome: 'rollback', windows: i + 1 };
  }
  return { outcome: 'promote', windows: rule.bakeWindows };
}
