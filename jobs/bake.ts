import { DelayedError, type Processor } from 'bullmq';
import { bakeOperation } from '../src/app/bake-operation.js';
import type { AppDeps } from '../src/app/deps.js';
import { operationIdOf } from './job-data.js';

/**
 * Watches an applied step for its bake window. On shutdown the bake saves its place and the job
 * goes back to the queue at once, so another worker resumes it instead of holding the shutdown.
 */
export const bakeProcessor =
  (deps: AppDeps): Processor =>
  async (job, token) => {
    const outcome = await bakeOperation(deps, operationIdOf(job));
    if (outcome === 'handed-over' && token) {
      await job.moveToDelayed(Date.now() + 50, token);
      throw new DelayedError();
    }
  };
