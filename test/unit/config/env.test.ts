import { describe, expect, it } from 'vitest';
import { migrationsPath, readEnv } from '../../../src/config/env.js';

const BOT_TOKEN = 'xoxb-1111-2222-botsecretvalue';
const SIGNING_SECRET = 'signingsecret0123456789abcdef';
const HTTP_ENV = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET };

function problems(env: Record<string, string | undefined>): string {
  const result = readEnv(env);
  if (result.ok) throw new Error('expected problems');
  return result.error.join('\n');
}

describe('readEnv', () => {
  it('fills every default and picks HTTP mode', () => {
    expect(readEnv(HTTP_ENV)).toEqual({
      ok: true,
      value: {
        slack: { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, appToken: undefined, apiUrl: undefined },
        slackMode: 'http',
        port: 3000,
        redisUrl: 'redis://127.0.0.1:6379',
        kubeconfig: undefined,
        gcpProject: undefined,
        loggingEndpoint: undefined,
        configPath: './meshbot.yaml',
        queuePrefix: '{meshbot}',
        logLevel: 'info',
      },
    });
  });

  it('takes every variable as given', () => {
    const result = readEnv({
      ...HTTP_ENV,
      SLACK_API_URL: 'http://127.0.0.1:4000/api',
      PORT: '0',
      REDIS_URL: 'rediss://:pw@redis.internal:6380/2',
      KUBECONFIG: '/etc/kube/config',
      GCP_PROJECT: 'meshbot-test',
      LOGGING_API_ENDPOINT: '127.0.0.1:8085',
      MONITORING_API_ENDPOINT: '127.0.0.1:8086',
      MESHBOT_CONFIG: '/etc/meshbot/meshbot.yaml',
      MESHBOT_QUEUE_PREFIX: '{meshbot-staging}',
      LOG_LEVEL: 'DEBUG',
    });
    expect(result.ok && result.value).toMatchObject({
      slack: { apiUrl: 'http://127.0.0.1:4000/api/' },
      port: 0,
      redisUrl: 'rediss://:pw@redis.internal:6380/2',
      kubeconfig: '/etc/kube/config',
      gcpProject: 'meshbot-test',
      loggingEndpoint: '127.0.0.1:8085',
      monitoringEndpoint: '127.0.0.1:8086',
      configPath: '/etc/meshbot/meshbot.yaml',
      queuePrefix: '{meshbot-staging}',
      logLevel: 'debug',
    });
  });

  it('keeps a Slack API URL that already ends in /', () => {
    const result = readEnv({ ...HTTP_ENV, SLACK_API_URL: 'https://slack.com/api/' });
    expect(result.ok && result.value.slack.apiUrl).toBe('https://slack.com/api/');
  });

  it('picks Socket Mode when SLACK_APP_TOKEN is set, with no signing secret needed', () => {
    const result = readEnv({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: 'xapp-1-A1-123-abc' });
    expect(result.ok && result.value).toMatchObject({ slackMode: 'socket', slack: { appToken: 'xapp-1-A1-123-abc', signingSecret: undefined } });
  });

  it('trims values and treats empty ones as unset', () => {
    const result = readEnv({ SLACK_BOT_TOKEN: `${BOT_TOKEN}\n`, SLACK_SIGNING_SECRET: ` ${SIGNING_SECRET} `, SLACK_APP_TOKEN: '', PORT: '', MESHBOT_CONFIG: '' });
    expect(result.ok && result.value).toMatchObject({ slack: { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET }, slackMode: 'http', port: 3000, configPath: './meshbot.yaml' });
  });

  it('requires a bot token, and a signing secret in HTTP mode', () => {
    const text = problems({});
    expect(text).toContain('SLACK_BOT_TOKEN is not set: give the bot token (xoxb-…)');
    expect(text).toContain('SLACK_SIGNING_SECRET is not set: HTTP mode needs it to verify requests from Slack');
    expect(text).toContain('or set SLACK_APP_TOKEN for Socket Mode');
  });

  it.each([
    ['PORT', '65536', 'PORT must be a whole number from 0 to 65535 (got "65536").'],
    ['PORT', '80a', 'PORT must be a whole number from 0 to 65535 (got "80a").'],
    ['PORT', '-1', 'PORT must be a whole number from 0 to 65535 (got "-1").'],
    ['REDIS_URL', 'localhost:6379', 'REDIS_URL must be a redis:// or rediss:// URL like redis://127.0.0.1:6379 (got "localhost:6379").'],
    ['SLACK_API_URL', 'ftp://slack.example', 'SLACK_API_URL must be an http:// or https:// URL like https://slack.com/api/ (got "ftp://slack.example").'],
    ['LOGGING_API_ENDPOINT', 'https://logging.googleapis.com', 'LOGGING_API_ENDPOINT must be host:port or a host, without a scheme'],
    ['LOGGING_API_ENDPOINT', 'localhost:0', 'LOGGING_API_ENDPOINT must be host:port or a host'],
    ['MONITORING_API_ENDPOINT', 'https://monitoring.googleapis.com', 'MONITORING_API_ENDPOINT must be host:port or a host, without a scheme, like monitoring.googleapis.com:443 or 127.0.0.1:8086 (got "https://monitoring.googleapis.com").'],
    ['GCP_PROJECT', 'projects/my-project', 'GCP_PROJECT must be a project id like my-project-123, not a resource name (got "projects/my-project").'],
    ['MESHBOT_QUEUE_PREFIX', 'my prefix', 'MESHBOT_QUEUE_PREFIX must be a Redis key prefix without spaces'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud").'],
  ])('names %s and what would be right (%j)', (name, value, message) => {
    expect(problems({ ...HTTP_ENV, [name]: value })).toContain(message);
  });

  it('accepts a bare host and a bracketed IPv6 endpoint', () => {
    expect(readEnv({ ...HTTP_ENV, LOGGING_API_ENDPOINT: 'logging.googleapis.com' }).ok).toBe(true);
    expect(readEnv({ ...HTTP_ENV, LOGGING_API_ENDPOINT: '[::1]:8085' }).ok).toBe(true);
  });

  it('lists every problem at once', () => {
    const result = readEnv({ PORT: 'x', LOG_LEVEL: 'loud' });
    expect(!result.ok && result.error.map((p) => p.split(' ')[0])).toEqual(['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'PORT', 'LOG_LEVEL']);
  });

  it('never repeats a secret, only its first 4 characters', () => {
    const text = problems({
      SLACK_BOT_TOKEN: 'xoxp-user-token-secret-value',
      SLACK_APP_TOKEN: 'xoxb-wrong-place-secret',
      REDIS_URL: 'http://admin:redispassword@redis:6379',
    });
    expect(text).toContain('SLACK_BOT_TOKEN must be a bot token starting with xoxb- (got a value starting with "xoxp").');
    expect(text).toContain('SLACK_APP_TOKEN must be an app-level token starting with xapp- (got a value starting with "xoxb"); leave it unset for HTTP mode.');
    expect(text).toContain('REDIS_URL must be a redis:// or rediss:// URL like redis://127.0.0.1:6379 (got "http://…@redis:6379").');
    for (const secret of ['user-token-secret-value', 'xoxp-', 'wrong-place-secret', 'redispassword', 'admin']) expect(text).not.toContain(secret);
  });
});

describe('migrationsPath', () => {
  it('is MESHBOT_CONFIG, or ./meshbot.yaml', () => {
    expect(migrationsPath({ MESHBOT_CONFIG: '/etc/meshbot/meshbot.yaml' })).toBe('/etc/meshbot/meshbot.yaml');
    expect(migrationsPath({})).toBe('./meshbot.yaml');
  });
});

describe('MESHBOT_STALLED_INTERVAL_MS', () => {
  const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };
  it('is unset by default and takes milliseconds from 1000 to 600000', () => {
    const unset = readEnv(base);
    expect(unset.ok && unset.value.stalledIntervalMs).toBeUndefined();
    const set = readEnv({ ...base, MESHBOT_STALLED_INTERVAL_MS: '5000' });
    expect(set.ok && set.value.stalledIntervalMs).toBe(5000);
    const bad = readEnv({ ...base, MESHBOT_STALLED_INTERVAL_MS: '5s' });
    expect(!bad.ok && bad.error).toEqual(['MESHBOT_STALLED_INTERVAL_MS must be milliseconds from 1000 to 600000 (got "5s"); unset means 30000.']);
  });
});
