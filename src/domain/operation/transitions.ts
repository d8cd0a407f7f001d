import type { AnnotationChange } from '../gitops/flux-suspension.js';
import { err, ok, type Result } from '../result.js';
import { addApproval, completesApproval } from './approval-tally.js';
import { isTerminal, type BakeEnd, type BakeJudging, type BakeState, type Changes, type Operation, type OperationState, type PreflightCheck, type Reversion } from './operation.js';

/** Everything that can happen to an operation. `at` is an ISO time from the caller's clock. */
export type OperationEvent =
  | { readonly type: 'posted'; readonly at: string; readonly threadTs: string; readonly planned: Changes; readonly preflight: readonly PreflightCheck[]; readonly annotations?: readonly AnnotationChange[] }
  | { readonly type: 'approve'; readonly at: string; readonly by: string }
  | { readonly type: 'reject'; readonly at: string; readonly by: string }
  | { readonly type: 'expire'; readonly at: string }
  | { readonly type: 'abort'; readonly at: string; readonly by: string; readonly note?: string }
  | { readonly type: 'start-apply'; readonly at: string; readonly planned?: Changes }
  | { readonly type: 'patched'; readonly at: string; readonly resourceVersion?: string | undefined }
  | { readonly type: 'applied'; readonly at: string; readonly applied: Changes; readonly note?: string; readonly bakeDeadline?: string }
  | { readonly type: 'bake-progress'; readonly at: string; readonly tally: unknown; readonly resumeFrom?: string | undefined }
  | { readonly type: 'bake-judging'; readonly at: string; readonly judging: BakeJudging; readonly note?: string }
  | { readonly type: 'bake-extend'; readonly at: string; readonly deadline: string; readonly note?: string }
  | { readonly type: 'bake-end'; readonly at: string; readonly status: BakeEnd; readonly tally?: unknown; readonly verdict?: unknown; readonly reasons?: readonly string[]; readonly reverted?: Reversion; readonly note?: string }
  | { readonly type: 'fail'; readonly at: string; readonly reason: string }
  | { readonly type: 'rolled-back'; readonly at: string; readonly by: string; readonly note?: string };

const BAKE_EVENTS: readonly OperationEvent['type'][] = ['bake-progress', 'bake-judging', 'bake-extend', 'bake-end'];

const ALLOWED: Record<OperationEvent['type'], readonly OperationState[]> = {
  posted: ['requested'],
  approve: ['awaiting-approval'],
  reject: ['awaiting-approval'],
  expire: ['requested', 'awaiting-approval'],
  abort: ['requested', 'awaiting-approval'],
  'start-apply': ['approved', 'applying'],
  patched: ['applying'],
  applied: ['applying'],
  fail: ['requested', 'awaiting-approval', 'approved', 'applying'],
  'rolled-back': ['applied'],
  'bake-progress': ['applied'],
  'bake-judging': ['applied'],
  'bake-extend': ['applied'],
  'bake-end': ['applied', 'rolled-back'],
};

const TARGET: Record<OperationEvent['type'], OperationState> = {
  posted: 'awaiting-approval',
  approve: 'approved',
  reject: 'rejected',
  expire: 'expired',
  abort: 'aborted',
  'start-apply': 'applying',
  patched: 'applying',
  applied: 'applied',
  fail: 'failed',
  'rolled-back': 'rolled-back',
  'bake-progress': 'applied',
  'bake-judging': 'applied',
  'bake-extend': 'applied',
  'bake-end': 'applied',
};

/**
 * The operation state machine: requested → awaiting-approval → approved → applying → applied
 * (→ rolled-back), with rejected, expired, aborted and failed as other ends. A refused
 * transition says why in words a Slack user understands.
 */
export function transition(op: Operation, event: OperationEvent): Result<Operation, string> {
  if (!ALLOWED[event.type].includes(op.state)) return err(refusal(op, event));
  if (BAKE_EVENTS.includes(event.type) && op.bake?.status !== 'running') return err(`The bake of ${op.id} is not running (${op.bake?.status ?? 'none'}).`);
  if (event.type === 'approve') return approve(op, event);
  const state = event.type === 'bake-end' ? op.state : TARGET[event.type];
  const by = 'by' in event ? event.by : undefined;
  const note = noteOf(event);
  const next: Operation = {
    ...op,
    state,
    ...fieldsFor(op, event),
    version: op.version + 1,
    history: [...op.history, { at: event.at, state, ...(by === undefined ? {} : { by }), ...(note === undefined ? {} : { note }) }],
  };
  return ok(next);
}

/** One approver's click: the request stays awaiting approval until the tally reaches what it needs. */
function approve(op: Operation, event: Extract<OperationEvent, { type: 'approve' }>): Result<Operation, string> {
  const approvals = addApproval(op, { by: event.by, at: event.at });
  if (!approvals.ok) return approvals;
  const complete = completesApproval(op);
  const state = complete ? 'approved' : op.state;
  const note = approvals.value.length > 1 || !complete ? `approval ${approvals.value.length} of ${op.approvalsNeeded ?? 1}` : undefined;
  return ok({
    ...op,
    state,
    approvals: approvals.value,
    ...(complete ? { decidedBy: event.by, decidedAt: event.at } : {}),
    version: op.version + 1,
    history: [...op.history, { at: event.at, state, by: event.by, ...(note === undefined ? {} : { note }) }],
  });
}

function fieldsFor(op: Operation, event: OperationEvent): Partial<Operation> {
  switch (event.type) {
    case 'posted':
      return { threadTs: event.threadTs, planned: event.planned, preflight: event.preflight, ...(event.annotations ? { annotations: event.annotations } : {}) };
    case 'reject':
      return { decidedBy: event.by, decidedAt: event.at };
    case 'start-apply':
      return event.planned ? { planned: event.planned } : {};
    case 'patched':
      return { patched: { at: event.at, resourceVersion: event.resourceVersion } };
    case 'applied':
      return { applied: event.applied, ...(event.bakeDeadline ? { bake: { status: 'running', startedAt: event.at, deadline: event.bakeDeadline } } : {}) };
    case 'bake-progress':
      return { bake: { ...(op.bake as BakeState), tally: event.tally, ...(event.resumeFrom ? { resumeFrom: event.resumeFrom } : {}) } };
    case 'bake-judging':
      return { bake: { ...(op.bake as BakeState), judging: event.judging } };
    case 'bake-extend':
      return { bake: { ...(op.bake as BakeState), deadline: event.deadline } };
    case 'bake-end':
      return {
        bake: { ...(op.bake as BakeState), status: event.status, ...(event.tally === undefined ? {} : { tally: event.tally }), ...(event.verdict === undefined ? {} : { verdict: event.verdict }), ...(event.reasons ? { reasons: event.reasons } : {}), ...(event.reverted ? { reverted: event.reverted } : {}) },
      };
    case 'fail':
      return { reason: event.reason };
    default:
      return {};
  }
}

function noteOf(event: OperationEvent): string | undefined {
  if (event.type === 'fail') return event.reason;
  return 'note' in event ? event.note : undefined;
}

function refusal(op: Operation, event: OperationEvent): string {
  const who = op.decidedBy ? ` by <@${op.decidedBy}>` : '';
  if (isTerminal(op.state)) return `This request is already ${op.state}${op.state === 'approved' || op.state === 'rejected' ? who : ''}; nothing was changed.`;
  if (event.type === 'approve' || event.type === 'reject') return `This request is already ${op.state}${who}; it can no longer be ${event.type === 'approve' ? 'approved' : 'rejected'}.`;
  return `Cannot ${event.type} an operation that is ${op.state}.`;
}
