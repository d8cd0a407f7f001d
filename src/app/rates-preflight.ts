import type { PreflightCheck } from '../domain/operation/operation.js';
import { analysisOf, type Analysis } from '../domain/rates/analysis-settings.js';
import type { RateSource } from '../metrics/rate-source.js';
import type { AppDeps, MigrationSettings } from './deps.js';

const DISCOVERY_MS = 30 * 60_000;

/** The destination_service_name values the migration's callers sent to in the last 30 minutes. */
export function recentDestinations(rates: RateSource, analysis: Analysis, nowMs: number): Promise<string[]> {
  return rates.destinations(analysis.callerNamespace, nowMs - DISCOVERY_MS, nowMs);
}

/**
 * What Cloud Monitoring knows of the migration's callers (series headers of the last 30
 * minutes): which destination_service_name values they send to, whether the old host is among
 * them (the baseline), and a warning, not a failure, when the new host has none yet.
 */
export async function ratesPreflight(deps: AppDeps, migration: MigrationSettings): Promise<PreflightCheck[]> {
  const analysis = analysisOf(migration);
  const label = 'Cloud Monitoring rates';
  if (analysis.metrics === 'off') return [{ label, ok: true, detail: 'analysis.metrics is off: bakes are judged on Envoy logs alone' }];
  if (!deps.rates) return [{ label, ok: true, warning: true, detail: 'this worker has no Cloud Monitoring client: bakes are judged on Envoy logs alone' }];
  let seen: string[];
  try {
    seen = await recentDestinations(deps.rates, analysis, deps.now().getTime());
  } catch (error) {
    return [{ label, ok: false, warning: true, detail: `${(error as Error).message}; unless it answers, the bake is judged on Envoy logs alone` }];
  }
  const sendsTo = seen.length > 0 ? seen.join(', ') : 'nothing';
  return [
    { label: `Callers in ${analysis.callerNamespace} send to (last 30 min)`, ok: true, detail: sendsTo },
    seen.includes(analysis.fromService)
      ? { label: `${analysis.fromService} has series (the baseline)`, ok: true }
      : { label: `${analysis.fromService} has no series`, ok: false, warning: true, detail: 'the bake cannot compare against the old host; if it reports under another destination_service_name, set analysis.fromService' },
    seen.includes(analysis.toService)
      ? { label: `${analysis.toService} has series`, ok: true }
      : { label: `${analysis.toService} has no series yet`, ok: false, warning: true, detail: 'expected while its weight is 0; a bake whose new host never shows a series ends inconclusive (analysis.toService names it)' },
  ];
}
