import type { Processor } from 'bullmq';
import { checkDrift } from '../src/app/check-drift.js';
import type { AppDeps } from '../src/app/deps.js';
import type { DriftStore } from '../src/store/drift-store.js';

/** A job scheduler runs it (one worker at a time); each migration is looked at every `driftCheck`. */
export const driftProcessor =
  (deps: AppDeps, drift: DriftStore): Processor =>
  async () => {
    await checkDrift(deps, drift);
  };
