/** TailLogEntries sessions: who is listening, with which filter, and the test hooks on them. */
import { status } from '@grpc/grpc-js';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { compileFilter } from '../../../src/domain/logs/filter/filter-match.js';
import { toProtoLogEntry } from './entries.js';
import type { StoredLogEntry } from './entries.js';
import { resourceMatcher } from './list.js';
import { RpcError, toStatus } from './rpc-error.js';

/** As decoded by proto-loader (keepCase, defaults). The Node client never sets buffer_window. */
export interface TailLogEntriesRequest {
  resource_names: string[];
  filter: string;
  buffer_window: { seconds: number; nanos: number } | null;
}

export type SuppressionReason = 'RATE_LIMIT' | 'NOT_CONSUMED';

export interface Suppression {
  reason: SuppressionReason;
  suppressedCount: number;
}

export interface TailSession {
  readonly id: number;
  readonly request: TailLogEntriesRequest;
  readonly openedAt: Date;
  readonly live: boolean;
  /** Why the session ended, once it has: 'cancelled', 'client ended', 'failed: …', 'server ended'. */
  readonly endReason: string | undefined;
  /** Entries written to this session's stream, in order. */
  readonly delivered: readonly StoredLogEntry[];
}

export interface TailResponse {
  entries: Record<string, unknown>[];
  suppression_info: { reason: SuppressionReason; suppressed_count: number }[];
}

type TailCall = ServerDuplexStream<TailLogEntriesRequest, TailResponse>;

class LiveTail implements TailSession {
  readonly openedAt = new Date();
  readonly delivered: StoredLogEntry[] = [];
  endReason: string | undefined;
  private readonly pending: { response: TailResponse; entries: StoredLogEntry[] }[] = [];

  constructor(
    readonly id: number,
    readonly request: TailLogEntriesRequest,
    private readonly call: TailCall,
    private readonly wants: (entry: StoredLogEntry) => boolean,
  ) {}

  get live(): boolean {
    return this.endReason === undefined;
  }

  offer(entries: readonly StoredLogEntry[], stalled: boolean): void {
    const matching = entries.filter((entry) => this.wants(entry)).sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    if (matching.length === 0) return;
    this.send({ entries: matching.map(toProtoLogEntry), suppression_info: [] }, matching, stalled);
  }

  suppress(suppression: Suppression, stalled: boolean): void {
    const info = { reason: suppression.reason, suppressed_count: suppression.suppressedCount };
    this.send({ entries: [], suppression_info: [info] }, [], stalled);
  }

  flush(): void {
    for (const { response, entries } of this.pending.splice(0)) this.write(response, entries);
  }

  fail(code: status, details: string): void {
    if (!this.markEnded(`failed: ${status[code]} ${details}`)) return;
    this.pending.length = 0;
    this.call.emit('error', { code, details });
  }

  endCleanly(reason: string): void {
    if (this.markEnded(reason)) this.call.end();
  }

  markEnded(reason: string): boolean {
    if (!this.live) return false;
    this.endReason = reason;
    return true;
  }

  private send(response: TailResponse, entries: StoredLogEntry[], stalled: boolean): void {
    if (!this.live) return;
    if (stalled) this.pending.push({ response, entries });
    else this.write(response, entries);
  }

  private write(response: TailResponse, entries: StoredLogEntry[]): void {
    this.delivered.push(...entries);
    this.call.write(response);
  }
}

interface TailWaiter {
  resolve: (session: TailSession) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class TailHub {
  private readonly sessions: LiveTail[] = [];
  private readonly waiters: TailWaiter[] = [];
  private claimed = 0;
  private stalled = false;
  /** The most sessions live at once. */
  peakLiveCount = 0;
  /** Sessions refused because maxLiveSessions were live. */
  refusedCount = 0;

  constructor(private readonly maxLiveSessions: number) {}

  get live(): TailSession[] {
    return this.liveSessions();
  }

  get history(): readonly TailSession[] {
    return this.sessions;
  }

  handle(call: TailCall): void {
    let session: LiveTail | undefined;
    let refused = false;
    call.on('data', (request: TailLogEntriesRequest) => {
      // Only the first request configures the session; later ones are ignored.
      if (session || refused) return;
      try {
        session = this.open(request, call);
      } catch (error) {
        refused = true;
        call.emit('error', toStatus(error));
      }
    });
    call.on('end', () => {
      if (session) session.endCleanly('client ended');
      else if (!refused) call.end();
    });
    call.on('cancelled', () => session?.markEnded('cancelled'));
  }

  deliver(entries: readonly StoredLogEntry[]): void {
    for (const session of this.liveSessions()) session.offer(entries, this.stalled);
  }

  suppress(suppression: Suppression): void {
    for (const session of this.liveSessions()) session.suppress(suppression, this.stalled);
  }

  stall(): void {
    this.stalled = true;
  }

  resume(): void {
    this.stalled = false;
    for (const session of this.liveSessions()) session.flush();
  }

  fail(code: status, details: string): void {
    for (const session of this.liveSessions()) session.fail(code, details);
  }

  endAll(reason = 'server ended'): void {
    for (const session of this.liveSessions()) session.endCleanly(reason);
  }

  /** The oldest session not yet handed out by an earlier call; waits for one if none. */
  waitForTail(timeoutMs: number): Promise<TailSession> {
    const next = this.sessions[this.claimed];
    if (next) {
      this.claimed++;
      return Promise.resolve(next);
    }
    return new Promise((resolve, reject) => {
      const waiter: TailWaiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new Error(`no TailLogEntries session opened within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Restarts peakLiveCount from the sessions live now and refusedCount from 0. */
  resetFigures(): void {
    this.peakLiveCount = this.liveSessions().length;
    this.refusedCount = 0;
  }

  rejectWaiters(reason: string): void {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(reason));
    }
  }

  private liveSessions(): LiveTail[] {
    return this.sessions.filter((session) => session.live);
  }

  private open(request: TailLogEntriesRequest, call: TailCall): LiveTail {
    const inResources = resourceMatcher(request.resource_names);
    const matchesFilter = compileFilter(request.filter);
    if (this.liveSessions().length >= this.maxLiveSessions) {
      this.refusedCount++;
      throw new RpcError(status.RESOURCE_EXHAUSTED, `at most ${this.maxLiveSessions} tail sessions may be open`);
    }
    const session = new LiveTail(this.sessions.length + 1, request, call, (entry) => inResources(entry) && matchesFilter(entry));
    this.sessions.push(session);
    this.peakLiveCount = Math.max(this.peakLiveCount, this.liveSessions().length);
    this.handOutToWaiter();
    return session;
  }

  private handOutToWaiter(): void {
    const waiter = this.waiters.shift();
    if (!waiter) return;
    clearTimeout(waiter.timer);
    waiter.resolve(this.sessions[this.claimed++]!);
  }
}
