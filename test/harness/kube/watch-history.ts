import type { StoreChange } from './store.js';

export type HistoryEvent = StoreChange;

/**
 * The last `capacity` changes, as kube-apiserver's watch cache keeps them. `horizon` is the newest
 * revision whose successors may have been forgotten: a watch from a resourceVersion below it
 * cannot be served and gets 410 Expired.
 */
export class WatchHistory {
  private events: HistoryEvent[] = [];
  private oldestKnown: number;

  constructor(
    private readonly capacity: number,
    currentRevision: number,
  ) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new Error(`kube harness: watchHistory must be a positive integer, got ${capacity}`);
    this.oldestKnown = currentRevision;
  }

  get horizon(): number {
    return this.oldestKnown;
  }

  record(change: StoreChange): HistoryEvent {
    this.events.push(change);
    if (this.events.length > this.capacity) this.oldestKnown = (this.events.shift() as HistoryEvent).revision;
    return change;
  }

  /** Forgets everything up to the current revision. */
  compact(currentRevision: number): void {
    this.events = [];
    this.oldestKnown = currentRevision;
  }

  /** The changes after `revision`, or undefined when some of them were forgotten. */
  since(revision: number): HistoryEvent[] | undefined {
    if (revision < this.oldestKnown) return undefined;
    return this.events.filter((event) => event.revision > revision);
  }
}
