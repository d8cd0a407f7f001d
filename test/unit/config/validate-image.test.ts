import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMigrationsFile } from '../../../src/config/migrations-file.js';

const MINIMAL = readFileSync(join(import.meta.dirname, '../../fixtures/config/minimal.yaml'), 'utf8');
const withKeys = (lines: string) => parseMigrationsFile(`${MINIMAL.trimEnd()}\n${lines}\n`, 'meshbot.yaml');

describe('validateImage in the migrations file', () => {
  it('is optional: left out, the probe uses curlimages/curl:8.11.1 (applied where the probe is built)', () => {
    const parsed = withKeys('');
    expect(parsed.ok && parsed.value.migrations[0]?.validateImage).toBeUndefined();
  });

  it('takes image references as kubectl does', () => {
    for (const image of ['curlimages/curl:8.11.1', 'registry.example.com:5000/tools/curl:8.11.1', 'gcr.io/shop/curl@sha256:' + 'a'.repeat(64), 'curl']) {
      const parsed = withKeys(`    validateImage: ${image}`);
      expect(parsed.ok && parsed.value.migrations[0]?.validateImage).toBe(image);
    }
  });

  it('refuses what is not an image reference, naming the key and what would be right', () => {
    const parsed = withKeys('    validateImage: "curl images/curl"');
    expect(parsed).toEqual({ ok: false, error: [expect.stringMatching(/^meshbot\.yaml: migrations\[0\]\.validateImage: 'curl images\/curl' is not a container image reference: .*like curlimages\/curl:8\.11\.1/)] });
  });

  it('is caught as a typo like every key', () => {
    const parsed = withKeys('    validateImg: curlimages/curl:8.11.1');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error[0]).toContain('(did you mean "validateImage"?)');
  });
});
