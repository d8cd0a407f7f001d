import { describeMirrorChanges, describeWeightChanges } from '../../domain/describe-changes.js';
import { describeAnnotationChange } from '../../domain/gitops/flux-suspension.js';
import { describeOperation, mention, type Changes, type Operation, type PreflightCheck } from '../../domain/operation/operation.js';
import { neededOf, tallyText } from '../../domain/operation/approval-tally.js';
import { actions, button, codeBlock, context, escapeMrkdwn, header, section, type Block, type SlackMessage } from './block-kit.js';

export const APPROVE_ACTION = 'meshbot_approve';
export const REJECT_ACTION = 'meshbot_reject';

export interface OperationView {
  readonly operation: Operation;
  readonly virtualService: string;
}

/** Lines describing what a step changes (or changed). */
export function changeLines(changes: Changes | undefined): string[] {
  if (!changes) return ['(not computed yet)'];
  return changes.kind === 'weights' ? describeWeightChanges(changes.changes) : describeMirrorChanges(changes.changes);
}

/**
 * The thread's parent message. While the operation awaits approval it carries Approve/Reject;
 * once decided it is updated in place and the buttons are gone, replaced by who decided.
 */
export function operationMessage(view: OperationView): SlackMessage {
  const op = view.operation;
  const title = `${describeOperation(op)} — ${view.virtualService}`;
  const blocks: Block[] = [
    header(`meshbot: ${describeOperation(op)}`),
    section(`*VirtualService* \`${view.virtualService}\`\n*Requested by* ${mention(op.requestedBy)}`),
    codeBlock([...changeLines(op.applied ?? op.planned), ...(op.annotations ?? []).map(describeAnnotationChange)]),
  ];
  const preflight = op.preflight ?? [];
  if (preflight.length > 0) blocks.push(section(['*Preflight*', ...preflight.map(preflightLine)].join('\n')));
  blocks.push(...policyBlocks(op));
  blocks.push(op.state === 'awaiting-approval' ? decisionButtons(op.id) : section(outcomeLine(op)));
  blocks.push(context(`operation \`${op.id}\` · expires ${op.expiresAt}`));
  return { text: `${title}: ${op.state}`, blocks };
}

/** A break-glass reason, and the tally while more than one approval is needed or some are in. */
function policyBlocks(op: Operation): Block[] {
  const lines = [
    ...(op.override ? [`🚨 *Break-glass* (--override): ${escapeMrkdwn(op.override.reason)}`] : []),
    ...(op.state === 'awaiting-approval' && (neededOf(op) > 1 || (op.approvals ?? []).length > 0) ? [`*Approvals* ${tallyText(op)}`] : []),
  ];
  return lines.length > 0 ? [section(lines.join('\n'))] : [];
}

function decisionButtons(operationId: string): Block {
  return actions(`decide:${operationId}`, [button(APPROVE_ACTION, 'Approve', operationId, 'primary'), button(REJECT_ACTION, 'Reject', operationId, 'danger')]);
}

function preflightLine(check: PreflightCheck): string {
  return `${check.ok ? '✅' : check.warning ? '⚠️' : '❌'} ${check.label}${check.detail ? ` — ${check.detail}` : ''}`;
}

export function outcomeLine(op: Operation): string {
  switch (op.state) {
    case 'approved':
    case 'applying':
      return `✅ Approved by ${approvers(op)} — applying…`;
    case 'applied':
      return op.kind === 'rollback' ? `↩️ Rolled back by ${mention(op.requestedBy)}` : `✅ Approved by ${approvers(op)} — applied`;
    case 'rejected':
      return `🚫 Rejected by ${mention(op.decidedBy)}`;
    case 'expired':
      return '⌛ Expired without a decision — nothing was changed';
    case 'aborted':
      return `✋ Aborted${lastBy(op)} — nothing was changed`;
    case 'failed':
      return `❌ Failed: ${escapeMrkdwn(op.reason ?? 'unknown reason')}`;
    case 'rolled-back':
      return `↩️ Applied, then rolled back${lastBy(op)}`;
    default:
      return `⏳ ${op.state}`;
  }
}

/** Everyone whose approval counted, or the one who decided. */
function approvers(op: Operation): string {
  const approvals = op.approvals ?? [];
  return approvals.length > 1 ? approvals.map((a) => mention(a.by)).join(', ') : mention(op.decidedBy);
}

function lastBy(op: Operation): string {
  const by = op.history.at(-1)?.by;
  return by ? ` by ${mention(by)}` : '';
}
