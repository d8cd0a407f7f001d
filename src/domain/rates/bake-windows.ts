/** A metrics window `[startMs, endMs)` in epoch ms. */
export interface WindowSpan {
  readonly startMs: number;
  readonly endMs: number;
}

/** What a bake's verdict covers, and when Cloud Monitoring will have all of it. */
export interface JudgedSpan {
  readonly windows: readonly WindowSpan[];
  /** When the last window's data is taken as complete: its end + the metrics delay. */
  readonly readyAtMs: number;
}

/**
 * The windows (aligned to the epoch, as Cloud Monitoring aligns them) that overlap the bake
 * `[startMs, deadlineMs)`, and when their data is complete. Example: a bake 10:41:20–10:44:00
 * with 1-minute windows and a 3-minute delay is judged on 10:41–10:44, ready at 10:47.
 */
export function judgedSpan(startMs: number, deadlineMs: number, windowMs: number, delayMs: number): JudgedSpan {
  const first = Math.floor(startMs / windowMs) * windowMs;
  const last = Math.max(first + windowMs, Math.ceil(deadlineMs / windowMs) * windowMs);
  const windows: WindowSpan[] = [];
  for (let start = first; start < last; start += windowMs) windows.push({ startMs: start, endMs: start + windowMs });
  return { windows, readyAtMs: last + delayMs };
}

/** The windows whose data is complete at `nowMs`. */
export function completeWindows(span: JudgedSpan, nowMs: number, delayMs: number): WindowSpan[] {
  return span.windows.filter((w) => w.endMs + delayMs <= nowMs);
}
