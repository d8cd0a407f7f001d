/** A protobuf Timestamp: whole seconds since the epoch plus nanoseconds (0..999,999,999). */
export interface TimestampParts {
  seconds: number;
  nanos: number;
}

// RFC 3339, also the date-only and minute-precision forms that Cloud Logging queries accept.
const RFC3339 = /^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2})(?::(\d{2}))?(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})?$/;

export function parseTimestamp(value: string | Date): TimestampParts | undefined {
  return value instanceof Date ? fromDate(value) : fromRfc3339(value.trim());
}

function fromDate(date: Date): TimestampParts | undefined {
  const ms = date.getTime();
  if (Number.isNaN(ms)) return undefined;
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

function fromRfc3339(text: string): TimestampParts | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, date, hoursMinutes = '00:00', seconds = '00', fraction = '', zone = 'Z'] = match;
  const ms = Date.parse(`${date}T${hoursMinutes}:${seconds}${normalizeZone(zone)}`);
  if (Number.isNaN(ms)) return undefined;
  return { seconds: ms / 1000, nanos: Number(fraction.padEnd(9, '0')) };
}

function normalizeZone(zone: string): string {
  if (zone.toUpperCase() === 'Z') return 'Z';
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

/** RFC 3339 in UTC with nine fraction digits, so that string order is time order. */
export function formatTimestamp(parts: TimestampParts): string {
  const wholeSeconds = new Date(parts.seconds * 1000).toISOString().slice(0, 19);
  return `${wholeSeconds}.${String(parts.nanos).padStart(9, '0')}Z`;
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
