import type { ServerResponse } from 'node:http';
import { atVersion, type ResourceRequest } from './resource-api.js';
import type { KubeObject } from './resources.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { badRequest, type Status } from './status.js';
import type { ObjectStore } from './store.js';
import { WatchHistory } from './watch-history.js';
import { WatchStream, type WatchTarget } from './watch-stream.js';

export interface WatchOptions {
  /** Changes kept for watches that resume from a resourceVersion. Default 1000. */
  history?: number;
  /** How often watches with `allowWatchBookmarks=true` get a BOOKMARK. Default 1000. */
  bookmarkIntervalMs?: number;
}

export function watchTarget(request: ResourceRequest): WatchTarget {
  const { def, version, namespace, query } = request;
  // A watch on one object's path (deprecated, still served) is a watch on its name.
  if (request.name === undefined) return { def, version, namespace, query };
  const named = new URLSearchParams(query);
  const byName = `metadata.name=${request.name}`;
  named.set('fieldSelector', query.get('fieldSelector') ? `${query.get('fieldSelector')},${byName}` : byName);
  return { def, version, namespace, query: named };
}

/** Whether a LIST request asks for a watch (`watch=true` or `watch=1`). */
export function isWatch(query: URLSearchParams): boolean {
  return query.has('watch') && !['false', '0'].includes(query.get('watch') ?? '');
}

/** Serves watches from the store's changes, keeping a bounded history to resume from, as kube-apiserver's watch cache. */
export class WatchHub {
  private readonly history: WatchHistory;
  private readonly streams = new Set<WatchStream>();
  private readonly bookmarkIntervalMs: number;

  constructor(
    private readonly store: ObjectStore,
    options: WatchOptions = {},
  ) {
    this.history = new WatchHistory(options.history ?? 1000, Number(store.resourceVersion));
    this.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 1000;
    store.onChange((change) => {
      const event = this.history.record(change);
      for (const stream of this.streams) stream.deliver(event);
    });
  }

  get openWatches(): number {
    return this.streams.size;
  }

  /** Validates the request (throwing a 400 Status), then streams: past or current objects first, live changes after. */
  serve(target: WatchTarget, response: ServerResponse): void {
    const { query, ...scope } = target;
    const matchesLabels = parseLabelSelector(query.get('labelSelector') ?? undefined);
    const matchesFields = parseFieldSelector(query.get('fieldSelector') ?? undefined);
    const matches = (object: KubeObject): boolean => matchesLabels(object) && matchesFields(object);
    const from = startingRevision(query.get('resourceVersion'));
    const timeoutMs = timeoutOf(query.get('timeoutSeconds'));
    const serve = (object: KubeObject): KubeObject => atVersion(scope, object);
    const stream = new WatchStream(response, { ...scope, matches, serve }, (closed) => this.streams.delete(closed));
    if (from === undefined) {
      for (const object of this.store.list(scope.def, scope.namespace)) if (matches(object)) stream.added(object);
    } else {
      const past = this.history.since(from);
      if (!past) return stream.fail(expired(from, this.history.horizon));
      for (const event of past) stream.deliver(event);
    }
    this.streams.add(stream);
    const bookmarks = ['true', '1'].includes(query.get('allowWatchBookmarks') ?? '');
    stream.start({ bookmarkIntervalMs: bookmarks ? this.bookmarkIntervalMs : undefined, timeoutMs, currentRevision: () => this.store.resourceVersion });
  }

  compact(): void {
    this.history.compact(Number(this.store.resourceVersion));
  }

  /** Ends every stream and its timers, for server shutdown. */
  close(): void {
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  /** Cuts every open watch connection; returns how many. */
  dropAll(): number {
    const dropped = [...this.streams];
    this.streams.clear();
    for (const stream of dropped) stream.drop();
    return dropped.length;
  }
}

/** undefined for "" and "0": start with the current objects. */
function startingRevision(resourceVersion: string | null): number | undefined {
  if (resourceVersion === null || resourceVersion === '' || resourceVersion === '0') return undefined;
  if (!/^\d+$/.test(resourceVersion)) throw badRequest(`resourceVersion: Invalid value: "${resourceVersion}": must be a decimal resourceVersion`);
  return Number(resourceVersion);
}

function timeoutOf(timeoutSeconds: string | null): number | undefined {
  if (timeoutSeconds === null || timeoutSeconds === '') return undefined;
  if (!/^\d+$/.test(timeoutSeconds)) throw badRequest(`timeoutSeconds: Invalid value: "${timeoutSeconds}": must be a non-negative integer`);
  const seconds = Number(timeoutSeconds);
  return seconds > 0 ? seconds * 1000 : undefined;
}

function expired(requested: number, oldest: number): Status {
  const message = `too old resource version: ${requested} (${oldest})`;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Expired', code: 410 };
}
