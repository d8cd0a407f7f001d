import { analysisOf } from '../domain/rates/analysis-settings.js';
import { formatCount, formatMs, formatRate } from '../domain/rates/describe-verdict.js';
import { histogramQuantile } from '../domain/rates/latency-histogram.js';
import { failedShare, sumCounts, type HostCounts } from '../domain/rates/traffic-window.js';
import type { AppDeps, MigrationSettings } from './deps.js';

const RECENT_MS = 10 * 60_000;

/**
 * The last 10 minutes' rates by host, from Cloud Monitoring (the complete windows only), for
 * `/mesh status` and `/mesh errors`; a line saying why when there are none.
 */
export async function recentRates(deps: AppDeps, migration: MigrationSettings): Promise<string> {
  const analysis = analysisOf(migration);
  if (analysis.metrics === 'off') return 'Rates: analysis.metrics is off for this migration.';
  if (!deps.rates) return 'Rates: this meshbot process has no Cloud Monitoring client.';
  const endMs = Math.floor((deps.now().getTime() - analysis.metricsDelayMs) / analysis.windowMs) * analysis.windowMs;
  const startMs = endMs - Math.ceil(RECENT_MS / analysis.windowMs) * analysis.windowMs;
  try {
    const windows = await deps.rates.windows({ callerNamespace: analysis.callerNamespace, fromService: analysis.fromService, toService: analysis.toService, startMs, endMs, windowMs: analysis.windowMs });
    const line = (name: string, counts: HostCounts) => `• ${name}: ${formatRate(failedShare(counts))} failed of ${formatCount(counts.requests)} requests, p99 ${formatMs(histogramQuantile(counts.latency, 0.99))}`;
    const span = `${new Date(startMs).toISOString().slice(11, 16)}–${new Date(endMs).toISOString().slice(11, 16)} UTC`;
    return [`Rates, last 10 min with complete data (${span}, Cloud Monitoring):`, line(`new ${analysis.toService}`, sumCounts(windows.map((w) => w.to))), line(`old ${analysis.fromService}`, sumCounts(windows.map((w) => w.from)))].join('\n');
  } catch (error) {
    return `Rates: ${(error as Error).message}.`;
  }
}
