import { App, LogLevel, type CustomRoute } from '@slack/bolt';
import type { BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import { handleCommand } from '../app/handle-command.js';
import { decideOperation, type Decision } from '../app/decide-operation.js';
import type { AppDeps, Reply } from '../app/deps.js';
import { parseMeshCommand } from '../domain/command/parse-mesh-command.js';
import type { Logger } from '../observability/logger.js';
import type { OperationStore } from '../store/operation-store.js';
import { APPROVE_ACTION, REJECT_ACTION } from './blocks/operation-message.js';
import { NEXT_STEP_ACTION } from './blocks/bake-report.js';
import { requestNextStep } from '../app/request-change.js';
import { handlingQueue } from './handling-queue.js';

export interface SlackSettings {
  readonly botToken: string;
  readonly signingSecret?: string | undefined;
  readonly appToken?: string | undefined;
  readonly apiUrl?: string | undefined;
}

export interface BoltAppOptions {
  readonly slack: SlackSettings;
  readonly deps: AppDeps;
  readonly store: OperationStore;
  readonly logger: Logger;
  /**
   * HTTP mode only: served by Bolt's receiver beside /slack/events, on its one port. Bolt's
   * SocketModeReceiver would open a second HTTP server of its own for them (on 3000), so in
   * Socket Mode they are left out and the caller serves them on PORT.
   */
  readonly customRoutes?: CustomRoute[];
}

const RETRY_WINDOW_SECONDS = 3600;
/**
 * After its ack, a command is handled two at a time in arrival order (none waits more than a
 * second): in a burst, every command's reads and answer in flight at once made the later acks
 * wait on one event loop (bench/ack.ts, against a bare Bolt app). Clicks are not queued.
 */
const HANDLING = { atOnce: 2, maxWaitMs: 1000 };

/**
 * The Bolt app: `/mesh` and the Approve/Reject buttons. Every request is acked first (Slack's
 * 3-second budget), then handled; replies go to the user alone. Signatures are verified by
 * Bolt's receiver (HTTP mode) or the connection itself (Socket Mode).
 */
export function createBoltApp(options: BoltAppOptions): App {
  const { slack, logger } = options;
  const app = new App({
    token: slack.botToken,
    ...(slack.appToken ? { appToken: slack.appToken, socketMode: true } : { signingSecret: slack.signingSecret ?? '', customRoutes: options.customRoutes ?? [] }),
    // Bolt hands these to the Socket Mode client too, so apps.connections.open goes to the same Slack API.
    clientOptions: slack.apiUrl ? { slackApiUrl: slack.apiUrl } : {},
    logLevel: LogLevel.WARN,
    logger: boltLogger(logger),
  });
  const handling = handlingQueue(HANDLING);
  app.command('/mesh', async ({ command, ack, respond }) => {
    const parsed = parseMeshCommand(command.text);
    options.deps.metrics?.commands.inc({ command: parsed.ok ? parsed.value.kind : 'invalid' });
    if (!parsed.ok) {
      await ack({ response_type: 'ephemeral', text: parsed.error.message });
      return;
    }
    await ack();
    await handling(async () => {
      // Slack redelivers a command it thinks timed out with the same trigger_id: act once.
      if (!(await options.store.firstSighting(`command:${command.trigger_id}`, RETRY_WINDOW_SECONDS))) return;
      const reply = await safely(logger, 'command', () => handleCommand(options.deps, parsed.value, { userId: command.user_id, channelId: command.channel_id }));
      await respondPrivately(respond, reply, logger);
    });
  });
  for (const [actionId, decision] of [[APPROVE_ACTION, 'approve'], [REJECT_ACTION, 'reject']] as const) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond }) => {
      await ack();
      const channelId = body.channel?.id ?? body.container?.channel_id ?? '';
      const reply = await safely(logger, decision, () => decideOperation(options.deps, action.value ?? '', decision as Decision, { userId: body.user.id, channelId }));
      if (reply) await respondPrivately(respond, reply, logger);
    });
  }
  app.action<BlockAction<ButtonAction>>(NEXT_STEP_ACTION, async ({ ack, body, action, respond }) => {
    await ack();
    const channelId = body.channel?.id ?? body.container?.channel_id ?? '';
    const reply = await safely(logger, 'next step', () => requestNextStep(options.deps, action.value ?? '', { userId: body.user.id, channelId }));
    await respondPrivately(respond, reply, logger);
  });
  app.error(async (error) => {
    logger.error({ err: { message: error.message, code: (error as { code?: string }).code } }, 'slack listener failed');
  });
  return app;
}

/** Whatever goes wrong, the user gets a plain sentence, never a stack trace. */
async function safely(logger: Logger, what: string, work: () => Promise<Reply | undefined>): Promise<Reply | undefined> {
  try {
    return await work();
  } catch (error) {
    const reference = Math.random().toString(36).slice(2, 8);
    logger.error({ err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error), reference, what }, 'handling a Slack request failed');
    return { text: `Something went wrong on meshbot's side (reference ${reference}). Check /mesh status before trying again.` };
  }
}

async function respondPrivately(respond: RespondFn, reply: Reply | undefined, logger: Logger): Promise<void> {
  if (!reply) return;
  try {
    await respond({ response_type: 'ephemeral', replace_original: false, text: reply.text });
  } catch (error) {
    logger.warn({ err: { message: (error as Error).message } }, 'could not answer the user through response_url');
  }
}

function boltLogger(logger: Logger) {
  return {
    debug: (...msg: unknown[]) => logger.debug({ bolt: msg.map(String) }),
    info: (...msg: unknown[]) => logger.info({ bolt: msg.map(String) }),
    warn: (...msg: unknown[]) => logger.warn({ bolt: msg.map(String) }),
    error: (...msg: unknown[]) => logger.error({ bolt: msg.map(String) }),
    setLevel: () => undefined,
    getLevel: () => LogLevel.WARN,
    setName: () => undefined,
  };
}
