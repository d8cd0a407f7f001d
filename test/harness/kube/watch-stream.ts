import type { ServerResponse } from 'node:http';
import { apiVersionOf, type KubeObject, type ResourceDef } from './resources.js';
import type { ObjectFilter } from './selectors.js';
import type { Status } from './status.js';
import type { HistoryEvent } from './watch-history.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject | Status;
}

/** A watch request: the resource at the requested version, the path's namespace, the query. */
export interface WatchTarget {
  def: ResourceDef;
  version: string;
  /** undefined: every namespace (or a cluster-scoped resource). */
  namespace: string | undefined;
  query: URLSearchParams;
}

/** What one watch looks at, and how objects are served (at the requested apiVersion). */
export interface WatchScope extends Omit<WatchTarget, 'query'> {
  matches: ObjectFilter;
  serve: (object: KubeObject) => KubeObject;
}

export interface StreamTiming {
  /** Send BOOKMARKs this often; undefined: none. */
  bookmarkIntervalMs: number | undefined;
  /** End the stream after this long; undefined: never. */
  timeoutMs: number | undefined;
  currentRevision: () => string;
}

/** One open watch connection: a chunked 200 response of newline-delimited JSON events. */
export class WatchStream {
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly response: ServerResponse,
    private readonly scope: WatchScope,
    onClosed: (stream: WatchStream) => void,
  ) {
    response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    response.flushHeaders();
    response.on('close', () => {
      this.stopTimers();
      onClosed(this);
    });
  }

  start(timing: StreamTiming): void {
    const { bookmarkIntervalMs, timeoutMs } = timing;
    if (bookmarkIntervalMs !== undefined) this.every(bookmarkIntervalMs, () => this.write({ type: 'BOOKMARK', object: this.bookmark(timing.currentRevision()) }));
    if (timeoutMs !== undefined) this.timers.push(setTimeout(() => this.end(), timeoutMs).unref());
  }

  /** Sends the change if this watch sees it, turning selector transitions into ADDED/DELETED as kube-apiserver does. */
  deliver(event: HistoryEvent): void {
    const type = this.visibleAs(event);
    if (type) this.write({ type, object: this.scope.serve(event.object) });
  }

  added(object: KubeObject): void {
    this.write({ type: 'ADDED', object: this.scope.serve(object) });
  }

  /** One ERROR event with the Status, then the end of the stream. */
  fail(status: Status): void {
    this.write({ type: 'ERROR', object: status });
    this.end();
  }

  end(): void {
    this.stopTimers();
    this.response.end();
  }

  /** Cuts the connection without ending the chunked body, as a network failure would. */
  drop(): void {
    this.stopTimers();
    this.response.destroy();
  }

  private visibleAs(event: HistoryEvent): WatchEventType | undefined {
    const { def, namespace, matches } = this.scope;
    if (event.def !== def) return undefined;
    if (namespace !== undefined && event.object.metadata?.namespace !== namespace) return undefined;
    const matchesNow = matches(event.object);
    if (event.type !== 'MODIFIED') return matchesNow ? event.type : undefined;
    const matchedBefore = event.previous !== undefined && matches(event.previous);
    if (matchesNow) return matchedBefore ? 'MODIFIED' : 'ADDED';
    return matchedBefore ? 'DELETED' : undefined;
  }

  private bookmark(resourceVersion: string): KubeObject {
    const { def, version } = this.scope;
    return { kind: def.kind, apiVersion: apiVersionOf(def.group, version), metadata: { resourceVersion } };
  }

  private write(event: WatchEvent): void {
    if (this.response.destroyed || this.response.writableEnded) return;
    this.response.write(`${JSON.stringify(event)}\n`);
  }

  private every(intervalMs: number, action: () => void): void {
    this.timers.push(setInterval(action, intervalMs).unref());
  }

  private stopTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.length = 0;
  }
}
