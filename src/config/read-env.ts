import { err, ok, type Result } from '../domain/result.js';

export interface EnvConfig {
  readonly slack: { readonly botToken: string; readonly signingSecret?: string | undefined; readonly appToken?: string | undefined; readonly apiUrl?: string | undefined };
  readonly slackMode: 'http' | 'socket';
  readonly port: number;
  readonly redisUrl: string;
  readonly kubeconfig?: string | undefined;
  readonly gcpProject?: string | undefined;
  readonly loggingEndpoint?: string | undefined;
  readonly configPath: string;
  readonly queuePrefix: string;
  readonly logLevel: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads meshbot's environment (a public interface: see the README's configuration table).
 * Pure: takes the environment as a parameter. Every problem names the variable and what
 * would be right; a secret's value is never repeated, at most its first characters.
 */
export function readEnv(env: Readonly<Record<string, string | undefined>>): Result<EnvConfig, string[]> {
  const problems: string[] = [];
  const value = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const botToken = value('SLACK_BOT_TOKEN');
  const appToken = value('SLACK_APP_TOKEN');
  const signingSecret = value('SLACK_SIGNING_SECRET');
  if (!botToken) problems.push('SLACK_BOT_TOKEN is not set: give the bot token (xoxb-…) from the Slack app\'s OAuth page.');
  else if (!botToken.startsWith('xoxb-')) problems.push(`SLACK_BOT_TOKEN must be a bot token starting with xoxb- (got one starting with "${botToken.slice(0, 4)}").`);
  if (appToken && !appToken.startsWith('xapp-')) problems.push(`SLACK_APP_TOKEN must be an app-level token starting with xapp- (got one starting with "${appToken.slice(0, 4)}"); leave it unset for HTTP mode.`);
  if (!appToken && !signingSecret) problems.push('SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify Slack requests (Basic Information → Signing Secret), or set SLACK_APP_TOKEN for Socket Mode.');
  const apiUrl = value('SLACK_API_URL');
  if (apiUrl && !isHttpUrl(apiUrl)) problems.push(`SLACK_API_URL must be an http(s) URL like https://slack.com/api/ (got "${apiUrl}").`);
  const port = Number(value('PORT') ?? '3000');
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT must be a whole number from 0 to 65535 (got "${value('PORT')}").`);
  const redisUrl = value('REDIS_URL') ?? 'redis://127.0.0.1:6379';
  if (!/^rediss?:\/\//.test(redisUrl)) problems.push(`REDIS_URL must start with redis:// or rediss:// (got "${redisUrl.replace(/\/\/[^@]*@/, '//…@')}").`);
  const logLevel = value('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}").`);
  if (problems.length > 0) return err(problems);
  return ok({
    slack: { botToken: botToken as string, signingSecret, appToken, apiUrl: apiUrl && !apiUrl.endsWith('/') ? `${apiUrl}/` : apiUrl },
    slackMode: appToken ? 'socket' : 'http',
    port,
    redisUrl,
    kubeconfig: value('KUBECONFIG'),
    gcpProject: value('GCP_PROJECT'),
    loggingEndpoint: value('LOGGING_API_ENDPOINT'),
    configPath: value('MESHBOT_CONFIG') ?? './meshbot.yaml',
    queuePrefix: value('MESHBOT_QUEUE_PREFIX') ?? '{meshbot}',
    logLevel,
  });
}

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}
