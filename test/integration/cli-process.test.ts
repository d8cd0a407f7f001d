import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).bin.meshbot as string);
const SEED = join(ROOT, 'test/fixtures/cli/seed.yaml');

function meshbot(args: string[], input?: string) {
  return spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', timeout: 15_000 });
}

describe('the meshbot bin', () => {
  it('shifts the seed example 90/10 to 75/25', () => {
    const run = meshbot(['shift', '--file', SEED, '--from', 'cr-service-entry.com', '--to', 'cr-gcpbackend.com', '--percent', '25']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const routes = parse(run.stdout).spec.http[0].route;
    expect(routes).toEqual([
      { destination: { host: 'cr-gcpbackend.com' }, weight: 25 },
      { destination: { host: 'cr-service-entry.com' }, weight: 75 },
    ]);
  });

  it('reads stdin and exits 2 with the reason on stderr and nothing on stdout for bad input', () => {
    const run = meshbot(['shift', '--file', '-', '--from', 'cr-service-entry.com', '--to', 'cr-gcpbackend.com', '--percent', '25'], 'kind: [');
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^meshbot shift: standard input: document 1 is not valid YAML/);
  });
});
