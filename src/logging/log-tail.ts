import { Entry, type Logging } from '@google-cloud/logging';
import type { ReadBudget } from './log-source.js';

export interface TailHandlers {
  /** New entries, de-duplicated by insertId, in arrival order. The stream is paused until a returned promise settles (backpressure). */
  readonly onEntries: (entries: Entry[]) => void | Promise<void>;
  /** Entries Cloud Logging dropped before they reached us (rate limit, not consumed). */
  readonly onSuppressed?: (count: number) => void;
  readonly onReconnect?: (attempt: number, error: string) => void;
}

export interface TailOptions {
  readonly filter: string;
  /** Resume point: backfill from here on the first connection (e.g. after a worker restart). */
  readonly since?: Date | undefined;
  /** Backfill through ListLogEntries when the stream has sent nothing for this long: covers a silently stalled stream. */
  readonly reconcileEveryMs?: number;
  readonly maxBackoffMs?: number;
  /** The project's shared ListLogEntries budget: every backfill page waits for a slot. */
  readonly reads?: ReadBudget | undefined;
  /** Whose share of the budget its reads use (default a bake's backfill). */
  readonly priority?: 'backfill' | 'sentinel' | undefined;
}

const RESOURCE_EXHAUSTED = 8;

const SEEN_LIMIT = 50_000;
const LATE_ARRIVAL_MARGIN_MS = 2 * 60_000;
const BACKFILL_PAGE = 1000;
/** 60 pages: the ListLogEntries quota of a minute (60 requests per project). */
const BACKFILL_MAX_ENTRIES = 60_000;

/**
 * A TailLogEntries stream that does not lose entries: when the stream ends or fails it
 * reconnects with backoff and backfills the gap with ListLogEntries from the last timestamp
 * seen, and entries seen twice (tail and backfill overlap) are passed on once.
 */
export class LogTail {
  private stream: TailStream | undefined;
  /** Set while the project id is looked up before a stream opens; a stop or a newer open clears it. */
  private opening: object | undefined;
  private readonly seen = new Set<string>();
  private lastTimestamp: Date | undefined;
  private failures = 0;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private readonly stopping = new AbortController();
  private lastDataAt = Date.now();
  private inFlight = 0;
  private backfilling: Promise<void> | undefined;
  private backfillAgainFrom: Date | undefined;

  constructor(
    private readonly logging: Logging,
    private readonly options: TailOptions,
    private readonly handlers: TailHandlers,
  ) {
    this.lastTimestamp = options.since;
  }

  /** Opens the stream, then backfills from the resume point (the two overlap; what is seen twice is passed on once). */
  async start(): Promise<void> {
    const from = this.lastTimestamp;
    this.open();
    if (from) await this.backfill(from);
    const every = this.options.reconcileEveryMs;
    // Checked often, acted on only after `every` of silence: a stall is noticed at most a second late.
    if (every) this.reconcileTimer = setInterval(() => void this.reconcileIfSilent(every), Math.min(every, 1000));
  }

  stop(): void {
    this.stopped = true;
    this.stopping.abort(new Error('tail stopped'));
    clearTimeout(this.reconnectTimer);
    clearInterval(this.reconcileTimer);
    this.closeStream();
  }

  /** Open, not reconnecting or backfilling, nothing being handed on: what was ingested until now has been delivered (but for Cloud Logging's own buffering). */
  get settled(): boolean {
    return this.stream !== undefined && !this.reconnectTimer && !this.backfilling && this.inFlight === 0;
  }

  /** The newest entry time seen: where a successor resumes. */
  get resumePoint(): Date | undefined {
    return this.lastTimestamp;
  }

  /**
   * TailLogEntries straight on the generated client's bidi stream, not through the handwritten
   * `tailEntries()`: that one adds two more object-mode stages (a Transform that builds every
   * Entry eagerly, and a pumpify), each buffering 16 responses while the stream is paused, which
   * is what a burst grew the heap by. Entries are built here, one response at a time.
   */
  private open(): void {
    if (this.stopped) return;
    const opening = {};
    this.opening = opening;
    void this.logging.auth.getProjectId().then(
      (projectId) => {
        if (this.stopped || this.opening !== opening) return;
        const stream = this.logging.loggingService.tailLogEntries() as unknown as TailStream;
        this.stream = stream;
        stream.on('data', (response: TailResponse) => this.onResponse(stream, response));
        stream.on('error', (error: Error) => this.reconnect(error.message));
        stream.on('end', () => this.reconnect('stream ended'));
        stream.write({ resourceNames: [`projects/${projectId}`], filter: this.options.filter });
      },
      (error: Error) => this.reconnect(`no project id: ${error.message}`),
    );
  }

  private onResponse(stream: TailStream, response: TailResponse): void {
    this.failures = 0;
    this.lastDataAt = Date.now();
    if (response.entries?.length) this.holdWhile(stream, this.deliver(response.entries.map((entry) => Entry.fromApiResponse_(entry))));
    const suppressed = (response.suppressionInfo ?? []).reduce((sum, s) => sum + Number(s.suppressedCount ?? 0), 0);
    if (suppressed > 0) this.handlers.onSuppressed?.(suppressed);
  }

  private reconnect(reason: string): void {
    if (this.stopped || this.reconnectTimer) return;
    this.closeStream();
    this.failures++;
    this.handlers.onReconnect?.(this.failures, reason);
    const delay = Math.min(this.options.maxBackoffMs ?? 10_000, 100 * 2 ** Math.min(this.failures - 1, 10)) * (0.5 + Math.random() / 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      const from = this.lastTimestamp;
      this.open();
      void this.backfill(from).catch((error: Error) => this.handlers.onReconnect?.(this.failures, `backfill failed: ${error.message}`));
    }, delay);
  }

  /** Pauses the stream while entries are being handed on, so a burst waits in Cloud Logging rather than in memory. */
  private holdWhile(stream: TailStream, delivering: Promise<void>): void {
    this.inFlight++;
    if (this.inFlight === 1) stream.pause();
    void delivering
      .catch((error: Error) => this.handlers.onReconnect?.(this.failures, `entries not handed on: ${error.message}`))
      .finally(() => {
        this.inFlight--;
        if (this.inFlight === 0 && this.stream === stream) stream.resume();
      });
  }

  private async reconcileIfSilent(everyMs: number): Promise<void> {
    if (Date.now() - this.lastDataAt < everyMs) return;
    this.lastDataAt = Date.now();
    await this.backfill().catch((error: Error) => this.handlers.onReconnect?.(this.failures, `reconciliation failed: ${error.message}`));
  }

  /** Backfill alone, without a stream: what was logged from `since` until now (a newcomer's history). */
  async backfillOnce(): Promise<void> {
    await this.backfill(this.lastTimestamp);
  }

  /**
   * Reads what the stream may have missed since `after` (the last entry seen). One backfill at a
   * time: asked again while one runs, it runs once more after it, from the earliest point asked
   * (so reconnections in a row do not spend the read quota on the same pages side by side).
   */
  private backfill(after: Date | undefined = this.lastTimestamp): Promise<void> {
    if (this.backfilling) {
      if (after && (!this.backfillAgainFrom || after < this.backfillAgainFrom)) this.backfillAgainFrom = after;
      return this.backfilling;
    }
    const run = async () => {
      for (let from = after; from && !this.stopped; from = this.takeBackfillAgainFrom()) await this.readSince(from);
    };
    this.backfilling = run().finally(() => (this.backfilling = undefined));
    return this.backfilling;
  }

  private takeBackfillAgainFrom(): Date | undefined {
    const from = this.backfillAgainFrom;
    this.backfillAgainFrom = undefined;
    return from;
  }

  /** ListLogEntries from `after` (less the late-arrival margin) to now, oldest first. */
  private async readSince(after: Date): Promise<void> {
    if (this.stopped) return;
    // Entries can arrive late, timestamped before the newest one seen: re-read a margin before it
    // (what was seen already is dropped by insertId).
    const from = new Date(after.getTime() - LATE_ARRIVAL_MARGIN_MS);
    const filter = `(${this.options.filter}) AND timestamp>="${from.toISOString()}"`;
    let query: Record<string, unknown> | null = { filter, orderBy: 'timestamp asc', pageSize: BACKFILL_PAGE, autoPaginate: false };
    let fetched = 0;
    while (query && fetched < BACKFILL_MAX_ENTRIES && !this.stopped) {
      const page = await this.readPage(query);
      if (!page) return;
      const [entries, next] = page;
      fetched += entries.length;
      await this.deliver(entries);
      query = next && entries.length > 0 ? next : null;
    }
  }

  /** One ListLogEntries page within the shared budget; a 429 pauses every reader and this page is asked again. Undefined once stopped. */
  private async readPage(query: Record<string, unknown>): Promise<[Entry[], Record<string, unknown> | null] | undefined> {
    for (;;) {
      if (this.stopped) return undefined;
      try {
        await this.options.reads?.take(this.options.priority ?? 'backfill', { signal: this.stopping.signal });
        return (await this.logging.getEntries(query)) as unknown as [Entry[], Record<string, unknown> | null];
      } catch (error) {
        if (this.stopped) return undefined;
        if ((error as { code?: unknown }).code !== RESOURCE_EXHAUSTED || !this.options.reads) throw error;
        const pausedMs = await this.options.reads.throttled();
        this.handlers.onReconnect?.(this.failures, `Cloud Logging throttled a backfill (429 RESOURCE_EXHAUSTED); reads paused ${pausedMs} ms`);
      }
    }
  }

  private async deliver(entries: Entry[]): Promise<void> {
    const fresh = entries.filter((entry) => this.firstTime(entry));
    if (fresh.length === 0) return;
    for (const entry of fresh) {
      const at = entryTime(entry);
      if (at && (!this.lastTimestamp || at > this.lastTimestamp)) this.lastTimestamp = at;
    }
    await this.handlers.onEntries(fresh);
  }

  private firstTime(entry: Entry): boolean {
    const id = entry.metadata.insertId;
    if (!id) return true;
    if (this.seen.has(id)) return false;
    if (this.seen.size >= SEEN_LIMIT) this.seen.delete(this.seen.values().next().value as string);
    this.seen.add(id);
    return true;
  }

  private closeStream(): void {
    this.opening = undefined;
    const stream = this.stream;
    this.stream = undefined;
    if (!stream) return;
    stream.removeAllListeners();
    stream.on('error', () => undefined);
    try {
      stream.cancel?.();
    } catch {
      // google-gax's StreamProxy throws when its call has already gone (it failed or ended): nothing is left to cancel.
    }
    stream.destroy?.();
  }
}

/** The generated client's TailLogEntries stream, as used here. */
type TailStream = NodeJS.ReadableStream & { write(request: { resourceNames: string[]; filter: string }): boolean; cancel?: () => void; destroy?: () => void; removeAllListeners(): void };

interface TailResponse {
  entries?: Parameters<typeof Entry.fromApiResponse_>[0][];
  suppressionInfo?: { suppressedCount?: number | string | null }[];
}

export function entryTime(entry: Entry): Date | undefined {
  const timestamp = entry.metadata.timestamp as unknown;
  if (timestamp instanceof Date) return timestamp;
  if (typeof timestamp === 'string') return new Date(timestamp);
  if (timestamp && typeof timestamp === 'object' && 'seconds' in timestamp) {
    const t = timestamp as { seconds: number | string; nanos?: number };
    return new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6));
  }
  return undefined;
}
