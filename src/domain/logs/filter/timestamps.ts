/**
 * RFC 3339 timestamps and protobuf Durations as the Cloud Logging query language compares them.
 * Calendar arithmetic by hand (proleptic Gregorian, days since 1970-01-01), so that the domain
 * needs no Date: it parses and formats, it never reads the clock.
 */

/** A protobuf Timestamp: whole seconds since the epoch plus nanoseconds (0..999,999,999). */
export interface TimestampParts {
  seconds: number;
  nanos: number;
}

// RFC 3339, also the date-only and minute-precision forms that Cloud Logging queries accept.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})?$/;
const SECONDS_PER_DAY = 86_400;

/** Undefined for text that is no timestamp (day 1–31 in any month, 24:00 for the end of a day). */
export function parseTimestamp(value: string): TimestampParts | undefined {
  const match = RFC3339.exec(value.trim());
  if (!match) return undefined;
  const [, year, month, day, hours = '00', minutes = '00', seconds = '00', fraction = '', zone = 'Z'] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hours, minutes, seconds].map(Number) as [number, number, number, number, number, number];
  const offset = zoneOffsetSeconds(zone);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || mi > 59 || s > 59 || h > 24 || (h === 24 && (mi > 0 || s > 0)) || offset === undefined) return undefined;
  return { seconds: daysFromCivil(y, mo, d) * SECONDS_PER_DAY + h * 3600 + mi * 60 + s - offset, nanos: Number(fraction.padEnd(9, '0')) };
}

/** `Z`, `+05:30`, `-0800`: seconds east of UTC; hours up to 23, minutes up to 59. */
function zoneOffsetSeconds(zone: string): number | undefined {
  if (zone.toUpperCase() === 'Z') return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(-2));
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 3600 + minutes * 60);
}

/** RFC 3339 in UTC with nine fraction digits, so that string order is time order. */
export function formatTimestamp(parts: TimestampParts): string {
  const days = Math.floor(parts.seconds / SECONDS_PER_DAY);
  const secondOfDay = parts.seconds - days * SECONDS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const date = `${formatYear(year)}-${pad2(month)}-${pad2(day)}`;
  const time = `${pad2(Math.floor(secondOfDay / 3600))}:${pad2(Math.floor(secondOfDay / 60) % 60)}:${pad2(secondOfDay % 60)}`;
  return `${date}T${time}.${String(parts.nanos).padStart(9, '0')}Z`;
}

export function compareTimestamps(a: TimestampParts, b: TimestampParts): number {
  return a.seconds - b.seconds || a.nanos - b.nanos;
}

/** A protobuf Duration in its JSON form ("1.5s") or seconds as a number. */
export function parseDuration(value: string | number): TimestampParts | undefined {
  const text = typeof value === 'number' ? String(value) : value.trim().replace(/s$/, '');
  const match = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (!match) return undefined;
  return { seconds: Number(match[1]), nanos: Number((match[2] ?? '').padEnd(9, '0')) };
}

export function formatDuration(parts: TimestampParts): string {
  if (parts.nanos === 0) return `${parts.seconds}s`;
  const fraction = String(parts.nanos).padStart(9, '0').replace(/0+$/, '');
  return `${parts.seconds}.${fraction}s`;
}

// Howard Hinnant's days_from_civil / civil_from_days (eras of 400 years start on March 1st).
// Days past the end of a month roll over into the next one, as Date.UTC does.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Four digits for years 0–9999; outside them, a sign and six digits (as toISOString writes). */
function formatYear(year: number): string {
  if (year >= 0 && year <= 9999) return String(year).padStart(4, '0');
  return `${year < 0 ? '-' : '+'}${String(Math.abs(year)).padStart(6, '0')}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
