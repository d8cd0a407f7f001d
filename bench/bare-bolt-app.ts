/**
 * The floor under meshbot's ack: a Bolt app that only acks `/mesh` and clicks, built with the
 * App options meshbot's HTTP receiver gets in src/slack/bolt-app.ts (bot token, signing secret,
 * Slack API URL, a custom /healthz route, log level WARN, a logger of its own) and nothing
 * else. Run as a process of its own by bench/bare-bolt.ts; configured like `meshbot bot`
 * (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL, PORT).
 */
import { App, LogLevel } from '@slack/bolt';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** Bolt's logger interface, writing warnings and errors to stderr as meshbot's pino does at LOG_LEVEL=warn. */
const warnLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (...msg: unknown[]) => process.stderr.write(`bare bolt warn: ${msg.map(String).join(' ')}\n`),
  error: (...msg: unknown[]) => process.stderr.write(`bare bolt error: ${msg.map(String).join(' ')}\n`),
  setLevel: () => undefined,
  getLevel: () => LogLevel.WARN,
  setName: () => undefined,
};

async function main(): Promise<void> {
  const apiUrl = process.env.SLACK_API_URL;
  const app = new App({
    token: required('SLACK_BOT_TOKEN'),
    signingSecret: required('SLACK_SIGNING_SECRET'),
    clientOptions: apiUrl ? { slackApiUrl: apiUrl } : {},
    customRoutes: [{ path: '/healthz', method: ['GET'], handler: (_req, res) => res.writeHead(200).end('ok') }],
    logLevel: LogLevel.WARN,
    logger: warnLogger,
  });
  app.command('/mesh', async ({ ack }) => ack());
  app.action(/.*/, async ({ ack }) => ack());
  await app.start(Number(required('PORT')));
  process.once('SIGTERM', () => void app.stop().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`bare bolt app failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
