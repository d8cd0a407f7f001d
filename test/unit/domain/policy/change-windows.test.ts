import { describe, expect, it } from 'vitest';
import { changeTimeAt, closedText, formatMoment, scheduleLine, type ChangeSchedule, type ChangeWindow } from '../../../../src/domain/policy/change-windows.js';

const WEEKDAYS_ONLY = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] as const;
const EVERY_DAY = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const office = (timeZone: string, days: ChangeWindow['days'] = WEEKDAYS_ONLY, from = '09:00', to = '17:00'): ChangeWindow => ({ days, from, to, timeZone });
const only = (...windows: ChangeWindow[]): ChangeSchedule => ({ windows, freezes: [] });
const at = (iso: string) => new Date(iso);

function opensAt(schedule: ChangeSchedule, now: string): string | undefined {
  const time = changeTimeAt(schedule, at(now));
  if (time.open) throw new Error(`expected closed at ${now}`);
  return time.opensAt?.at;
}

function closesAt(schedule: ChangeSchedule, now: string): string | undefined {
  const time = changeTimeAt(schedule, at(now));
  if (!time.open) throw new Error(`expected open at ${now}`);
  return time.closesAt?.at;
}

describe('change windows', () => {
  it('are always open when none and no freeze are configured', () => {
    expect(changeTimeAt({ windows: [], freezes: [] }, at('2026-06-13T03:00:00Z'))).toEqual({ open: true });
  });

  it('open and close at the local hours of Europe/Berlin (summer time)', () => {
    const berlin = only(office('Europe/Berlin'));
    expect(closesAt(berlin, '2026-06-10T08:00:00Z')).toBe('2026-06-10T15:00:00.000Z');
    expect(opensAt(berlin, '2026-06-10T06:59:59Z')).toBe('2026-06-10T07:00:00.000Z');
    expect(closesAt(berlin, '2026-06-10T07:00:00Z')).toBe('2026-06-10T15:00:00.000Z');
    expect(opensAt(berlin, '2026-06-10T15:00:00Z')).toBe('2026-06-11T07:00:00.000Z');
  });

  it('skip the weekend: Friday evening waits for Monday morning, shown as the local time', () => {
    const now = '2026-06-12T16:00:00Z';
    const time = changeTimeAt(only(office('Europe/Berlin')), at(now));
    expect(time).toMatchObject({ open: false, opensAt: { at: '2026-06-15T07:00:00.000Z', timeZone: 'Europe/Berlin' } });
    if (!time.open && time.opensAt) expect(formatMoment(time.opensAt, at(now))).toBe('Mon 09:00 Europe/Berlin');
  });

  it('read the same instant in each window’s own zone (America/New_York)', () => {
    const newYork = only(office('America/New_York'));
    expect(closesAt(newYork, '2026-06-10T14:00:00Z')).toBe('2026-06-10T21:00:00.000Z');
    expect(opensAt(newYork, '2026-06-10T12:00:00Z')).toBe('2026-06-10T13:00:00.000Z');
  });

  it('follow Berlin’s spring-forward night: 09:00 is 08:00 UTC on Saturday and 07:00 UTC on Sunday', () => {
    const daily = only(office('Europe/Berlin', EVERY_DAY));
    expect(opensAt(daily, '2026-03-28T06:00:00Z')).toBe('2026-03-28T08:00:00.000Z');
    expect(opensAt(daily, '2026-03-28T20:00:00Z')).toBe('2026-03-29T07:00:00.000Z');
  });

  it('move a boundary that falls in the spring-forward gap forward by the gap', () => {
    const gap = only({ days: ['Sun'], from: '02:30', to: '04:00', timeZone: 'Europe/Berlin' });
    expect(opensAt(gap, '2026-03-28T20:00:00Z')).toBe('2026-03-29T01:30:00.000Z');
  });

  it('follow Berlin’s fall-back night: Monday 09:00 is 08:00 UTC again', () => {
    const berlin = only(office('Europe/Berlin'));
    expect(opensAt(berlin, '2026-10-23T16:00:00Z')).toBe('2026-10-26T08:00:00.000Z');
    expect(closesAt(berlin, '2026-10-26T08:00:00Z')).toBe('2026-10-26T16:00:00.000Z');
  });

  it('follow both of New York’s DST changes', () => {
    const newYork = only(office('America/New_York'));
    expect(opensAt(newYork, '2026-03-06T23:00:00Z')).toBe('2026-03-09T13:00:00.000Z');
    expect(opensAt(newYork, '2026-03-05T23:00:00Z')).toBe('2026-03-06T14:00:00.000Z');
    expect(opensAt(newYork, '2026-10-30T23:00:00Z')).toBe('2026-11-02T14:00:00.000Z');
  });

  it('may cross midnight: a window opening Friday 22:00 closes Saturday 06:00', () => {
    const night = only({ days: ['Fri'], from: '22:00', to: '06:00', timeZone: 'Europe/Berlin' });
    expect(closesAt(night, '2026-06-13T01:00:00Z')).toBe('2026-06-13T04:00:00.000Z');
    expect(opensAt(night, '2026-06-13T05:00:00Z')).toBe('2026-06-19T20:00:00.000Z');
  });

  it('a night window across the spring-forward change lasts an hour less', () => {
    const night = only({ days: ['Sat'], from: '23:00', to: '04:00', timeZone: 'Europe/Berlin' });
    expect(opensAt(night, '2026-03-28T12:00:00Z')).toBe('2026-03-28T22:00:00.000Z');
    expect(closesAt(night, '2026-03-28T22:00:00Z')).toBe('2026-03-29T02:00:00.000Z');
  });

  it('24:00 ends a window at midnight, and adjoining windows close together', () => {
    const evening = only({ days: ['Mon'], from: '17:00', to: '24:00', timeZone: 'UTC' }, { days: ['Mon'], from: '09:00', to: '17:00', timeZone: 'UTC' });
    expect(closesAt(evening, '2026-06-15T10:00:00Z')).toBe('2026-06-16T00:00:00.000Z');
  });

  it('with windows in two zones, the one open now counts, and the earliest opening is next', () => {
    const both = only(office('Europe/Berlin'), office('America/New_York'));
    expect(closesAt(both, '2026-06-10T16:30:00Z')).toBe('2026-06-10T21:00:00.000Z');
    const time = changeTimeAt(both, at('2026-06-11T06:00:00Z'));
    expect(time).toMatchObject({ open: false, opensAt: { at: '2026-06-11T07:00:00.000Z', timeZone: 'Europe/Berlin' } });
  });
});

describe('freezes', () => {
  const holiday = { from: '2026-12-20T00:00:00+01:00', to: '2027-01-04T00:00:00+01:00', reason: 'holiday freeze' };
  const berlin: ChangeSchedule = { windows: [office('Europe/Berlin')], freezes: [holiday] };

  it('close even an open window, and the next opening is the first window after the freeze', () => {
    const now = at('2026-12-21T09:00:00Z');
    const time = changeTimeAt(berlin, now);
    expect(time).toMatchObject({ open: false, freeze: holiday, opensAt: { at: '2027-01-04T08:00:00.000Z' } });
    if (!time.open) expect(closedText(time, berlin, now)).toBe('inside the freeze "holiday freeze" (until 2027-01-04T00:00:00+01:00); the next window opens Mon 4 Jan 2027 09:00 Europe/Berlin');
  });

  it('end an open window early when they begin within it', () => {
    expect(closesAt(berlin, '2026-12-18T09:00:00Z')).toBe('2026-12-18T16:00:00.000Z');
    const lunch: ChangeSchedule = { windows: [office('Europe/Berlin')], freezes: [{ from: '2026-06-10T10:00:00Z', to: '2026-06-10T11:00:00Z' }] };
    expect(closesAt(lunch, '2026-06-10T08:00:00Z')).toBe('2026-06-10T10:00:00.000Z');
    expect(opensAt(lunch, '2026-06-10T10:30:00Z')).toBe('2026-06-10T11:00:00.000Z');
  });

  it('without windows: open until the freeze, then closed until it ends', () => {
    const freezeOnly: ChangeSchedule = { windows: [], freezes: [holiday] };
    expect(closesAt(freezeOnly, '2026-12-01T00:00:00Z')).toBe('2026-12-19T23:00:00.000Z');
    expect(opensAt(freezeOnly, '2026-12-25T00:00:00Z')).toBe('2027-01-03T23:00:00.000Z');
  });

  it('back to back freezes are passed over together', () => {
    const two: ChangeSchedule = { windows: [], freezes: [{ from: '2026-06-01T00:00:00Z', to: '2026-06-02T00:00:00Z' }, { from: '2026-06-02T00:00:00Z', to: '2026-06-03T00:00:00Z' }] };
    expect(opensAt(two, '2026-06-01T12:00:00Z')).toBe('2026-06-03T00:00:00.000Z');
  });
});

describe('the policy line', () => {
  it('says open until when, or closed, why and the next opening', () => {
    const berlin = only(office('Europe/Berlin'));
    expect(scheduleLine(berlin, at('2026-06-10T08:00:00Z'))).toBe('Change windows: 🟢 open now until Wed 17:00 Europe/Berlin (Mon–Fri 09:00–17:00 Europe/Berlin)');
    expect(scheduleLine(berlin, at('2026-06-12T16:00:00Z'))).toBe('Change windows: 🔒 closed — outside the change windows (Mon–Fri 09:00–17:00 Europe/Berlin); the next window opens Mon 09:00 Europe/Berlin');
    expect(scheduleLine({ windows: [], freezes: [] }, at('2026-06-12T16:00:00Z'))).toBe('Change windows: none configured (changes any time)');
  });
});
