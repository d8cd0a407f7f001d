import { describe, expect, it } from 'vitest';
import { mayDecide, type ApprovalPolicy } from '../../../../src/domain/operation/approval-policy.js';
import { approvalsNeeded, tallyText } from '../../../../src/domain/operation/approval-tally.js';
import type { Operation } from '../../../../src/domain/operation/operation.js';
import { transition } from '../../../../src/domain/operation/transitions.js';

const AT = '2026-11-21T10:00:00.000Z';
const pending = (approvalsNeeded: number, extra: Partial<Operation> = {}): Operation => ({
  id: 'op-1', migration: 'm', kind: 'shift', percent: 25, state: 'awaiting-approval', requestedBy: 'U0BOB', requestedAt: AT, expiresAt: AT, channel: 'C1', version: 1, history: [], approvalsNeeded, ...extra,
});
const approve = (op: Operation, by: string) => transition(op, { type: 'approve', at: AT, by });

function approved(op: Operation, ...by: string[]): Operation {
  return by.reduce((current, user) => {
    const next = approve(current, user);
    if (!next.ok) throw new Error(next.error);
    return next.value;
  }, op);
}

describe('approvals needed', () => {
  const rules = { approvals: 1, stepApprovals: { '100': 2 } };

  it('is `approvals` [1], raised by stepApprovals, finalize counting as the 100 % step', () => {
    expect(approvalsNeeded({}, { kind: 'shift', percent: 25 }, false)).toBe(1);
    expect(approvalsNeeded(rules, { kind: 'shift', percent: 50 }, false)).toBe(1);
    expect(approvalsNeeded(rules, { kind: 'shift', percent: 100 }, false)).toBe(2);
    expect(approvalsNeeded(rules, { kind: 'finalize', percent: 100 }, false)).toBe(2);
    expect(approvalsNeeded(rules, { kind: 'mirror', percent: 100 }, false)).toBe(1);
  });

  it('stepApprovals only raises: a lower number for a step leaves `approvals`', () => {
    expect(approvalsNeeded({ approvals: 3, stepApprovals: { '10': 1 } }, { kind: 'shift', percent: 10 }, false)).toBe(3);
  });

  it('a break-glass override needs one more than usual', () => {
    expect(approvalsNeeded(rules, { kind: 'shift', percent: 50 }, true)).toBe(2);
    expect(approvalsNeeded(rules, { kind: 'finalize', percent: 100 }, true)).toBe(3);
  });
});

describe('the approval tally', () => {
  it('keeps the request awaiting approval until the last distinct approver, then approves once', () => {
    const first = approved(pending(2), 'U0ALICE');
    expect(first).toMatchObject({ state: 'awaiting-approval', approvals: [{ by: 'U0ALICE', at: AT }], version: 2 });
    expect(first.decidedBy).toBeUndefined();
    expect(first.history.at(-1)).toEqual({ at: AT, state: 'awaiting-approval', by: 'U0ALICE', note: 'approval 1 of 2' });
    const second = approved(first, 'U0CAROL');
    expect(second).toMatchObject({ state: 'approved', decidedBy: 'U0CAROL', approvals: [{ by: 'U0ALICE' }, { by: 'U0CAROL' }] });
    expect(second.history.at(-1)).toMatchObject({ state: 'approved', by: 'U0CAROL', note: 'approval 2 of 2' });
    expect(approve(second, 'U0DAVE')).toMatchObject({ ok: false, error: expect.stringContaining('already approved') });
  });

  it('counts the same person twice once', () => {
    const first = approved(pending(2), 'U0ALICE');
    expect(approve(first, 'U0ALICE')).toEqual({ ok: false, error: 'You already approved this request; it needs 1 more approval from someone else. Nothing was changed.' });
  });

  it('one reject ends it, whatever the tally', () => {
    const rejected = transition(approved(pending(3), 'U0ALICE'), { type: 'reject', at: AT, by: 'U0CAROL' });
    expect(rejected.ok && rejected.value).toMatchObject({ state: 'rejected', decidedBy: 'U0CAROL' });
  });

  it('reads "1 of 2 approvals: <@U0ALICE>"', () => {
    expect(tallyText(pending(2))).toBe('0 of 2 approvals');
    expect(tallyText(approved(pending(2), 'U0ALICE'))).toBe('1 of 2 approvals: <@U0ALICE>');
    expect(tallyText(pending(1))).toBe('0 of 1 approval');
  });

  it('a request without approvalsNeeded (stored before it existed) needs one', () => {
    const { approvalsNeeded: _, ...old } = pending(1);
    expect(approved(old as Operation, 'U0ALICE').state).toBe('approved');
  });
});

describe('the requester', () => {
  const policy: ApprovalPolicy = { approverUsers: ['U0ALICE', 'U0BOB'], approverGroups: [], requesters: [], allowSelfApproval: true };

  it('never counts when more than one approval is needed, even with allowSelfApproval', () => {
    expect(mayDecide(policy, { userId: 'U0BOB', groups: [] }, 'U0BOB', 1).ok).toBe(true);
    expect(mayDecide(policy, { userId: 'U0BOB', groups: [] }, 'U0BOB', 2)).toMatchObject({ ok: false, error: expect.stringContaining('the requester never counts') });
    expect(mayDecide(policy, { userId: 'U0ALICE', groups: [] }, 'U0BOB', 2).ok).toBe(true);
  });
});
