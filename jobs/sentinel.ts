import type { Processor } from 'bullmq';
import type { AppDeps } from '../src/app/deps.js';
import { runSentinel } from '../src/app/run-sentinel.js';
import type { SentinelStore } from '../src/store/sentinel-store.js';

/** Every minute (a job scheduler, so one worker runs it however many there are). */
export const sentinelProcessor =
  (deps: AppDeps, sentinel: SentinelStore): Processor =>
  async () => {
    await runSentinel(deps, sentinel);
  };
