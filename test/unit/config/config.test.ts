import { describe, expect, it } from 'vitest';
import { loadMigrationsFile, parseMigrationsFile } from '../../../src/config/migrations-file.js';
import { readEnv } from '../../../src/config/read-env.js';

const SEED = `
migrations:
  - name: cr-gcpbackend-migration
    namespace: payments
    virtualService: cr-gcpbackend-migration
    from: cr-service-entry.com
    to: cr-gcpbackend.com
    gcpBackend: cr-gcpbackend
    channel: C0PAYMENTS
    approvers: [U0ALICE, S0SRE]
    allowSelfApproval: false
    incidentChannel: C0INCIDENTS
    steps: [10, 25, 50, 100]
    bake: 10m
    rollbackOn: { errors: 20, errorRate: 0.02, classes: [td-permission-denied] }
`;

const parse = (text: string) => parseMigrationsFile(text, 'meshbot.yaml');
const problems = (text: string) => {
  const result = parse(text);
  if (result.ok) throw new Error('expected problems');
  return result.error.join('\n');
};
const withKey = (line: string) => SEED.replace('    approvers: [U0ALICE, S0SRE]', `    approvers: [U0ALICE, S0SRE]\n${line}`);

describe('the migrations file', () => {
  it('parses the design example with defaults filled in', () => {
    const result = parse(SEED);
    expect(result.ok && result.value).toEqual({
      gcpBackendApi: { group: 'networking.gke.io', version: 'v1', plural: 'gcpbackends' },
      migrations: [
        {
          name: 'cr-gcpbackend-migration', namespace: 'payments', virtualService: 'cr-gcpbackend-migration', from: 'cr-service-entry.com', to: 'cr-gcpbackend.com', gcpBackend: 'cr-gcpbackend',
          channel: 'C0PAYMENTS', users: ['U0ALICE'], groups: ['S0SRE'], requesters: [], allowSelfApproval: false, incidentChannel: 'C0INCIDENTS', approvalTimeoutMs: 1_800_000,
          mirrorField: 'mirror', toPort: undefined, context: undefined, steps: [10, 25, 50, 100], bakeMs: 600_000,
          rollbackOn: { errors: 20, errorRate: 0.02, classes: ['td-permission-denied'] }, autoAdvance: false, logFilter: undefined,
        },
      ],
    });
  });

  it('takes a configured GCPBackend API', () => {
    const result = parse(`gcpBackendApi: { group: example.gke.io, version: v1beta1 }\n${SEED}`);
    expect(result.ok && result.value.gcpBackendApi).toEqual({ group: 'example.gke.io', version: 'v1beta1', plural: 'gcpbackends' });
  });

  it.each([
    ['    aprovers: [U0BOB]', 'meshbot.yaml: migrations[0]: unknown key "aprovers" (a typo?)'],
    ['    channel2: x', 'unknown key "channel2"'],
    ['    mirrorField: both', 'meshbot.yaml: migrations[0].mirrorField:'],
    ['    toPort: 70000', 'meshbot.yaml: migrations[0].toPort:'],
    ['    requesters: [S0SRE]', 'meshbot.yaml: migrations[0].requesters[0]: must be a Slack user id'],
  ])('names the file and the key for %j', (line, message) => {
    expect(problems(withKey(line))).toContain(message);
  });

  it.each([
    [SEED.replace('bake: 10m', 'bake: ten minutes'), 'meshbot.yaml: migrations[0].bake: must be a duration like 30s, 10m or 1h30m'],
    [withKey('    bake: 5m'), 'meshbot.yaml: not valid YAML: Map keys must be unique at line'],
    [SEED.replace('approvers: [U0ALICE, S0SRE]', 'approvers: []'), 'migrations[0].approvers: must list at least one Slack user (U…) or user group (S…) id'],
    [SEED.replace('channel: C0PAYMENTS', 'channel: "#payments"'), 'migrations[0].channel: must be a Slack channel id like C0123ABCD'],
    [SEED.replace('steps: [10, 25, 50, 100]', 'steps: [10, 50, 25, 100]'), 'migrations[0].steps: must increase step by step'],
    [SEED.replace('steps: [10, 25, 50, 100]', 'steps: [10, 25, 50]'), 'migrations[0].steps: must end at 100'],
    [SEED.replace('to: cr-gcpbackend.com', 'to: cr-service-entry.com'), 'migrations[0].to: from and to must be different hosts'],
    [SEED.replace('errorRate: 0.02', 'errorRate: 2'), 'migrations[0].rollbackOn.errorRate'],
    [SEED.replace('classes: [td-permission-denied]', 'classes: [td-permision-denied]'), 'migrations[0].rollbackOn.classes[0]: is not an error class'],
    [SEED.replace('    namespace: payments\n', ''), 'migrations[0].namespace: is required'],
    [`${SEED}${SEED.replace('migrations:\n', '')}`, 'migrations[1].name "cr-gcpbackend-migration" is used twice (also migrations[0])'],
    ['migrations: [unclosed', 'meshbot.yaml: not valid YAML'],
    ['', 'meshbot.yaml: no migrations list. A minimal file:'],
  ])('refuses with a message: %#', (text, message) => {
    expect(problems(text)).toContain(message);
  });

  it('says which file is missing and how to point at it', async () => {
    const result = await loadMigrationsFile('/nonexistent/meshbot.yaml');
    expect(!result.ok && result.error[0]).toBe('/nonexistent/meshbot.yaml: cannot read the migrations file (no such file). Set MESHBOT_CONFIG to its path.');
  });
});

describe('the environment', () => {
  const base = { SLACK_BOT_TOKEN: 'xoxb-1-2-secretsecret', SLACK_SIGNING_SECRET: 'abc123' };

  it('fills the documented defaults and picks HTTP mode', () => {
    const result = readEnv(base);
    expect(result.ok && result.value).toMatchObject({ slackMode: 'http', port: 3000, redisUrl: 'redis://127.0.0.1:6379', configPath: './meshbot.yaml', queuePrefix: '{meshbot}', logLevel: 'info' });
  });

  it('picks Socket Mode when SLACK_APP_TOKEN is set, without a signing secret', () => {
    const result = readEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-2' });
    expect(result.ok && result.value.slackMode).toBe('socket');
  });

  it('names each bad variable and never repeats a secret', () => {
    const result = readEnv({ SLACK_BOT_TOKEN: 'xoxp-user-token-secret-value', SLACK_APP_TOKEN: 'bad-app-token-secret', PORT: '99999', REDIS_URL: 'http://x', LOG_LEVEL: 'loud' });
    const text = !result.ok ? result.error.join('\n') : '';
    expect(text).toContain('SLACK_BOT_TOKEN must be a bot token starting with xoxb- (got one starting with "xoxp")');
    expect(text).toContain('SLACK_APP_TOKEN must be an app-level token starting with xapp-');
    expect(text).toContain('PORT must be a whole number from 0 to 65535');
    expect(text).toContain('REDIS_URL must start with redis:// or rediss://');
    expect(text).toContain('LOG_LEVEL must be one of');
    expect(text).not.toContain('user-token-secret-value');
    expect(text).not.toContain('app-token-secret');
  });

  it('requires a signing secret in HTTP mode and a bot token always', () => {
    const result = readEnv({});
    const text = !result.ok ? result.error.join('\n') : '';
    expect(text).toContain('SLACK_BOT_TOKEN is not set');
    expect(text).toContain('SLACK_SIGNING_SECRET is not set');
  });
});
