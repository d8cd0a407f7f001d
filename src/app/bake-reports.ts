import type { Tally } from '../domain/logs/tally.js';
import type { Operation } from '../domain/operation/operation.js';
import { analysisOf } from '../domain/rates/analysis-settings.js';
import { doubtReasons, type HostNames } from '../domain/rates/describe-verdict.js';
import type { RateVerdict } from '../domain/rates/judge-rates.js';
import { breachMessage, healthyMessage, inconclusiveMessage, type BakeBasis, type BreachReport } from '../slack/blocks/bake-report.js';
import { rateSummary, type RateReport } from '../slack/blocks/rate-report.js';
import { spanText } from './bake-rates.js';
import { vsLabel, type AppDeps, type MigrationSettings } from './deps.js';
import { advanceRun, stopRun } from './run-plan.js';
import { postInThread } from './thread.js';

/** The rollback report, in the thread and the incident channel alike. */
export async function reportBreach(deps: AppDeps, migration: MigrationSettings, op: Operation, report: Omit<BreachReport, 'operation' | 'virtualService' | 'zeroTolerance' | 'logsProject'>): Promise<void> {
  const message = breachMessage({ zeroTolerance: migration.rollbackOn.classes, logsProject: deps.logs?.projectId, ...report, operation: op, virtualService: vsLabel(migration) });
  await deps.notifier.post({ channel: op.channel, threadTs: op.threadTs, ...message });
  if (migration.incidentChannel) await deps.notifier.post({ channel: migration.incidentChannel, ...message });
  await stopRun(deps, op, `the bake of ${op.percent}% breached: ${report.reasons.join('; ')}`);
}

export async function reportHealthy(deps: AppDeps, migration: MigrationSettings, op: Operation, tally: Tally, basis: BakeBasis): Promise<void> {
  await deps.notifier.post({ channel: op.channel, threadTs: op.threadTs, ...healthyMessage(op, tally, op.viaRun ? undefined : nextStep(migration, op), basis) });
  await advanceRun(deps, migration, op);
}

/** Inconclusive: never "Healthy", never advanced by itself; a run stops there, the next step is offered with the warning. */
export async function reportInconclusive(deps: AppDeps, migration: MigrationSettings, op: Operation, rates: RateReport): Promise<void> {
  const doubts = [...doubtReasons(rates.verdict, rates.hosts), ...missingSeries(op, rates)];
  await deps.notifier.post({ channel: op.channel, threadTs: op.threadTs, ...inconclusiveMessage(op, rates, doubts, nextStep(migration, op)) });
  await stopRun(deps, op, `the bake of ${op.percent}% was inconclusive: ${doubts.join('; ')}`);
}

/** The log watch never confirmed it read the bake from its start: no verdict on logs that were not read. */
export async function reportUnread(deps: AppDeps, op: Operation): Promise<void> {
  const why = `the log watch never confirmed it had read this bake's Envoy sidecar logs from its start (Cloud Logging reads throttled or failing)`;
  await postInThread(deps, op, `⚠️ Not called healthy: the ${op.percent}% step baked, but ${why}. Check \`/mesh errors\`; if the step looks fine, request the next one by hand.`);
  await stopRun(deps, op, `the bake of ${op.percent}% ended unread: ${why}`);
}

export async function reportExtension(deps: AppDeps, op: Operation, migration: MigrationSettings, verdict: RateVerdict, hosts: HostNames): Promise<void> {
  const why = doubtReasons(verdict, hosts).join('; ');
  await postInThread(deps, op, `⏳ Not enough evidence yet (${why}; ${rateSummary({ verdict, hosts })}): baking on until ${op.bake?.deadline.slice(11, 16)} UTC (analysis.maxBake), ${spanText(op, analysisOf(migration))}.`);
}

/** A new host that never showed a series: the values the callers did send to, and the key to set. */
function missingSeries(op: Operation, rates: RateReport): string[] {
  if (rates.verdict.to.requests > 0) return [];
  const seen = op.bake?.judging?.seen ?? [];
  return [`Cloud Monitoring has no series for ${rates.hosts.to}${seen.length > 0 ? `; the callers send to ${seen.join(', ')}` : ''}: set analysis.toService to the new host's destination_service_name`];
}

function nextStep(migration: MigrationSettings, op: Operation): number | undefined {
  const current = typeof op.percent === 'number' ? op.percent : 0;
  return op.kind === 'shift' ? migration.steps.find((step) => step > current) : undefined;
}
