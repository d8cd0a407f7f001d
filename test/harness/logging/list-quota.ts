/**
 * The ListLogEntries read quota (Cloud Logging allows 60 per minute per project) as a sliding
 * window over the real clock, and the figure benchmarks read off the calls received.
 */

/** Served calls in the last `windowMs`; a call that would make more than `limit` is refused. */
export class SlidingWindowQuota {
  /** Date.now() of the admitted calls still in the window, oldest first. */
  private readonly admitted: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Whether a call at `now` fits in the window; if it does, it counts from then on. */
  tryAdmit(now: number): boolean {
    while (this.admitted.length > 0 && this.admitted[0]! <= now - this.windowMs) this.admitted.shift();
    if (this.admitted.length >= this.limit) return false;
    this.admitted.push(now);
    return true;
  }

  /** Takes back the admission made at `at`: the call was not served after all. */
  release(at: number): void {
    const index = this.admitted.lastIndexOf(at);
    if (index >= 0) this.admitted.splice(index, 1);
  }

  reset(): void {
    this.admitted.length = 0;
  }
}

/** The most of `times` (ms) that fall in any window of `windowMs`: [t, t + windowMs). */
export function maxInAnyWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
