import { err, ok, type Result } from '../result.js';
import { mention, type Operation } from './operation.js';

/** How many distinct approvers a step needs: `approvals` [1], raised for some steps by `stepApprovals`. */
export interface ApprovalRules {
  readonly approvals?: number | undefined;
  /** Step percentage → approvals it needs at least (finalize counts as the 100 % step). */
  readonly stepApprovals?: Readonly<Record<string, number>> | undefined;
}

export interface Approval {
  readonly by: string;
  readonly at: string;
}

/** The approvals a request needs; a break-glass override needs one more than usual. */
export function approvalsNeeded(rules: ApprovalRules, op: Pick<Operation, 'kind' | 'percent'>, override: boolean): number {
  const base = rules.approvals ?? 1;
  const step = op.kind === 'finalize' ? 100 : op.kind === 'shift' ? op.percent : undefined;
  const raised = step === undefined ? undefined : rules.stepApprovals?.[String(step)];
  return Math.max(base, raised ?? base) + (override ? 1 : 0);
}

export const neededOf = (op: Pick<Operation, 'approvalsNeeded'>): number => op.approvalsNeeded ?? 1;

/** Whether `by`'s approval would be the last one the request needs. */
export function completesApproval(op: Pick<Operation, 'approvals' | 'approvalsNeeded'>): boolean {
  return (op.approvals ?? []).length + 1 >= neededOf(op);
}

/** The tally with `by`'s approval added; the same person twice counts once, so a second click is refused. */
export function addApproval(op: Operation, approval: Approval): Result<readonly Approval[], string> {
  const approvals = op.approvals ?? [];
  if (approvals.some((a) => a.by === approval.by)) {
    const missing = neededOf(op) - approvals.length;
    return err(`You already approved this request; it needs ${missing} more approval${missing === 1 ? '' : 's'} from someone else. Nothing was changed.`);
  }
  return ok([...approvals, approval]);
}

/** "1 of 2 approvals: <@U0ALICE>" (Slack shows the mention as @alice). */
export function tallyText(op: Pick<Operation, 'approvals' | 'approvalsNeeded'>): string {
  const approvals = op.approvals ?? [];
  const who = approvals.length === 0 ? '' : `: ${approvals.map((a) => mention(a.by)).join(', ')}`;
  return `${approvals.length} of ${neededOf(op)} approval${neededOf(op) === 1 ? '' : 's'}${who}`;
}
