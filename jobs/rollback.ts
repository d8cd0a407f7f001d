import type { Processor } from 'bullmq';
import type { AppDeps } from '../src/app/deps.js';
import { executeOperation } from '../src/app/execute-operation.js';
import { isLastAttempt, operationIdOf } from './job-data.js';

/** Restore the weights from before the newest applied step; runs ahead of other work. */
export const rollbackProcessor =
  (deps: AppDeps): Processor =>
  async (job) => {
    await executeOperation(deps, operationIdOf(job), { lastAttempt: isLastAttempt(job) });
  };
