import type { Processor } from 'bullmq';
import type { AppDeps } from '../src/app/deps.js';
import type { JobName } from '../src/queue/queues.js';
import { applyProcessor } from './apply.js';
import { bakeProcessor } from './bake.js';
import { expireProcessor } from './expire.js';
import { prepareProcessor } from './prepare.js';
import { rollbackProcessor } from './rollback.js';

export const PROCESSORS: Record<JobName, (deps: AppDeps) => Processor> = {
  prepare: prepareProcessor,
  apply: applyProcessor,
  rollback: rollbackProcessor,
  expire: expireProcessor,
  bake: bakeProcessor,
};
