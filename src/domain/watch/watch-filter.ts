import { migrationLogFilter } from '../logs/migration-filter.js';
import type { WatchSubject } from './watch-subject.js';

/** Cloud Logging refuses longer filters (cloud.google.com/logging/quotas). */
export const MAX_FILTER_CHARS = 20_000;

export interface WatchSessions {
  /** One filter per TailLogEntries session, each at most `maxChars` long. */
  readonly filters: readonly string[];
  /** Which subjects each filter covers (same order). */
  readonly covers: readonly (readonly string[])[];
  /** Subjects that fit in no session within the bound: not watched. */
  readonly unwatched: readonly string[];
}

/**
 * Splits the subjects into the fewest TailLogEntries filters that fit (packed in the order
 * given, oldest first, so a newcomer never pushes an older subject out), at most `maxSessions`.
 * Subjects without an extra filter share one clause per field, their hosts in one regular
 * expression; a subject with an extra filter keeps its own clause.
 */
export function watchSessions(subjects: readonly WatchSubject[], maxSessions: number, maxChars = MAX_FILTER_CHARS): WatchSessions {
  const groups: WatchSubject[][] = [];
  const unwatched: string[] = [];
  for (const subject of subjects) {
    const current = groups.at(-1);
    if (current && sessionFilter([...current, subject]).length <= maxChars) current.push(subject);
    else if (groups.length < maxSessions && sessionFilter([subject]).length <= maxChars) groups.push([subject]);
    else unwatched.push(subject.id);
  }
  return { filters: groups.map(sessionFilter), covers: groups.map((group) => group.map((s) => s.id)), unwatched };
}

/** The filter of one session: what any of the subjects' own filters (migrationLogFilter) selects. */
export function sessionFilter(subjects: readonly WatchSubject[]): string {
  const plain = subjects.filter((s) => !s.extra);
  const hosts = [...new Set(plain.flatMap((s) => [s.from, s.to]))].sort();
  const terms: string[] = [];
  if (hosts.length > 0) terms.push(...hostClauses(hosts), ...PROJECT_WIDE_CLAUSES);
  for (const s of subjects) if (s.extra) terms.push(`(${migrationLogFilter({ from: s.from, to: s.to, extra: s.extra })})`);
  return [...new Set(terms)].join(' OR ');
}

const PROJECT_WIDE_CLAUSES = [
  '(resource.type="cloud_run_revision" AND logName=~"envoy_sidecar_log$")',
  '(textPayload:"trafficdirector.googleapis.com" OR textPayload:"CERTIFICATE_VERIFY_FAILED" OR textPayload:"gRPC config for type.googleapis.com")',
];

/** `:` (contains, any case) and `=` (equals) of the per-migration filter, as one regex per field: (?i:…) is RE2 and JavaScript alike. */
function hostClauses(hosts: readonly string[]): string[] {
  const any = filterString(`(?i:${hosts.map(escapeRegex).join('|')})`);
  const exact = filterString(`^(${hosts.map(escapeRegex).join('|')})$`);
  return [
    `(resource.type="k8s_container" AND resource.labels.container_name="istio-proxy" AND (jsonPayload.upstream_cluster=~${any} OR jsonPayload.authority=~${exact}))`,
    `(logName=~"(server|client)-accesslog-stackdriver$" AND (labels.destination_service_host=~${exact} OR labels.upstream_cluster=~${any}))`,
  ];
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function filterString(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
