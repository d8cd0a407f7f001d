import { formatCount, formatMs, formatRate, rateSparkline, type HostNames } from '../../domain/rates/describe-verdict.js';
import type { HostSummary, RateVerdict } from '../../domain/rates/judge-rates.js';
import { codeBlock, type Block } from './block-kit.js';

/** A verdict and the names of its hosts: what every rate report is built from. */
export interface RateReport {
  readonly verdict: RateVerdict;
  readonly hosts: HostNames;
}

/**
 * Both hosts side by side, the limit, and the new host's rate minute by minute:
 *     host                    requests  failed   rate     p99
 *     new cr-gcpbackend.com     10,000       5  0.05%   80 ms  (limit 2%)
 */
export function rateTable(report: RateReport): Block {
  const { verdict, hosts } = report;
  const width = Math.max(hosts.to.length, hosts.from.length) + 4;
  const row = (label: string, h: HostSummary, note = '') =>
    `${label.padEnd(width)}${formatCount(h.requests).padStart(10)}${formatCount(h.failed).padStart(8)}${formatRate(h.rate).padStart(8)}${formatMs(h.p99Ms).padStart(9)}${note}`;
  const span = verdict.windows.length > 0 ? `${clock(verdict.windows[0]?.startMs)}–${clock(verdict.windows.at(-1)?.endMs)} UTC` : 'no windows';
  return codeBlock([
    `${'host'.padEnd(width)}${'requests'.padStart(10)}${'failed'.padStart(8)}${'rate'.padStart(8)}${'p99'.padStart(9)}`,
    row(`new ${hosts.to}`, verdict.to, `  (limit ${formatRate(verdict.rules.errorRate)}, p99 ≤ ${verdict.rules.latencyP99Ratio} × old or + ${verdict.rules.latencyFloorMs} ms)`),
    row(`old ${hosts.from}`, verdict.from),
    `new host's failed share by window: ${rateSparkline(verdict)}  (${span})`,
  ]);
}

/** `10:41`, or `10:41:05` when not on a minute, from epoch ms. */
export function clock(ms: number | undefined): string {
  if (ms === undefined) return '?';
  return new Date(ms).toISOString().slice(11, ms % 60_000 === 0 ? 16 : 19);
}

/** One line of totals, for message texts (notifications show no blocks). */
export function rateSummary(report: RateReport): string {
  const { verdict, hosts } = report;
  return `${hosts.to} failed ${formatRate(verdict.to.rate)} of ${formatCount(verdict.to.requests)} requests (p99 ${formatMs(verdict.to.p99Ms)}), ${hosts.from} ${formatRate(verdict.from.rate)} of ${formatCount(verdict.from.requests)} (p99 ${formatMs(verdict.from.p99Ms)})`;
}
