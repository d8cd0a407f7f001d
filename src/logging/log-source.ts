import type { Entry, Logging } from '@google-cloud/logging';
import type { ClassifiableEntry } from '../domain/logs/log-entry.js';
import { LogsThrottledError, type ReadPriority, type TakeOptions } from '../store/read-quota.js';
import { entryTime } from './log-tail.js';

/** Envoy sidecar logs read on demand: reports (`/mesh errors`, troubleshoot). Bakes and the sentinel read the log watch's streams instead. */
export interface LogSource {
  readonly projectId: string | undefined;
  /** Newest first, with a report's share of the read budget; throws LogsThrottledError when it does not allow it now. */
  list(filter: string, since: Date, limit: number): Promise<ClassifiableEntry[]>;
}

/** The project's shared ListLogEntries budget, as a reader sees it. */
export interface ReadBudget {
  take(priority: ReadPriority, options?: TakeOptions): Promise<void>;
  throttled(): Promise<number>;
}

const LIST_PAGE = 1000;
const RESOURCE_EXHAUSTED = 8;
/** A person waiting on a report waits at most this long for a slot in the budget. */
const REPORT_MAX_WAIT_MS = 5000;

/** Cloud Logging's ListLogEntries through the real client, every page within the shared budget. */
export class CloudLogSource implements LogSource {
  constructor(
    private readonly logging: Logging,
    readonly projectId: string | undefined,
    private readonly budget?: ReadBudget,
  ) {}

  async list(filter: string, since: Date, limit: number): Promise<ClassifiableEntry[]> {
    const out: ClassifiableEntry[] = [];
    let query: Record<string, unknown> | null = { filter: `(${filter}) AND timestamp>="${since.toISOString()}"`, orderBy: 'timestamp desc', pageSize: Math.min(LIST_PAGE, limit), autoPaginate: false };
    while (query && out.length < limit) {
      const [entries, next] = await this.page(query);
      out.push(...entries.map(toClassifiable));
      query = next && entries.length > 0 ? next : null;
    }
    return out.slice(0, limit);
  }

  private async page(query: Record<string, unknown>): Promise<[Entry[], Record<string, unknown> | null]> {
    await this.budget?.take('report', { maxWaitMs: REPORT_MAX_WAIT_MS });
    try {
      return (await this.logging.getEntries(query)) as unknown as [Entry[], Record<string, unknown> | null];
    } catch (error) {
      if ((error as { code?: unknown }).code !== RESOURCE_EXHAUSTED || !this.budget) throw error;
      throw new LogsThrottledError(await this.budget.throttled(), true);
    }
  }
}

/** The client's Entry (metadata + data) as the classifier reads it. */
export function toClassifiable(entry: Entry): ClassifiableEntry {
  const meta = entry.metadata as Record<string, unknown>;
  const data = entry.data as unknown;
  return {
    insertId: String(meta.insertId ?? ''),
    timestamp: (entryTime(entry) ?? new Date(0)).toISOString(),
    severity: typeof meta.severity === 'string' ? meta.severity : undefined,
    logName: typeof meta.logName === 'string' ? meta.logName : undefined,
    resource: meta.resource as ClassifiableEntry['resource'],
    labels: meta.labels as ClassifiableEntry['labels'],
    httpRequest: meta.httpRequest as ClassifiableEntry['httpRequest'],
    ...(typeof data === 'string' ? { textPayload: data } : data && typeof data === 'object' ? { jsonPayload: data as Record<string, unknown> } : {}),
  };
}
