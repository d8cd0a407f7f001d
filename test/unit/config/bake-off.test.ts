import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMigrationsFile } from '../../../src/config/migrations-file.js';

const MINIMAL = readFileSync(join(import.meta.dirname, '../../fixtures/config/minimal.yaml'), 'utf8');
const parse = (keys: string) => parseMigrationsFile(`${MINIMAL}${keys}\n`, 'meshbot.yaml');

describe('bake: 0s, as the README says, turns bakes off', () => {
  it.each(['0s', '0m', '0h'])('reads bake: %s as no bake (bakeMs 0, which the worker treats as no bake)', (text) => {
    const result = parse(`    bake: ${text}`);
    expect(result.ok && result.value.migrations[0]?.bakeMs).toBe(0);
  });

  it('still refuses no time at all where zero means nothing', () => {
    expect(parse('    approvalTimeout: 0s')).toEqual({ ok: false, error: [expect.stringContaining('"0s" is no time at all: give at least 1s')] });
  });

  it('still refuses a bake that is no duration', () => {
    expect(parse('    bake: 0')).toEqual({ ok: false, error: ['meshbot.yaml: migrations[0].bake: must be a duration with its unit, like 30s, 10m or 1h30m (got 0)'] });
    expect(parse('    bake: soon')).toEqual({ ok: false, error: [expect.stringContaining('"soon" is not a duration')] });
  });
});
