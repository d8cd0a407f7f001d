import type { RateRules } from './judge-rates.js';

/** A migration's `analysis` keys, as written (each may be left out). */
export interface AnalysisKeys {
  /** `auto`: judge on Cloud Monitoring rates when it answers; `off`: logs alone. */
  readonly metrics?: 'auto' | 'off' | undefined;
  /** How long after a window ends its data is taken as complete (Cloud Monitoring: up to 180 s). */
  readonly metricsDelayMs?: number | undefined;
  /** How long an inconclusive bake may extend to (default 3 × bake). */
  readonly maxBakeMs?: number | undefined;
  /** The `destination_service_name` of each host (default: the host). */
  readonly fromService?: string | undefined;
  readonly toService?: string | undefined;
  /** The metrics window (alignment period); Cloud Monitoring takes 60 s at least. */
  readonly windowMs?: number | undefined;
  /** `source_workload_namespace` of the callers whose requests are judged (default: the migration's namespace). */
  readonly callerNamespace?: string | undefined;
}

/** The rate rules' keys of `rollbackOn`, as written: all but errorRate may be left out. */
export type RateRuleKeys = Pick<RateRules, 'errorRate'> & { readonly [K in Exclude<keyof RateRules, 'errorRate'>]?: RateRules[K] | undefined };

export interface Analysis {
  readonly metrics: 'auto' | 'off';
  readonly metricsDelayMs: number;
  readonly maxBakeMs: number;
  readonly fromService: string;
  readonly toService: string;
  readonly windowMs: number;
  readonly callerNamespace: string;
  readonly rules: RateRules;
}

export const DEFAULT_METRICS_DELAY_MS = 180_000;
export const DEFAULT_WINDOW_MS = 60_000;
export const DEFAULT_MIN_REQUESTS = 100;
export const DEFAULT_LATENCY_P99_RATIO = 1.5;
export const DEFAULT_LATENCY_FLOOR_MS = 25;
/** `rollbackOn.errors` when a bake is judged on logs alone and the key is unset. */
export const LOG_ONLY_ERRORS = 20;

/** Every analysis setting of a migration, defaults filled. */
export function analysisOf(m: { readonly namespace: string; readonly from: string; readonly to: string; readonly bakeMs: number; readonly analysis?: AnalysisKeys | undefined; readonly rollbackOn: RateRuleKeys }): Analysis {
  const a = m.analysis ?? {};
  return {
    metrics: a.metrics ?? 'auto',
    metricsDelayMs: a.metricsDelayMs ?? DEFAULT_METRICS_DELAY_MS,
    maxBakeMs: Math.max(a.maxBakeMs ?? 3 * m.bakeMs, m.bakeMs),
    fromService: a.fromService ?? m.from,
    toService: a.toService ?? m.to,
    windowMs: a.windowMs ?? DEFAULT_WINDOW_MS,
    callerNamespace: a.callerNamespace ?? m.namespace,
    rules: {
      errorRate: m.rollbackOn.errorRate,
      minRequests: m.rollbackOn.minRequests ?? DEFAULT_MIN_REQUESTS,
      latencyP99Ratio: m.rollbackOn.latencyP99Ratio ?? DEFAULT_LATENCY_P99_RATIO,
      latencyFloorMs: m.rollbackOn.latencyFloorMs ?? DEFAULT_LATENCY_FLOOR_MS,
    },
  };
}
