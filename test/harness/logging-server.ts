/**
 * A local Cloud Logging API (google.logging.v2.LoggingServiceV2 over insecure gRPC on
 * 127.0.0.1) serving ListLogEntries and TailLogEntries from entries that tests append, with
 * hooks to inject quota errors, delays, broken or stalled tails and suppression notices.
 * Every other method answers UNIMPLEMENTED.
 */
import * as grpc from '@grpc/grpc-js';
import { FaultQueue, startLocalGrpcServer, unaryMethod } from './grpc-server.js';
import type { LocalGrpcServer } from './grpc-server.js';
import { DEFAULT_PROJECT_ID, normalizeEntry, toProtoLogEntry } from './logging/entries.js';
import type { LogEntryInput, StoredLogEntry } from './logging/entries.js';
import { listPage } from './logging/list.js';
import type { ListLogEntriesRequest } from './logging/list.js';
import { maxInAnyWindow, SlidingWindowQuota } from './logging/list-quota.js';
import { loggingServiceDefinition } from './logging/protos.js';
import { RpcError } from './logging/rpc-error.js';
import { TailHub } from './logging/tail.js';
import type { Suppression, TailLogEntriesRequest, TailResponse, TailSession } from './logging/tail.js';

export { DEFAULT_PROJECT_ID } from './logging/entries.js';
export { compileFilter } from '../../src/domain/logs/filter/filter-match.js';
export { FilterSyntaxError, parseFilter } from '../../src/domain/logs/filter/filter-parser.js';
export type { HttpRequestInput, JsonObject, JsonValue, LogEntryInput, MonitoredResource, Severity, StoredLogEntry } from './logging/entries.js';
export type { ListLogEntriesRequest } from './logging/list.js';
export type { Suppression, SuppressionReason, TailLogEntriesRequest, TailSession } from './logging/tail.js';

export interface LoggingServerOptions {
  /** Default DEFAULT_PROJECT_ID. Entries of other projects can be appended too. */
  projectId?: string;
  /** Clock for entries appended without a timestamp. */
  now?: () => Date;
  /** Live tail sessions allowed at once (Cloud Logging allows 10 per project); default unlimited. */
  maxTailSessions?: number;
  /**
   * ListLogEntries calls served per quotaWindowMs (Cloud Logging allows 60 per minute per
   * project); default unlimited. The window slides on the real clock (Date.now(), not `now`).
   * A call that would go over is answered RESOURCE_EXHAUSTED with Cloud Logging's quota
   * message and not served. As at Google, only served calls count: neither the refused ones
   * nor those answered by an injected fault (exhaustListQuota, failListCalls) use up quota.
   */
  listQuotaPerMinute?: number;
  /** The quota's sliding window; default 60_000 (a minute), shorter for tests. */
  quotaWindowMs?: number;
}

export interface LoggingServer {
  /** `127.0.0.1:PORT`, for a grpc client; the Node client wants apiEndpoint + port. */
  readonly endpoint: string;
  readonly port: number;
  readonly projectId: string;
  /** Everything appended, in append order. */
  readonly entries: readonly StoredLogEntry[];
  /** Live tail sessions. */
  readonly tails: readonly TailSession[];
  readonly tailCount: number;
  /** Every tail session ever opened, live or not, in opening order. */
  readonly tailHistory: readonly TailSession[];
  /** Every ListLogEntries request received, including those answered with a fault. */
  readonly listCalls: readonly ListLogEntriesRequest[];
  /** Date.now() when each ListLogEntries call was received, served or refused (same order as listCalls). */
  readonly listCallTimes: readonly number[];
  /**
   * ListLogEntries calls refused because listQuotaPerMinute was used up. Only those: calls
   * answered RESOURCE_EXHAUSTED by exhaustListQuota or failListCalls are not counted here.
   */
  readonly quotaRefusedListCalls: number;
  /** The most ListLogEntries calls received (served or refused) in any sliding 60 s window. */
  maxListCallsInAnyMinute(): number;
  /** The most tail sessions that were ever live at once (since start or the last reset()). */
  readonly peakTailCount: number;
  /** Tail sessions refused RESOURCE_EXHAUSTED because maxTailSessions were live. */
  readonly refusedTails: number;
  /** Stores entries and streams the matching ones to live tails; returns them as stored. */
  append(entries: LogEntryInput | readonly LogEntryInput[]): StoredLogEntry[];
  /**
   * Forgets stored entries, recorded list calls and their times, the quota window, pending list
   * faults, the list delay and the figures above; tails stay (peakTailCount restarts from the
   * live ones).
   */
  reset(): void;
  /** Answers the next `times` ListLogEntries calls with RESOURCE_EXHAUSTED (the 60/min read quota). */
  exhaustListQuota(times?: number): void;
  /** Answers the next `times` ListLogEntries calls with this status. */
  failListCalls(times: number, code: grpc.status, details?: string): void;
  /** Forgets the pending ListLogEntries faults and the delay (entries stay). */
  stopFailingListCalls(): void;
  /** Holds every ListLogEntries answer for `ms` (0 to stop). */
  delayListCalls(ms: number): void;
  /** Ends all live tails with an error status. */
  failTails(code?: grpc.status, details?: string): void;
  /** Ends all live tails with status OK, as Cloud Logging does after a while. */
  endTails(): void;
  /** Keeps tails open but holds back what they would be sent, until resumeTails(). */
  stallTails(): void;
  resumeTails(): void;
  /** Sends a response with only suppression_info to every live tail. */
  sendSuppression(suppression: Suppression): void;
  /** Resolves with the oldest tail session not yet returned by an earlier call (waiting for one to open). */
  waitForTail(timeoutMs?: number): Promise<TailSession>;
  close(): Promise<void>;
}

const MINUTE_MS = 60_000;

const QUOTA_DETAILS =
  "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service 'logging.googleapis.com'";

export async function startLoggingServer(options: LoggingServerOptions = {}): Promise<LoggingServer> {
  const state = new LoggingState(options);
  const server = await startLocalGrpcServer(loggingServiceDefinition(), {
    ListLogEntries: unaryMethod((request: ListLogEntriesRequest) => state.answerList(request)),
    TailLogEntries: (call: grpc.ServerDuplexStream<TailLogEntriesRequest, TailResponse>) => state.tails.handle(call),
  });
  return createFacade(state, server);
}

function createFacade(state: LoggingState, server: LocalGrpcServer): LoggingServer {
  let closing: Promise<void> | undefined;
  return {
    endpoint: server.endpoint,
    port: server.port,
    projectId: state.projectId,
    entries: state.entries,
    listCalls: state.listCalls,
    listCallTimes: state.listCallTimes,
    get quotaRefusedListCalls() {
      return state.quotaRefusedListCalls;
    },
    maxListCallsInAnyMinute: () => maxInAnyWindow(state.listCallTimes, MINUTE_MS),
    get peakTailCount() {
      return state.tails.peakLiveCount;
    },
    get refusedTails() {
      return state.tails.refusedCount;
    },
    get tails() {
      return state.tails.live;
    },
    get tailCount() {
      return state.tails.live.length;
    },
    get tailHistory() {
      return state.tails.history;
    },
    append: (entries) => state.append(entries),
    reset: () => state.reset(),
    exhaustListQuota: (times = 1) => state.listFaults.add(times, { code: grpc.status.RESOURCE_EXHAUSTED, details: QUOTA_DETAILS }),
    failListCalls: (times, code, details = grpc.status[code]) => state.listFaults.add(times, { code, details }),
    delayListCalls: (ms) => (state.listFaults.delayMs = ms),
    stopFailingListCalls: () => state.listFaults.reset(),
    failTails: (code = grpc.status.UNAVAILABLE, details = 'The service is currently unavailable.') => state.tails.fail(code, details),
    endTails: () => state.tails.endAll(),
    stallTails: () => state.tails.stall(),
    resumeTails: () => state.tails.resume(),
    sendSuppression: (suppression) => state.tails.suppress(suppression),
    waitForTail: (timeoutMs = 5000) => state.tails.waitForTail(timeoutMs),
    close: () => (closing ??= state.shutDown(server)),
  };
}

class LoggingState {
  readonly projectId: string;
  readonly entries: StoredLogEntry[] = [];
  readonly listCalls: ListLogEntriesRequest[] = [];
  readonly listCallTimes: number[] = [];
  quotaRefusedListCalls = 0;
  readonly tails: TailHub;
  /** Faults and the delay for ListLogEntries. */
  readonly listFaults = new FaultQueue();
  private readonly listQuota: SlidingWindowQuota | undefined;
  private insertIdSequence = 0;
  private readonly now: () => Date;

  constructor(options: LoggingServerOptions) {
    this.projectId = options.projectId ?? DEFAULT_PROJECT_ID;
    this.now = options.now ?? (() => new Date());
    this.tails = new TailHub(options.maxTailSessions ?? Infinity);
    if (options.listQuotaPerMinute !== undefined) this.listQuota = new SlidingWindowQuota(options.listQuotaPerMinute, options.quotaWindowMs ?? MINUTE_MS);
  }

  append(inputs: LogEntryInput | readonly LogEntryInput[]): StoredLogEntry[] {
    const list: readonly LogEntryInput[] = Array.isArray(inputs) ? inputs : [inputs as LogEntryInput];
    const stored = list.map((input) => normalizeEntry(input, { now: this.now, nextInsertId: () => this.nextInsertId() }));
    this.entries.push(...stored);
    this.tails.deliver(stored);
    return stored;
  }

  async answerList(request: ListLogEntriesRequest): Promise<unknown> {
    const receivedAt = Date.now();
    this.listCalls.push(request);
    this.listCallTimes.push(receivedAt);
    if (this.listQuota && !this.listQuota.tryAdmit(receivedAt)) {
      this.quotaRefusedListCalls++;
      // Refused before it reaches the faults: an injected fault waits for a call that gets through.
      if (this.listFaults.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.listFaults.delayMs));
      throw new RpcError(grpc.status.RESOURCE_EXHAUSTED, QUOTA_DETAILS);
    }
    try {
      await this.listFaults.hold();
    } catch (fault) {
      this.listQuota?.release(receivedAt);
      throw fault;
    }
    const page = listPage(this.entries, request);
    return { entries: page.entries.map(toProtoLogEntry), next_page_token: page.nextPageToken };
  }

  reset(): void {
    this.entries.length = 0;
    this.listCalls.length = 0;
    this.listCallTimes.length = 0;
    this.quotaRefusedListCalls = 0;
    this.listQuota?.reset();
    this.listFaults.reset();
    this.tails.resetFigures();
  }

  async shutDown(server: LocalGrpcServer): Promise<void> {
    this.tails.endAll();
    this.tails.rejectWaiters('the logging server was closed');
    await server.shutDown();
  }

  private nextInsertId(): string {
    this.insertIdSequence++;
    return `auto-${String(this.insertIdSequence).padStart(8, '0')}`;
  }
}
