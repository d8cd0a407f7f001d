export interface HandlingQueueOptions {
  /** How many jobs run at once. */
  readonly atOnce: number;
  /** A job that has waited this long starts anyway, so one slow job cannot hold the others up for long. */
  readonly maxWaitMs: number;
}

export type HandlingQueue = <T>(job: () => Promise<T>) => Promise<T>;

/**
 * The work after an ack, a few jobs at a time in arrival order. All of a process's Slack
 * requests share one event loop: with every command's reads and answer in flight at once, a
 * burst's later acks wait behind the earlier commands' work (bench/ack.ts measures it against a
 * bare Bolt app); queued, the acks go first.
 */
export function handlingQueue(options: HandlingQueueOptions): HandlingQueue {
  if (!(options.atOnce >= 1) || !(options.maxWaitMs >= 0)) throw new Error(`handlingQueue needs atOnce ≥ 1 and maxWaitMs ≥ 0 (got ${options.atOnce}, ${options.maxWaitMs})`);
  let running = 0;
  const waiting: (() => void)[] = [];
  const turn = () =>
    new Promise<void>((resolve) => {
      const start = () => {
        clearTimeout(timer);
        waiting.splice(waiting.indexOf(start), 1);
        resolve();
      };
      const timer = setTimeout(start, options.maxWaitMs);
      waiting.push(start);
    });
  return async (job) => {
    if (running >= options.atOnce) await turn();
    running++;
    try {
      return await job();
    } finally {
      running--;
      if (running < options.atOnce) waiting[0]?.();
    }
  };
}
