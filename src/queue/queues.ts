import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { z } from 'zod';

/** The job kinds; each has its own queue and its own processor file in jobs/. */
export const JOB_NAMES = ['prepare', 'apply', 'rollback', 'expire', 'bake'] as const;
export type JobName = (typeof JOB_NAMES)[number];

export const operationJobSchema = z.object({ operationId: z.string().regex(/^op-[A-Za-z0-9-]+$/) }).strict();
export type OperationJob = z.infer<typeof operationJobSchema>;

export const queueName = (job: JobName): string => `meshbot-${job}`;

/** Retries with backoff for transient failures (Kubernetes or Slack unavailable); finished jobs are kept a week so a duplicate add with the same id is ignored. */
const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** Rollbacks go first: BullMQ runs lower priority numbers first. */
const PRIORITY: Record<JobName, number> = { rollback: 1, apply: 5, bake: 5, prepare: 10, expire: 10 };

/**
 * The one producer: every job id is derived from the operation id, so enqueueing the same step
 * twice (double click, Slack retry, crash and retry) adds it once.
 */
export class JobProducer {
  private readonly queues: Map<JobName, Queue>;

  constructor(connection: ConnectionOptions, prefix: string) {
    this.queues = new Map(JOB_NAMES.map((name) => [name, new Queue(queueName(name), { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS })]));
  }

  async enqueue(job: JobName, operationId: string, options: { delayMs?: number } = {}): Promise<void> {
    const data: OperationJob = operationJobSchema.parse({ operationId });
    await this.queue(job).add(job, data, { jobId: `${job}-${operationId}`, priority: PRIORITY[job], ...(options.delayMs ? { delay: Math.max(0, options.delayMs) } : {}) });
  }

  async depth(): Promise<Record<JobName, number>> {
    const counts = await Promise.all(JOB_NAMES.map(async (name) => [name, await this.queue(name).count()] as const));
    return Object.fromEntries(counts) as Record<JobName, number>;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }

  private queue(job: JobName): Queue {
    return this.queues.get(job) as Queue;
  }
}
