import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/config');
const BOT_TOKEN = 'xoxb-1111-2222-botsecretvalue';
const SIGNING_SECRET = 'signingsecret0123456789abcdef';

describe('loadConfig', () => {
  it('combines the environment and the migrations file', async () => {
    const result = await loadConfig({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, MESHBOT_CONFIG: join(FIXTURES, 'example.yaml') });
    expect(result.ok && result.value.env.slackMode).toBe('http');
    expect(result.ok && result.value.file.migrations.map((m) => m.name)).toEqual(['cr-gcpbackend-migration']);
  });

  it('lists every problem of both in one message, without secrets', async () => {
    const result = await loadConfig({ SLACK_BOT_TOKEN: 'xoxp-user-secret-value', PORT: 'http', MESHBOT_CONFIG: '/nonexistent/meshbot.yaml' });
    expect(!result.ok && result.error.split('\n')).toEqual([
      'meshbot cannot start: 4 configuration problems.',
      'Environment variables:',
      '  - SLACK_BOT_TOKEN must be a bot token starting with xoxb- (got a value starting with "xoxp").',
      expect.stringContaining('  - SLACK_SIGNING_SECRET is not set'),
      '  - PORT must be a whole number from 0 to 65535 (got "http").',
      'Migrations file (MESHBOT_CONFIG=/nonexistent/meshbot.yaml):',
      '  - /nonexistent/meshbot.yaml: no such file; set MESHBOT_CONFIG to the path of the migrations file.',
    ]);
    expect(!result.ok && result.error).not.toContain('user-secret-value');
  });

  it('refuses an analysis.window under 1m unless the metrics come from a local MetricService', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshbot-config-'));
    const file = join(dir, 'meshbot.yaml');
    await writeFile(file, `${await readFile(join(FIXTURES, 'minimal.yaml'), 'utf8')}    analysis: { window: 5s }\n`);
    const env = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, MESHBOT_CONFIG: file };
    const refused = await loadConfig(env);
    expect(!refused.ok && refused.error).toContain('migrations[0].analysis.window: must be at least 1m: Cloud Monitoring aligns metrics at 60 s at least (got 5s)');
    const local = await loadConfig({ ...env, MONITORING_API_ENDPOINT: '127.0.0.1:8086' });
    expect(local.ok && local.value.file.migrations[0]?.analysis?.windowMs).toBe(5000);
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a logFilter that is not a Cloud Logging query, naming the migration, the key and where it goes wrong', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshbot-config-'));
    const file = join(dir, 'meshbot.yaml');
    await writeFile(file, `${await readFile(join(FIXTURES, 'minimal.yaml'), 'utf8')}    logFilter: 'severity>=ERROR AND (textPayload:"x"'\n`);
    const result = await loadConfig({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, MESHBOT_CONFIG: file });
    expect(!result.ok && result.error.split('\n')).toEqual([
      'meshbot cannot start: 1 configuration problem.',
      `Migrations file (MESHBOT_CONFIG=${file}):`,
      `  - migrations[0].logFilter (migration "checkout"): is not a Cloud Logging query meshbot can read: unbalanced '(' at position 20 of the filter (got "severity>=ERROR AND (textPayload:\\"x\\"")`,
    ]);
    await rm(dir, { recursive: true, force: true });
  });

  it('indents a multi-line problem under its bullet', async () => {
    const result = await loadConfig({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, MESHBOT_CONFIG: join(FIXTURES, 'empty.yaml') });
    const lines = !result.ok ? result.error.split('\n') : [];
    expect(lines.slice(0, 5)).toEqual([
      'meshbot cannot start: 1 configuration problem.',
      `Migrations file (MESHBOT_CONFIG=${join(FIXTURES, 'empty.yaml')}):`,
      `  - ${join(FIXTURES, 'empty.yaml')}: is empty; it must list the migrations; a minimal file:`,
      '    migrations:',
      '      - name: cr-gcpbackend-migration',
    ]);
  });
});
