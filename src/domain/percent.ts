import { quote, shorten } from './command/token-rules.js';
import { err, ok, type Result } from './result.js';

/** Checks a number is a whole percentage 0–100; the message names the bad value. */
export function checkPercent(percent: number): Result<number, string> {
  if (!Number.isInteger(percent)) return err(`${percent}% is not a whole percentage: route weights are integers, use 0–100 with no decimals.`);
  if (percent < 0 || percent > 100) return err(`${percent}% is not a percentage between 0 and 100.`);
  return ok(percent);
}

/**
 * Parses `25` or `25%` (a whole number 0–100). Example: parsePercentToken('25%') → ok(25).
 * `12.5%`, `-5%`, `25%%`, `250%` and `abc` are refused with a message quoting the token.
 */
export function parsePercentToken(token: string): Result<number, string> {
  const whole = /^(\d{1,9})%?$/.exec(token);
  if (whole) {
    const value = Number(whole[1]);
    return value <= 100 ? ok(value) : err(`${shorten(token)} is not a percentage between 0 and 100.`);
  }
  if (/^-\d+(\.\d+)?%?$/.test(token)) return err(`${shorten(token)} is negative: a percentage is between 0 and 100.`);
  if (/^\d*\.\d+%?$/.test(token)) return err(`${shorten(token)} is not a whole percentage: route weights are integers, use 0–100 with no decimals.`);
  if (/^\d+%{2,}$/.test(token)) return err(`${shorten(token)} has more than one % sign: write it like 25% or 25.`);
  return err(`${quote(token)} is not a percentage: write a whole number between 0 and 100, like 25% or 25.`);
}
