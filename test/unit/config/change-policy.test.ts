import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMigrationsFile } from '../../../src/config/migrations-file.js';

const MINIMAL = readFileSync(join(import.meta.dirname, '../../fixtures/config/minimal.yaml'), 'utf8');
const ENTRY = MINIMAL.replace('migrations:\n', '');
const withKeys = (lines: string, top = '') => `${top}${MINIMAL}${lines}\n`;

function migrations(text: string) {
  const result = parseMigrationsFile(text, 'meshbot.yaml');
  if (!result.ok) throw new Error(result.error.join('\n'));
  return result.value.migrations;
}

function problems(text: string): string[] {
  const result = parseMigrationsFile(text, 'meshbot.yaml');
  if (result.ok) throw new Error('expected problems');
  return result.error;
}

const TOP = `changeWindows:
  - days: [Mon, Tue, Wed, Thu, Fri]
    from: "09:00"
    to: "17:00"
    timeZone: Europe/Berlin
freezes:
  - from: 2026-12-20T00:00:00+01:00
    to: 2027-01-04T00:00:00+01:00
    reason: holiday freeze
  - from: 2026-05-01
    to: 2026-05-01
`;

describe('the change policy keys', () => {
  it('read approvals, stepApprovals and break-glass approvers split into users and groups', () => {
    const [m] = migrations(withKeys('    approvers: [U0ALICE, U0CAROL]\n    approvals: 2\n    stepApprovals: {100: 2}\n    breakGlassApprovers: [U0DAVE, S0ONCALL]').replace('    approvers: [U0ALICE]\n', ''));
    expect(m).toMatchObject({ approvals: 2, stepApprovals: { '100': 2 }, breakGlassUsers: ['U0DAVE'], breakGlassGroups: ['S0ONCALL'] });
  });

  it('give every migration the top-level windows and freezes, a date standing for its whole UTC day', () => {
    const [m] = migrations(withKeys('', TOP));
    expect(m?.changeWindows).toEqual([{ days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], from: '09:00', to: '17:00', timeZone: 'Europe/Berlin' }]);
    expect(m?.freezes).toEqual([
      { from: '2026-12-20T00:00:00+01:00', to: '2027-01-04T00:00:00+01:00', reason: 'holiday freeze' },
      { from: '2026-05-01T00:00:00.000Z', to: '2026-05-02T00:00:00.000Z' },
    ]);
  });

  it("let a migration's own lists replace the top-level ones", () => {
    const own = `${TOP}${MINIMAL}    changeWindows: [{ days: [Sat], from: "22:00", to: "06:00", timeZone: America/New_York }]\n    freezes: []\n${ENTRY.replace('name: checkout', 'name: other')}`;
    const [first, second] = migrations(own);
    expect(first?.changeWindows).toEqual([{ days: ['Sat'], from: '22:00', to: '06:00', timeZone: 'America/New_York' }]);
    expect(first?.freezes).toEqual([]);
    expect(second?.changeWindows).toHaveLength(1);
    expect(second?.freezes).toHaveLength(2);
  });

  it('default to none: changes any time, approvals from the approvers', () => {
    const [m] = migrations(MINIMAL);
    expect(m).toMatchObject({ changeWindows: [], freezes: [] });
    expect(m?.approvals).toBeUndefined();
    expect(m?.breakGlassUsers).toBeUndefined();
  });

  it.each([
    ['    approvals: 0', 'migrations[0].approvals: must be a whole number of approvals, at least 1 (got 0)'],
    ['    stepApprovals: {75: 2}', 'migrations[0].stepApprovals.75: is not one of the steps [10, 25, 50, 100] (finalize counts as 100)'],
    ['    approvals: 2', 'migrations[0].approvals: 2 approvals are needed but only 1 approver is listed; list more approvers (or a user group) or lower approvals/stepApprovals'],
    ['    breakGlassApprovers: [oncall]', "migrations[0].breakGlassApprovers[0]: 'oncall' is not a Slack user (U…/W…) or user group (S…) id"],
    ['    changeWindows: [{ days: [Monday], from: "09:00", to: "17:00", timeZone: UTC }]', 'migrations[0].changeWindows[0].days[0]: must be one of Mon, Tue, Wed, Thu, Fri, Sat, Sun (got "Monday")'],
    ['    changeWindows: [{ days: [Mon], from: "9am", to: "17:00", timeZone: UTC }]', 'migrations[0].changeWindows[0].from: must be a 24-hour time HH:MM, like "09:00" (got "9am")'],
    ['    changeWindows: [{ days: [Mon], from: "09:00", to: "09:00", timeZone: UTC }]', 'migrations[0].changeWindows[0].to: from and to must differ'],
    ['    changeWindows: [{ days: [Mon], from: "09:00", to: "17:00", timeZone: Europe/Berlinn }]', "migrations[0].changeWindows[0].timeZone: 'Europe/Berlinn' is not an IANA time zone: use a name like Europe/Berlin"],
    ['    changeWindows: [{ days: [Mon], from: "09:00", to: "17:00" }]', 'migrations[0].changeWindows[0].timeZone: is required'],
    ['    freezes: [{ from: "2026-12-20T00:00:00", to: 2026-12-21 }]', "migrations[0].freezes[0].from: '2026-12-20T00:00:00' is not a date-time with its offset, like 2026-12-20T00:00:00+01:00"],
    ['    freezes: [{ from: 2026-12-21, to: 2026-12-20 }]', 'migrations[0].freezes[0].to: must be later than from'],
  ])('refuse %j, naming the key', (lines, message) => {
    expect(problems(withKeys(lines))).toContainEqual(expect.stringContaining(`meshbot.yaml: ${message}`));
  });

  it('count a user group as enough approvers for any number', () => {
    expect(migrations(withKeys('    approvers: [U0ALICE, S0SRE]\n    approvals: 3').replace('    approvers: [U0ALICE]\n', ''))[0]?.approvals).toBe(3);
  });
});
