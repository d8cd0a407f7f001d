import { minDifference, type RateVerdict, type RuleFinding } from './judge-rates.js';

/** The two hosts as the thread names them. */
export interface HostNames {
  readonly from: string;
  readonly to: string;
}

/** `0.05%`, `3%`, `12.35%`; `–` without requests. */
export function formatRate(rate: number | undefined): string {
  if (rate === undefined) return '–';
  const percent = rate * 100;
  if (percent > 0 && percent < 0.001) return '< 0.001%';
  return `${Number(percent.toFixed(percent < 0.1 && percent > 0 ? 3 : 2))}%`;
}

export function formatMs(ms: number | undefined): string {
  return ms === undefined ? '–' : `${Math.round(ms)} ms`;
}

export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** One sentence per breached rule: what the new host did, against what. Example: `cr-gcpbackend.com failed 3% of 4,000 requests, above the limit of 2% (rollbackOn.errorRate)`. */
export function breachReasons(verdict: RateVerdict, hosts: HostNames): string[] {
  return verdict.breaches.map((finding) => findingText(finding, verdict, hosts));
}

/** Why an inconclusive verdict is one, in words. */
export function doubtReasons(verdict: RateVerdict, hosts: HostNames): string[] {
  return verdict.doubts.map((doubt) => {
    if (doubt.kind === 'too-few-requests') return `only ${formatCount(doubt.requests)} ${doubt.requests === 1 ? 'request' : 'requests'} reached ${hosts.to} (${formatCount(doubt.needed)} needed, rollbackOn.minRequests): not enough evidence either way`;
    if (doubt.kind === 'limit-not-shown') return `${formatCount(doubt.requests)} requests to ${hosts.to} with ${formatCount(doubt.failed)} failed cannot show its failed share is under ${formatRate(verdict.rules.errorRate)} (rollbackOn.errorRate): not enough evidence to call it healthy`;
    return `${hosts.to} looks worse (${doubt.rules.map((rule) => RULE_NAMES[rule]).join(', ')}) but not by enough evidence to roll back`;
  });
}

const RULE_NAMES: Record<RuleFinding['rule'], string> = { 'error-rate': 'failed share above the limit', 'worse-than-old': `more failures than the old host`, latency: 'p99 latency' };

function findingText(finding: RuleFinding, verdict: RateVerdict, hosts: HostNames): string {
  const { to, from, rules } = verdict;
  switch (finding.rule) {
    case 'error-rate':
      return `${hosts.to} failed ${formatRate(to.rate)} of ${formatCount(to.requests)} requests (${formatCount(to.failed)}), above the limit of ${formatRate(rules.errorRate)} (rollbackOn.errorRate)`;
    case 'worse-than-old':
      return `${hosts.to} failed ${formatRate(to.rate)} against ${formatRate(from.rate)} for ${hosts.from} in the same windows: ${formatPoints((to.rate ?? 0) - (from.rate ?? 0))} worse, where ${formatPoints(minDifference(rules))} is what matters (chance p ${formatP(finding.pValue)})`;
    case 'latency':
      return `latency: ${hosts.to} p99 ${formatMs(to.p99Ms)} against ${formatMs(from.p99Ms)} for ${hosts.from}, above ${rules.latencyP99Ratio} × (rollbackOn.latencyP99Ratio) and ${rules.latencyFloorMs} ms more (p ${formatP(finding.pValue)})`;
  }
}

/** A difference of shares in percentage points: `2.9 points`. */
function formatPoints(difference: number): string {
  return `${formatRate(difference).replace('%', '')} points`;
}

function formatP(p: number | undefined): string {
  if (p === undefined) return '–';
  return p < 1e-6 ? '< 0.000001' : `= ${Number(p.toPrecision(2))}`;
}

const BARS = '▁▂▃▄▅▆▇█';

/** The new host's failed share per window as a text sparkline, scaled to the larger of the limit and the worst window. `·` for a window without requests. */
export function rateSparkline(verdict: RateVerdict): string {
  const top = Math.max(verdict.rules.errorRate, ...verdict.windows.map((w) => w.to.rate ?? 0));
  return verdict.windows.map((w) => (w.to.rate === undefined ? '·' : (BARS[Math.min(BARS.length - 1, Math.floor((w.to.rate / top) * (BARS.length - 1)))] ?? '▁'))).join('');
}
