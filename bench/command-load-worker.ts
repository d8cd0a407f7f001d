import { parentPort, workerData } from 'node:worker_threads';
import type { SlackApiServer } from '../test/harness/slack-api-server.js';
import { SlackDriver } from '../test/harness/slack-driver.js';
import { pacedCommands, slashCommandBurst } from './command-load.js';

/**
 * The load generator on a thread of its own: the bench's process also runs the local Slack,
 * Kubernetes and Cloud Monitoring servers that meshbot calls after each ack (the bare app calls
 * none), and ack times taken on that busy event loop would charge their work to meshbot.
 */
export interface LoadRequest {
  readonly shape: 'burst' | 'paced';
  readonly channelId: string;
  readonly count: number;
  readonly everyMs: number;
}

const { eventsUrl, signingSecret, slackBaseUrl } = workerData as { eventsUrl: string; signingSecret: string; slackBaseUrl: string };
// Response URLs on the local Slack server (its main-thread object registers nothing for a plain ephemeral answer).
const responseUrls = { responseUrl: (id: string) => `${slackBaseUrl}/response/${encodeURIComponent(id)}` } as unknown as SlackApiServer;
const driver = new SlackDriver({ eventsUrl, signingSecret, api: responseUrls });

parentPort?.on('message', (request: LoadRequest) => {
  const load = request.shape === 'burst' ? slashCommandBurst(driver, request.channelId, request.count) : pacedCommands(driver, request.channelId, request.count, request.everyMs);
  load.then(
    (outcomes) => parentPort?.postMessage({ outcomes }),
    (error: Error) => parentPort?.postMessage({ error: error.message }),
  );
});
