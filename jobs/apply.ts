import type { Processor } from 'bullmq';
import type { AppDeps } from '../src/app/deps.js';
import { executeOperation } from '../src/app/execute-operation.js';
import { isLastAttempt, operationIdOf } from './job-data.js';

/** An approved step: patch the VirtualService with a precondition, read it back, post the result. */
export const applyProcessor =
  (deps: AppDeps): Processor =>
  async (job) => {
    await executeOperation(deps, operationIdOf(job), { lastAttempt: isLastAttempt(job) });
  };
