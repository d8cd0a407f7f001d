/** The request → approve steps of the benchmarks, driven through Slack like a person would. */
import { Redis } from 'ioredis';
import type { MigrationSettings } from '../src/app/deps.js';
import { OperationStore } from '../src/store/operation-store.js';
import type { SlackApiServer } from '../test/harness/slack-api-server.js';
import type { SlackDriver } from '../test/harness/slack-driver.js';
import { requestMessage } from '../test/support/meshbot-stack.js';

export interface FlowContext {
  readonly slack: SlackApiServer;
  readonly driver: SlackDriver;
  readonly redisUrl: string;
  readonly queuePrefix: string;
}

/** Waits for the request message and clicks Approve at once (meshbot waits for the prepare job to record it). */
export async function approveWhenPosted(context: FlowContext, migration: MigrationSettings, timeoutMs = 30_000): Promise<{ threadTs: string; operationId: string }> {
  const { message, operationId } = await requestMessage(context.slack, migration.channel, timeoutMs);
  const click = await context.driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: migration.channel, messageTs: message.ts });
  if (click.status !== 200) throw new Error(`approve click answered ${click.status}`);
  return { threadTs: message.ts, operationId };
}

/** An OperationStore on its own connection, for reading operations while meshbot runs. */
export function openStore(context: Pick<FlowContext, 'redisUrl' | 'queuePrefix'>): { store: OperationStore; close(): void } {
  const redis = new Redis(context.redisUrl);
  return { store: new OperationStore(redis, context.queuePrefix), close: () => redis.disconnect() };
}
