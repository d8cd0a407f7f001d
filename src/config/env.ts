import { err, ok, type Result } from '../domain/result.js';
import type { EnvConfig, LogLevel } from './types.js';

export type { EnvConfig } from './types.js';

type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_CONFIG_PATH = './meshbot.yaml';
const DEFAULT_PORT = 3000;
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** Hash-tagged so Redis Cluster keeps all of meshbot's keys in one slot, as BullMQ's scripts need. */
const DEFAULT_QUEUE_PREFIX = '{meshbot}';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const SHOWN_SECRET_CHARS = 4;

/**
 * Reads meshbot's environment variables (a public interface, see DESIGN.md). Pure: the
 * environment is a parameter. Every problem names the variable and what would be right;
 * a secret is never repeated beyond its first characters.
 */
export function readEnv(env: Env): Result<EnvConfig, string[]> {
  const value = (name: string) => envValue(env, name);
  const socketMode = value('SLACK_APP_TOKEN') !== undefined;
  const checked = collect({
    botToken: checkBotToken(value('SLACK_BOT_TOKEN')),
    signingSecret: checkSigningSecret(value('SLACK_SIGNING_SECRET'), socketMode),
    appToken: checkAppToken(value('SLACK_APP_TOKEN')),
    apiUrl: checkSlackApiUrl(value('SLACK_API_URL')),
    port: checkPort(value('PORT')),
    redisUrl: checkRedisUrl(value('REDIS_URL')),
    gcpProject: checkGcpProject(value('GCP_PROJECT')),
    loggingEndpoint: checkEndpoint('LOGGING_API_ENDPOINT', 'logging.googleapis.com:443 or 127.0.0.1:8085', value('LOGGING_API_ENDPOINT')),
    monitoringEndpoint: checkEndpoint('MONITORING_API_ENDPOINT', 'monitoring.googleapis.com:443 or 127.0.0.1:8086', value('MONITORING_API_ENDPOINT')),
    queuePrefix: checkQueuePrefix(value('MESHBOT_QUEUE_PREFIX')),
    logLevel: checkLogLevel(value('LOG_LEVEL')),
    stalledIntervalMs: checkStalledInterval(value('MESHBOT_STALLED_INTERVAL_MS')),
    logWatchMaxSessions: checkWholeNumber('LOG_WATCH_MAX_SESSIONS', value('LOG_WATCH_MAX_SESSIONS'), 1, 10, 'TailLogEntries sessions of the log watch (Cloud Logging allows 10 per project); unset means 2'),
    loggingReadQuota: checkWholeNumber('LOGGING_READ_QUOTA', value('LOGGING_READ_QUOTA'), 1, 100_000, "the project's ListLogEntries quota per minute (meshbot uses 80 % of it); unset means Cloud Logging's 60"),
  });
  if (!checked.ok) return checked;
  const { botToken, signingSecret, appToken, apiUrl, ...rest } = checked.value;
  return ok({
    slack: { botToken, signingSecret, appToken, apiUrl },
    slackMode: socketMode ? 'socket' : 'http',
    ...rest,
    kubeconfig: value('KUBECONFIG'),
    configPath: migrationsPath(env),
  });
}

/** MESHBOT_CONFIG, apart so the migrations file can be checked even when other variables are wrong. */
export function migrationsPath(env: Env): string {
  return envValue(env, 'MESHBOT_CONFIG') ?? DEFAULT_CONFIG_PATH;
}

/** Trimmed because secrets mounted from files often end in a newline; empty counts as unset, as in most templates. */
function envValue(env: Env, name: string): string | undefined {
  const text = env[name]?.trim();
  return text === '' ? undefined : text;
}

function checkBotToken(token: string | undefined): Result<string, string> {
  if (token === undefined) return err('SLACK_BOT_TOKEN is not set: give the bot token (xoxb-…) from the Slack app\'s "OAuth & Permissions" page.');
  if (!token.startsWith('xoxb-')) return err(`SLACK_BOT_TOKEN must be a bot token starting with xoxb- (got ${secretPreview(token)}).`);
  return ok(token);
}

function checkSigningSecret(secret: string | undefined, socketMode: boolean): Result<string | undefined, string> {
  if (secret === undefined && !socketMode) {
    return err('SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify requests from Slack ("Basic Information" → Signing Secret); or set SLACK_APP_TOKEN for Socket Mode.');
  }
  return ok(secret);
}

function checkAppToken(token: string | undefined): Result<string | undefined, string> {
  if (token !== undefined && !token.startsWith('xapp-')) {
    return err(`SLACK_APP_TOKEN must be an app-level token starting with xapp- (got ${secretPreview(token)}); leave it unset for HTTP mode.`);
  }
  return ok(token);
}

function checkSlackApiUrl(url: string | undefined): Result<string | undefined, string> {
  if (url === undefined) return ok(undefined);
  if (!isUrlWithProtocol(url, ['http:', 'https:'])) return err(`SLACK_API_URL must be an http:// or https:// URL like https://slack.com/api/ (got ${JSON.stringify(withoutCredentials(url))}).`);
  return ok(url.endsWith('/') ? url : `${url}/`);
}

function checkPort(port: string | undefined): Result<number, string> {
  if (port === undefined) return ok(DEFAULT_PORT);
  const number = Number(port);
  if (!/^\d{1,5}$/.test(port) || number > 65535) return err(`PORT must be a whole number from 0 to 65535 (got ${JSON.stringify(port)}).`);
  return ok(number);
}

/** How soon a job whose worker died is resumed; BullMQ's 30 s default unless set. */
function checkStalledInterval(text: string | undefined): Result<number | undefined, string> {
  if (text === undefined) return ok(undefined);
  const ms = Number(text);
  if (!/^\d+$/.test(text) || ms < 1000 || ms > 600_000) return err(`MESHBOT_STALLED_INTERVAL_MS must be milliseconds from 1000 to 600000 (got ${JSON.stringify(text)}); unset means 30000.`);
  return ok(ms);
}

function checkWholeNumber(name: string, text: string | undefined, min: number, max: number, meaning: string): Result<number | undefined, string> {
  if (text === undefined) return ok(undefined);
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) return err(`${name} must be a whole number from ${min} to ${max}: ${meaning} (got ${JSON.stringify(text)}).`);
  return ok(n);
}

function checkRedisUrl(url: string | undefined): Result<string, string> {
  if (url === undefined) return ok(DEFAULT_REDIS_URL);
  if (!isUrlWithProtocol(url, ['redis:', 'rediss:'])) return err(`REDIS_URL must be a redis:// or rediss:// URL like ${DEFAULT_REDIS_URL} (got ${JSON.stringify(withoutCredentials(url))}).`);
  return ok(url);
}

function checkGcpProject(project: string | undefined): Result<string | undefined, string> {
  if (project !== undefined && /[\s/]/.test(project)) return err(`GCP_PROJECT must be a project id like my-project-123, not a resource name (got ${JSON.stringify(project)}).`);
  return ok(project);
}

/** A Google API endpoint variable: `host:port` or a host, no scheme. */
function checkEndpoint(name: string, examples: string, endpoint: string | undefined): Result<string | undefined, string> {
  if (endpoint === undefined) return ok(undefined);
  const match = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(endpoint);
  if (!match || Number(match[1] ?? 1) < 1 || Number(match[1] ?? 1) > 65535) {
    return err(`${name} must be host:port or a host, without a scheme, like ${examples} (got ${JSON.stringify(withoutCredentials(endpoint))}).`);
  }
  return ok(endpoint);
}

function checkQueuePrefix(prefix: string | undefined): Result<string, string> {
  if (prefix === undefined) return ok(DEFAULT_QUEUE_PREFIX);
  if (/\s/.test(prefix)) return err(`MESHBOT_QUEUE_PREFIX must be a Redis key prefix without spaces, like ${DEFAULT_QUEUE_PREFIX} (got ${JSON.stringify(prefix)}).`);
  return ok(prefix);
}

function checkLogLevel(level: string | undefined): Result<LogLevel, string> {
  if (level === undefined) return ok('info');
  const known = LOG_LEVELS.find((l) => l === level.toLowerCase());
  return known ? ok(known) : err(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(level)}).`);
}

function secretPreview(secret: string): string {
  return `a value starting with ${JSON.stringify(secret.slice(0, SHOWN_SECRET_CHARS))}`;
}

function withoutCredentials(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//…@');
}

function isUrlWithProtocol(text: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

type Checked<T> = { [K in keyof T]: T[K] extends Result<infer V, string> ? V : never };

/** All values when every check passed, else every problem, in order. */
function collect<T extends Record<string, Result<unknown, string>>>(checks: T): Result<Checked<T>, string[]> {
  const problems = Object.values(checks).flatMap((check) => (check.ok ? [] : [check.error]));
  if (problems.length > 0) return err(problems);
  return ok(Object.fromEntries(Object.entries(checks).map(([key, check]) => [key, check.ok ? check.value : undefined])) as Checked<T>);
}
