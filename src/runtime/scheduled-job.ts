import { Queue, Worker, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';

/** A job that runs every `everyMs` on one worker of however many there are (a BullMQ job scheduler). */
export async function startScheduledJob(name: string, everyMs: number, processor: Processor, redis: Redis, prefix: string): Promise<Worker> {
  const queueName = `meshbot-${name}`;
  const queue = new Queue(queueName, { connection: redis, prefix });
  await queue.upsertJobScheduler(name, { every: everyMs }, { name, opts: { removeOnComplete: 100, removeOnFail: 100 } });
  await queue.close();
  return new Worker(queueName, processor, { connection: redis, prefix });
}
