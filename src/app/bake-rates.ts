import type { BakeJudging, Operation } from '../domain/operation/operation.js';
import { analysisOf, LOG_ONLY_ERRORS, type Analysis } from '../domain/rates/analysis-settings.js';
import { completeWindows, judgedSpan } from '../domain/rates/bake-windows.js';
import { judgeRates, type RateVerdict } from '../domain/rates/judge-rates.js';
import type { RollbackOn } from '../domain/logs/tally.js';
import { clock } from '../slack/blocks/rate-report.js';
import type { AppDeps, MigrationSettings } from './deps.js';
import { recentDestinations } from './rates-preflight.js';


/** What the log watch rolls back on: zero-tolerance classes always; the count rule if set (always on logs alone); the log "rate" only on logs alone. */
export function logRules(migration: MigrationSettings, judging: BakeJudging): RollbackOn {
  const { errors, errorRate, classes } = migration.rollbackOn;
  return judging.mode === 'metrics' ? { errors, classes } : { errors: errors ?? LOG_ONLY_ERRORS, errorRate, classes };
}

/**
 * How a new bake is judged: on logs alone when the migration says `analysis.metrics: off` or the
 * worker has no Cloud Monitoring, or when Cloud Monitoring does not answer the discovery query
 * (which also tells which destinations the callers send to).
 */
export async function chooseJudging(deps: AppDeps, migration: MigrationSettings): Promise<BakeJudging> {
  const analysis = analysisOf(migration);
  if (analysis.metrics === 'off') return { mode: 'logs', why: 'analysis.metrics is off for this migration' };
  if (!deps.rates) return { mode: 'logs', why: 'this worker has no Cloud Monitoring client' };
  try {
    return { mode: 'metrics', seen: await recentDestinations(deps.rates, analysis, deps.now().getTime()) };
  } catch (error) {
    return { mode: 'logs', why: (error as Error).message };
  }
}

/** The thread's line on how the bake will be judged. */
export function judgingNotice(op: Operation, migration: MigrationSettings, judging: BakeJudging): string {
  const analysis = analysisOf(migration);
  if (judging.mode === 'logs') return `📜 This bake is judged on Envoy logs alone (${judging.why}): rollback at ${logRules(migration, judging).errors} counted errors or any ${migration.rollbackOn.classes.join(', ') || 'zero-tolerance class'}.`;
  const lines = [`📈 Judging ${analysis.toService} against ${analysis.fromService} on Cloud Monitoring rates: ${spanText(op, analysis)}. Log errors of zero-tolerance classes still roll back at once.`];
  if (judging.seen && !judging.seen.includes(analysis.toService)) lines.push(`⚠️ No series for ${analysis.toService} yet${judging.seen.length > 0 ? ` (the callers in ${analysis.callerNamespace} send to ${judging.seen.join(', ')})` : ''}; if the new host reports under another destination_service_name, set analysis.toService.`);
  return lines.join('\n');
}

/** `judging 10:41–10:44 once its metrics are in, at 10:47 UTC`, for the bake as recorded on the operation. */
export function spanText(op: Operation, analysis: Analysis): string {
  const span = judgedSpan(Date.parse(op.bake?.startedAt ?? ''), Date.parse(op.bake?.deadline ?? ''), analysis.windowMs, analysis.metricsDelayMs);
  return `judging ${clock(span.windows[0]?.startMs)}–${clock(span.windows.at(-1)?.endMs)} once its metrics are in, at ${clock(span.readyAtMs)} UTC`;
}

export interface RateLook {
  readonly verdict?: RateVerdict;
  /** When the next window's data is complete; absent once every window was judged. */
  readonly nextLookMs?: number;
}

/** A bake's view of Cloud Monitoring: the windows complete now, judged. Stateless, so any worker can take over. */
export class BakeRates {
  readonly analysis: Analysis;
  private judgedWindows = 0;

  constructor(
    private readonly deps: AppDeps,
    migration: MigrationSettings,
    private readonly startedAtMs: number,
  ) {
    this.analysis = analysisOf(migration);
  }

  async look(deadlineMs: number): Promise<RateLook> {
    const { windowMs, metricsDelayMs } = this.analysis;
    const span = judgedSpan(this.startedAtMs, deadlineMs, windowMs, metricsDelayMs);
    const done = completeWindows(span, this.deps.now().getTime(), metricsDelayMs);
    const next = span.windows[done.length];
    const nextLookMs = next ? next.endMs + metricsDelayMs : undefined;
    const last = done.at(-1);
    if (!last || done.length === this.judgedWindows) return nextLookMs === undefined ? {} : { nextLookMs };
    const windows = await (this.deps.rates as NonNullable<AppDeps['rates']>).windows({
      callerNamespace: this.analysis.callerNamespace,
      fromService: this.analysis.fromService,
      toService: this.analysis.toService,
      startMs: span.windows[0]?.startMs ?? last.startMs,
      endMs: last.endMs,
      windowMs,
    });
    this.judgedWindows = done.length;
    const verdict = judgeRates(windows, done.length === span.windows.length, this.analysis.rules);
    return nextLookMs === undefined ? { verdict } : { verdict, nextLookMs };
  }

  /** The deadline an inconclusive bake may extend to. */
  maxDeadlineMs(): number {
    return this.startedAtMs + this.analysis.maxBakeMs;
  }
}
