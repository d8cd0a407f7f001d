import type { Processor } from 'bullmq';
import type { AppDeps } from '../src/app/deps.js';
import { expireOperation } from '../src/app/expire-operation.js';
import { operationIdOf } from './job-data.js';

/** A request nobody decided on within the migration's approvalTimeout ends, changing nothing. */
export const expireProcessor =
  (deps: AppDeps): Processor =>
  async (job) => {
    await expireOperation(deps, operationIdOf(job));
  };
