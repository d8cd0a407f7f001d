import type { Entry, Logging } from '@google-cloud/logging';
import type { ClassifiableEntry } from '../domain/logs/log-entry.js';
import { entryTime, LogTail } from './log-tail.js';

export interface LogWatch {
  stop(): void;
  readonly resumePoint: Date | undefined;
}

export interface WatchHandlers {
  readonly onEntries: (entries: ClassifiableEntry[]) => void;
  readonly onSuppressed?: (count: number) => void;
  readonly onReconnect?: (attempt: number, reason: string) => void;
}

/** Where Envoy sidecar logs come from: a live watch for bakes, a query for reports. */
export interface LogSource {
  readonly projectId: string | undefined;
  watch(filter: string, since: Date, handlers: WatchHandlers): Promise<LogWatch>;
  list(filter: string, since: Date, limit: number): Promise<ClassifiableEntry[]>;
}

const RECONCILE_EVERY_MS = 15_000;
const LIST_PAGE = 1000;

/** Cloud Logging through the real client: TailLogEntries with backfill, ListLogEntries for reports. */
export class CloudLogSource implements LogSource {
  constructor(
    private readonly logging: Logging,
    readonly projectId: string | undefined,
    private readonly reconcileEveryMs = RECONCILE_EVERY_MS,
  ) {}

  async watch(filter: string, since: Date, handlers: WatchHandlers): Promise<LogWatch> {
    const tail = new LogTail(
      this.logging,
      { filter, since, reconcileEveryMs: this.reconcileEveryMs },
      {
        onEntries: (entries) => handlers.onEntries(entries.map(toClassifiable)),
        ...(handlers.onSuppressed ? { onSuppressed: handlers.onSuppressed } : {}),
        ...(handlers.onReconnect ? { onReconnect: handlers.onReconnect } : {}),
      },
    );
    await tail.start();
    return tail;
  }

  async list(filter: string, since: Date, limit: number): Promise<ClassifiableEntry[]> {
    const out: ClassifiableEntry[] = [];
    let query: Record<string, unknown> | null = { filter: `(${filter}) AND timestamp>="${since.toISOString()}"`, orderBy: 'timestamp desc', pageSize: Math.min(LIST_PAGE, limit), autoPaginate: false };
    while (query && out.length < limit) {
      const [entries, next] = (await this.logging.getEntries(query)) as unknown as [Entry[], Record<string, unknown> | null];
      out.push(...entries.map(toClassifiable));
      query = next && entries.length > 0 ? next : null;
    }
    return out.slice(0, limit);
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
