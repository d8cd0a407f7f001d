import { UnrecoverableError, type Job } from 'bullmq';
import { operationJobSchema } from '../src/queue/queues.js';

/** The operation id of a job; malformed data can never succeed, so it is not retried. */
export function operationIdOf(job: Job): string {
  const parsed = operationJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`job ${job.id ?? '?'} has malformed data: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data.operationId;
}

export function isLastAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
