import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMigrationsFile } from '../../../src/config/migrations-file.js';

const MINIMAL = readFileSync(join(import.meta.dirname, '../../fixtures/config/minimal.yaml'), 'utf8');
const SECOND_ENTRY = MINIMAL.replace('migrations:\n', '').replace('name: checkout', 'name: payments');

const parse = (text: string) => parseMigrationsFile(text, 'meshbot.yaml');
const withKeys = (lines: string) => `${MINIMAL}${lines}\n`;

function migrations(text: string) {
  const result = parse(text);
  if (!result.ok) throw new Error(result.error.join('\n'));
  return result.value.migrations;
}

function problems(text: string): string[] {
  const result = parse(text);
  if (result.ok) throw new Error('expected problems');
  return result.error;
}

describe('gitops and driftCheck in the migrations file', () => {
  it('defaults to gitops: warn and a drift check every 5 minutes', () => {
    expect(migrations(MINIMAL)[0]).toMatchObject({ gitops: 'warn', driftCheckMs: 300_000 });
  });

  it.each(['warn', 'refuse', 'suspend-flux'])('takes gitops: %s', (policy) => {
    expect(migrations(withKeys(`    gitops: ${policy}`))[0]).toMatchObject({ gitops: policy });
  });

  it("takes a migration's own driftCheck", () => {
    expect(migrations(withKeys('    driftCheck: 90s'))[0]).toMatchObject({ driftCheckMs: 90_000 });
  });

  it('makes a top-level driftCheck the default of every migration, which a migration may override', () => {
    const text = `driftCheck: 1m\n${MINIMAL}    driftCheck: 1h30m\n${SECOND_ENTRY}`;
    expect(migrations(text).map((m) => [m.name, m.driftCheckMs])).toEqual([
      ['checkout', 5_400_000],
      ['payments', 60_000],
    ]);
  });

  it.each([
    ['    gitops: suspend', 'meshbot.yaml: migrations[0].gitops: must be one of warn, refuse, suspend-flux (got "suspend")'],
    ['    gitops: true', 'meshbot.yaml: migrations[0].gitops: must be one of warn, refuse, suspend-flux (got true)'],
    ['    driftCheck: 5', 'meshbot.yaml: migrations[0].driftCheck: must be a duration with its unit, like 30s, 10m or 1h30m (got 5)'],
    ['    driftCheck: 0s', 'meshbot.yaml: migrations[0].driftCheck: "0s" is no time at all: give at least 1s'],
    ['    driftCheck: often', 'meshbot.yaml: migrations[0].driftCheck: "often" is not a duration: write it like 30s, 10m, 1h or 1h30m'],
    ['    driftCheck:', 'meshbot.yaml: migrations[0].driftCheck: is empty: give a value or remove the key'],
  ])('refuses %j with a clear message', (lines, message) => {
    expect(problems(withKeys(lines))).toContainEqual(expect.stringContaining(message));
  });

  it('refuses a bad top-level driftCheck, naming the top-level key', () => {
    expect(problems(`driftCheck: 10\n${MINIMAL}`)).toEqual(['meshbot.yaml: driftCheck: must be a duration with its unit, like 30s, 10m or 1h30m (got 10)']);
    expect(problems(`driftCheck: 0m\n${MINIMAL}`)).toEqual(['meshbot.yaml: driftCheck: "0m" is no time at all: give at least 1s']);
  });

  it('suggests the key for a misspelt gitops', () => {
    expect(problems(withKeys('    gitop: refuse'))).toContainEqual(expect.stringContaining('migrations[0]: unknown key "gitop" (did you mean "gitops"?)'));
  });
});
