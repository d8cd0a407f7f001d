import { DateTime } from 'luxon';

/**
 * When changes may be made: weekly windows in IANA time zones and freezes (absolute periods).
 * Pure: the clock is an argument. Time-zone and DST arithmetic is luxon's: a window boundary
 * that falls in a spring-forward gap moves forward by the gap (02:30 → 03:30), and one that
 * falls twice on a fall-back night is taken at its second occurrence (luxon's choice).
 */
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface ChangeWindow {
  /** The days the window opens on (a window crossing midnight closes the next day). */
  readonly days: readonly Weekday[];
  /** 24-hour HH:MM in `timeZone`. */
  readonly from: string;
  /** HH:MM, or 24:00 for the end of the day; earlier than `from` means the next day. */
  readonly to: string;
  /** An IANA time-zone name, like Europe/Berlin. */
  readonly timeZone: string;
}

export interface Freeze {
  /** ISO 8601 instants (a date in the file is already turned into its whole UTC day). */
  readonly from: string;
  readonly to: string;
  readonly reason?: string | undefined;
}

export interface ChangeSchedule {
  /** None: always open (but for freezes). */
  readonly windows: readonly ChangeWindow[];
  readonly freezes: readonly Freeze[];
}

/** Where a change stands now; `opensAt` absent means nothing opens within the horizon. */
export type ChangeTime =
  | { readonly open: true; readonly closesAt?: Moment | undefined }
  | { readonly open: false; readonly freeze?: Freeze | undefined; readonly opensAt?: Moment | undefined };

/** An instant and the zone it is best shown in (the window's). */
export interface Moment {
  /** ISO 8601, UTC. */
  readonly at: string;
  readonly timeZone: string;
}

interface Span {
  readonly start: number;
  readonly end: number;
  readonly timeZone: string;
}

const HORIZON_DAYS = 400;
/** Most openings are within a fortnight: look there first, and as far as the horizon only when a freeze is in the way. */
const NEAR_DAYS = 14;
const DAY_MS = 86_400_000;

/** Is a change allowed at `now`, and when does that change? */
export function changeTimeAt(schedule: ChangeSchedule, now: Date): ChangeTime {
  const t = now.getTime();
  const opening = nextOpening(schedule, t);
  if (opening !== undefined && opening.start === t) return { open: true, closesAt: closing(schedule, t, opening) };
  const freeze = freezeAt(schedule.freezes, t);
  return { open: false, ...(freeze ? { freeze } : {}), ...(opening ? { opensAt: moment(opening.start, opening.timeZone) } : {}) };
}

/** The first instant at or after `t` inside a window and outside every freeze. */
function nextOpening(schedule: ChangeSchedule, t: number): Span | undefined {
  if (schedule.windows.length === 0) return firstOpening(schedule, t, [{ start: t, end: t + HORIZON_DAYS * DAY_MS, timeZone: 'UTC' }]);
  return firstOpening(schedule, t, windowSpans(schedule.windows, t, NEAR_DAYS)) ?? firstOpening(schedule, t, windowSpans(schedule.windows, t, HORIZON_DAYS));
}

function firstOpening(schedule: ChangeSchedule, t: number, spans: readonly Span[]): Span | undefined {
  for (const span of spans) {
    if (span.end <= t) continue;
    const start = pastFreezes(schedule.freezes, Math.max(span.start, t));
    if (start < span.end) return { ...span, start };
  }
  return undefined;
}

/** When the open period containing `t` ends: the end of its window (merged with adjoining ones) or the next freeze. */
function closing(schedule: ChangeSchedule, t: number, opening: Span): Moment | undefined {
  const freezeStart = Math.min(...schedule.freezes.map((f) => instant(f.from)).filter((start) => start > t));
  if (schedule.windows.length === 0) return Number.isFinite(freezeStart) ? moment(freezeStart, 'UTC') : undefined;
  const end = mergedEnd(windowSpans(schedule.windows, t, NEAR_DAYS), opening);
  return end < freezeStart ? moment(end, opening.timeZone) : moment(freezeStart, opening.timeZone);
}

function mergedEnd(spans: readonly Span[], opening: Span): number {
  let end = opening.end;
  for (const span of spans) if (span.start <= end && span.end > end) end = span.end;
  return end;
}

function pastFreezes(freezes: readonly Freeze[], t: number): number {
  let at = t;
  for (let freeze = freezeAt(freezes, at); freeze; freeze = freezeAt(freezes, at)) at = instant(freeze.to);
  return at;
}

function freezeAt(freezes: readonly Freeze[], t: number): Freeze | undefined {
  return freezes.find((f) => instant(f.from) <= t && t < instant(f.to));
}

/** Every window's occurrences from the day before `t` for `days` days, by start. */
function windowSpans(windows: readonly ChangeWindow[], t: number, days: number): Span[] {
  return windows.flatMap((w) => occurrences(w, t, days)).sort((a, b) => a.start - b.start);
}

function occurrences(window: ChangeWindow, t: number, days: number): Span[] {
  const firstDay = DateTime.fromMillis(t, { zone: window.timeZone }).startOf('day').minus({ days: 1 });
  const spans: Span[] = [];
  for (let i = 0; i <= days; i++) {
    const day = firstDay.plus({ days: i });
    if (!window.days.includes(WEEKDAYS[day.weekday - 1] as Weekday)) continue;
    const end = atClock(window.to <= window.from ? day.plus({ days: 1 }) : day, window.to);
    spans.push({ start: atClock(day, window.from), end, timeZone: window.timeZone });
  }
  return spans;
}

/** `HH:MM` on a local day, as an instant; 24:00 is the next midnight. */
function atClock(day: DateTime, clock: string): number {
  const [hour, minute] = clock.split(':').map(Number) as [number, number];
  if (hour === 24) return day.plus({ days: 1 }).startOf('day').toMillis();
  return DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone: day.zone }).toMillis();
}

const moment = (at: number, timeZone: string): Moment => ({ at: DateTime.fromMillis(at, { zone: 'UTC' }).toISO() as string, timeZone });
const instant = (iso: string): number => DateTime.fromISO(iso, { setZone: true }).toMillis();

/** "Mon 09:00 Europe/Berlin" within the coming week, "Mon 4 Jan 09:00 Europe/Berlin" beyond it. */
export function formatMoment(m: Moment, now: Date): string {
  const local = DateTime.fromISO(m.at, { zone: m.timeZone });
  const soon = local.toMillis() - now.getTime() < 6 * DAY_MS;
  return `${local.toFormat(soon ? 'ccc HH:mm' : 'ccc d LLL yyyy HH:mm', { locale: 'en-GB' })} ${m.timeZone}`;
}

/** "Mon–Fri 09:00–17:00 Europe/Berlin" */
export function describeWindow(w: ChangeWindow): string {
  return `${describeDays(w.days)} ${w.from}–${w.to}${w.to <= w.from ? ' (next day)' : ''} ${w.timeZone}`;
}

function describeDays(days: readonly Weekday[]): string {
  const indexes = [...new Set(days.map((d) => WEEKDAYS.indexOf(d)))].sort((a, b) => a - b);
  const consecutive = indexes.length > 2 && indexes.every((d, i) => i === 0 || d === (indexes[i - 1] as number) + 1);
  if (consecutive) return `${WEEKDAYS[indexes[0] as number]}–${WEEKDAYS[indexes.at(-1) as number]}`;
  return indexes.map((d) => WEEKDAYS[d]).join(', ');
}

/** Why a change is refused now and when it may be made, in words for Slack. */
export function closedText(time: Extract<ChangeTime, { open: false }>, schedule: ChangeSchedule, now: Date): string {
  const why = time.freeze ? `inside the freeze${time.freeze.reason ? ` "${time.freeze.reason}"` : ''} (until ${time.freeze.to})` : `outside the change windows (${schedule.windows.map(describeWindow).join('; ')})`;
  const next = time.opensAt ? `the next window opens ${formatMoment(time.opensAt, now)}` : `no window opens in the next ${HORIZON_DAYS} days`;
  return `${why}; ${next}`;
}

/** One line for /mesh plan and /mesh status: open until when, or closed and why. */
export function scheduleLine(schedule: ChangeSchedule, now: Date): string {
  if (schedule.windows.length === 0 && schedule.freezes.length === 0) return 'Change windows: none configured (changes any time)';
  const time = changeTimeAt(schedule, now);
  if (!time.open) return `Change windows: 🔒 closed — ${closedText(time, schedule, now)}`;
  const until = time.closesAt ? ` until ${formatMoment(time.closesAt, now)}` : '';
  return `Change windows: 🟢 open now${until}${schedule.windows.length > 0 ? ` (${schedule.windows.map(describeWindow).join('; ')})` : ''}`;
}
