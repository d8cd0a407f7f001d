import type { Processor } from 'bullmq';
import type { AppDeps } from '../src/app/deps.js';
import { prepareOperation } from '../src/app/prepare-operation.js';
import { operationIdOf } from './job-data.js';

/** Preflight, then the request with Approve/Reject posted in the migration's channel. */
export const prepareProcessor =
  (deps: AppDeps): Processor =>
  async (job) => {
    await prepareOperation(deps, operationIdOf(job));
  };
