import { describe, expect, it } from 'vitest';
import type { Operation } from '../../../../src/domain/operation/operation.js';
import { transition, type OperationEvent } from '../../../../src/domain/operation/transitions.js';

const AT = '2026-11-21T10:00:00.000Z';
const planned = { kind: 'weights' as const, changes: [] };

function op(state: Operation['state'], extra: Partial<Operation> = {}): Operation {
  return { id: 'op-1', migration: 'm', kind: 'shift', percent: 25, state, requestedBy: 'U0BOB', requestedAt: AT, expiresAt: AT, channel: 'C1', version: 3, history: [], ...extra };
}

const events: Record<OperationEvent['type'], OperationEvent> = {
  posted: { type: 'posted', at: AT, threadTs: '1.1', planned, preflight: [] },
  approve: { type: 'approve', at: AT, by: 'U0ALICE' },
  reject: { type: 'reject', at: AT, by: 'U0ALICE' },
  expire: { type: 'expire', at: AT },
  abort: { type: 'abort', at: AT, by: 'U0BOB' },
  'start-apply': { type: 'start-apply', at: AT },
  applied: { type: 'applied', at: AT, applied: planned },
  fail: { type: 'fail', at: AT, reason: 'boom' },
  'rolled-back': { type: 'rolled-back', at: AT, by: 'U0ALICE' },
  'bake-progress': { type: 'bake-progress', at: AT, tally: { errors: 1 }, resumeFrom: AT },
  patched: { type: 'patched', at: AT, resourceVersion: '42' },
  'bake-judging': { type: 'bake-judging', at: AT, judging: { mode: 'logs', why: 'analysis.metrics is off' } },
  'bake-extend': { type: 'bake-extend', at: AT, deadline: '2026-11-21T10:30:00.000Z' },
  'bake-end': { type: 'bake-end', at: AT, status: 'healthy' },
};

describe('operation transitions', () => {
  it.each([
    ['requested', 'posted', 'awaiting-approval'],
    ['awaiting-approval', 'approve', 'approved'],
    ['awaiting-approval', 'reject', 'rejected'],
    ['awaiting-approval', 'expire', 'expired'],
    ['awaiting-approval', 'abort', 'aborted'],
    ['approved', 'start-apply', 'applying'],
    ['applying', 'start-apply', 'applying'],
    ['applying', 'applied', 'applied'],
    ['applying', 'patched', 'applying'],
    ['applying', 'fail', 'failed'],
    ['applied', 'rolled-back', 'rolled-back'],
  ] as const)('%s --%s--> %s', (from, event, to) => {
    const result = transition(op(from), events[event]);
    expect(result.ok && result.value.state).toBe(to);
    expect(result.ok && result.value.version).toBe(4);
    expect(result.ok && result.value.history.at(-1)?.state).toBe(to);
  });

  it('records who decided and when', () => {
    const result = transition(op('awaiting-approval'), events.approve);
    expect(result.ok && result.value).toMatchObject({ decidedBy: 'U0ALICE', decidedAt: AT, history: [{ at: AT, state: 'approved', by: 'U0ALICE' }] });
  });

  it.each([
    ['approved', 'approve', 'This request is already approved by <@U0ALICE>; it can no longer be approved.'],
    ['rejected', 'approve', 'This request is already rejected by <@U0ALICE>; nothing was changed.'],
    ['expired', 'approve', 'This request is already expired; nothing was changed.'],
    ['applied', 'reject', 'This request is already applied; nothing was changed.'],
  ] as const)('refuses %s --%s-->', (from, event, message) => {
    expect(transition(op(from, { decidedBy: 'U0ALICE' }), events[event])).toEqual({ ok: false, error: message });
  });

  it('starts a bake with the applied step and keeps the operation in flight until it ends', () => {
    const applied = transition(op('applying'), { type: 'applied', at: AT, applied: planned, bakeDeadline: '2026-11-21T10:10:00.000Z' });
    expect(applied.ok && applied.value.bake).toEqual({ status: 'running', startedAt: AT, deadline: '2026-11-21T10:10:00.000Z' });
    const progressed = applied.ok ? transition(applied.value, events['bake-progress']) : applied;
    expect(progressed.ok && progressed.value.bake).toMatchObject({ status: 'running', tally: { errors: 1 }, resumeFrom: AT });
    const ended = progressed.ok ? transition(progressed.value, { type: 'bake-end', at: AT, status: 'breached', reasons: ['3 errors'] }) : progressed;
    expect(ended.ok && ended.value).toMatchObject({ state: 'applied', bake: { status: 'breached', reasons: ['3 errors'], tally: { errors: 1 } } });
    expect(ended.ok && transition(ended.value, events['bake-end'])).toEqual({ ok: false, error: 'The bake of op-1 is not running (breached).' });
  });

  it('records how a bake is judged and moves its deadline while it runs, and ends it inconclusive with the verdict', () => {
    const applied = transition(op('applying'), { type: 'applied', at: AT, applied: planned, bakeDeadline: '2026-11-21T10:10:00.000Z' });
    const judged = applied.ok ? transition(applied.value, events['bake-judging']) : applied;
    const extended = judged.ok ? transition(judged.value, events['bake-extend']) : judged;
    expect(extended.ok && extended.value.bake).toMatchObject({ status: 'running', deadline: '2026-11-21T10:30:00.000Z', judging: { mode: 'logs', why: 'analysis.metrics is off' } });
    const ended = extended.ok ? transition(extended.value, { type: 'bake-end', at: AT, status: 'inconclusive', verdict: { status: 'inconclusive' } }) : extended;
    expect(ended.ok && ended.value.bake).toMatchObject({ status: 'inconclusive', verdict: { status: 'inconclusive' } });
    expect(ended.ok && transition(ended.value, events['bake-extend']).ok).toBe(false);
  });

  it('never leaves a terminal state except applied → rolled-back', () => {
    for (const state of ['rejected', 'expired', 'aborted', 'failed', 'rolled-back'] as const) {
      for (const event of Object.values(events)) expect(transition(op(state), event).ok).toBe(false);
    }
  });
});
