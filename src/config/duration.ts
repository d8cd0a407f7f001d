import { err, ok, type Result } from '../domain/result.js';

/** Hours, minutes and seconds, each at most once and in that order: `1h30m`, `90s`, `2h15m30s`. */
const DURATION = /^(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,6})s)?$/;
const EXAMPLES = 'like 30s, 10m, 1h or 1h30m';

/** `10m` → 600000. A duration written in the migrations file, in milliseconds; zero is refused. */
export function parseDurationMs(text: string): Result<number, string> {
  const ms = parseDurationOrZeroMs(text);
  if (ms.ok && ms.value === 0) return err(`${JSON.stringify(text)} is no time at all: give at least 1s`);
  return ms;
}

/** As parseDurationMs, but `0s` is zero: for a key where no time at all turns something off (`bake: 0s`). */
export function parseDurationOrZeroMs(text: string): Result<number, string> {
  const match = DURATION.exec(text.trim());
  if (!match || text.trim() === '') return err(`${JSON.stringify(text)} is not a duration: write it ${EXAMPLES}`);
  const [, hours = '0', minutes = '0', seconds = '0'] = match;
  return ok(((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000);
}
