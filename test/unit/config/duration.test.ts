import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseDurationOrZeroMs } from '../../../src/config/duration.js';

describe('parseDurationMs', () => {
  it.each([
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2h15m30s', 8_130_000],
    ['90m', 5_400_000],
  ])('reads %s', (text, ms) => {
    expect(parseDurationMs(text)).toEqual({ ok: true, value: ms });
  });

  it.each(['', '10', 'ten minutes', '30m1h', '1.5h', '10 m', '-5m', '1d'])('refuses %j, showing how to write one', (text) => {
    expect(parseDurationMs(text)).toEqual({ ok: false, error: `${JSON.stringify(text)} is not a duration: write it like 30s, 10m, 1h or 1h30m` });
  });

  it('refuses no time at all', () => {
    expect(parseDurationMs('0m')).toEqual({ ok: false, error: '"0m" is no time at all: give at least 1s' });
  });
});

describe('parseDurationOrZeroMs', () => {
  it('reads zero as zero, and everything else as parseDurationMs does', () => {
    expect(parseDurationOrZeroMs('0s')).toEqual({ ok: true, value: 0 });
    expect(parseDurationOrZeroMs('0h0m')).toEqual({ ok: true, value: 0 });
    expect(parseDurationOrZeroMs('1h30m')).toEqual({ ok: true, value: 5_400_000 });
    expect(parseDurationOrZeroMs('0')).toEqual(parseDurationMs('0'));
  });
});
