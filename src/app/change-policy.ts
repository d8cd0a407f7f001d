import type { ApprovalPolicy, Actor as PolicyActor } from '../domain/operation/approval-policy.js';
import { approvalsNeeded, neededOf, tallyText } from '../domain/operation/approval-tally.js';
import { describeOperation, type Operation } from '../domain/operation/operation.js';
import { changeTimeAt, closedText, formatMoment, scheduleLine, type ChangeSchedule, type ChangeTime, type Moment } from '../domain/policy/change-windows.js';
import { escapeMrkdwn } from '../slack/blocks/block-kit.js';
import type { AppDeps, MigrationSettings } from './deps.js';
import { policyFor } from './policy-for.js';

export const scheduleOf = (m: MigrationSettings): ChangeSchedule => ({ windows: m.changeWindows ?? [], freezes: m.freezes ?? [] });

export function changeTimeNow(deps: AppDeps, m: MigrationSettings): ChangeTime {
  return changeTimeAt(scheduleOf(m), deps.now());
}

/** Why `what` may not be made now (outside every window, or in a freeze) and when it may; undefined when it may. */
export function closedReason(deps: AppDeps, m: MigrationSettings): string | undefined {
  const time = changeTimeNow(deps, m);
  return time.open ? undefined : closedText(time, scheduleOf(m), deps.now());
}

/** The refusal of a request or an approval click outside the change windows. */
export function closedRefusal(reason: string, what: string, verb: string): string {
  const overridable = ['shift', 'mirror', 'finalize'].includes(verb);
  const breakGlass = overridable ? ` In an emergency: /mesh ${verb}${verb === 'finalize' ? '' : ' …'} --override "reason" (break-glass: more approvals, posted to the incident channel).` : '';
  return `Not now: ${what} is ${reason}. Nothing was changed. Rollback is always allowed.${breakGlass}`;
}

/** The approvals a new request of this migration needs. */
export function neededFor(m: MigrationSettings, op: Pick<Operation, 'kind' | 'percent'>, override: boolean): number {
  return approvalsNeeded({ approvals: m.approvals, stepApprovals: m.stepApprovals }, op, override);
}

/** Who approves a break-glass request: breakGlassApprovers, or the approvers when none are configured. */
export function breakGlassPolicyFor(m: MigrationSettings): ApprovalPolicy {
  const configured = m.breakGlassUsers !== undefined || m.breakGlassGroups !== undefined;
  if (!configured) return policyFor(m);
  return { ...policyFor(m), approverUsers: m.breakGlassUsers ?? [], approverGroups: m.breakGlassGroups ?? [] };
}

/** The policy an Approve or Reject click of this operation is checked against. */
export const deciderPolicy = (m: MigrationSettings, op: Pick<Operation, 'override'>): ApprovalPolicy => (op.override ? breakGlassPolicyFor(m) : policyFor(m));

/** The user with the groups of `policy` they belong to (one Slack lookup, only if the policy names groups). */
export async function actorFor(deps: AppDeps, policy: ApprovalPolicy, userId: string): Promise<PolicyActor> {
  const groups = policy.approverGroups.length > 0 ? await deps.groups.groupsOf(userId, policy.approverGroups) : [];
  return { userId, groups };
}

/** Where the break-glass trail goes: the incident channel, or the migration's own when none is configured. */
export const incidentChannelOf = (m: MigrationSettings): string => m.incidentChannel ?? m.channel;

/** /mesh plan and /mesh status: the approvals needed and the change windows as they stand now. */
export function policyLines(deps: AppDeps, m: MigrationSettings): string[] {
  const base = m.approvals ?? 1;
  const raised = Object.entries(m.stepApprovals ?? {})
    .filter(([, n]) => n > base)
    .map(([step, n]) => `${step}%${step === '100' ? ' and finalize' : ''}: ${n}`);
  const approvals = `Approvals: ${base} distinct approver${base === 1 ? '' : 's'} per step${raised.length > 0 ? ` (${raised.join(', ')})` : ''}${base > 1 ? '; the requester never counts' : ''}; break-glass (--override): one more`;
  return [approvals, scheduleLine(scheduleOf(m), deps.now())];
}

/** "Mon 09:00 Europe/Berlin" for a run's step waiting for its window. */
export function waitingText(deps: AppDeps, op: Pick<Operation, 'notBefore'>): string | undefined {
  return op.notBefore ? formatMoment(op.notBefore, deps.now()) : undefined;
}

/**
 * Whether a request may go ahead now: a break-glass override always may; outside the windows a
 * run's step waits for the next opening (`notBefore`) and anything else is refused.
 */
export function whenAllowed(deps: AppDeps, m: MigrationSettings, op: Pick<Operation, 'kind' | 'percent' | 'migration'>, options: { viaRun?: boolean | undefined; override?: string | undefined }): { text: string } | { notBefore?: Moment } {
  if (options.override !== undefined) return {};
  const time = changeTimeNow(deps, m);
  if (time.open) return {};
  if (options.viaRun && time.opensAt) return { notBefore: time.opensAt };
  return { text: closedRefusal(closedText(time, scheduleOf(m), deps.now()), describeOperation(op), op.kind) };
}

/** A break-glass request or approval, posted to the incident channel for the record. */
export async function postBreakGlass(deps: AppDeps, m: MigrationSettings, op: Operation, text: string): Promise<void> {
  await deps.notifier.post({ channel: incidentChannelOf(m), text: `🚨 Break-glass: ${text} — ${describeOperation(op)} in <#${op.channel}> (operation ${op.id}). Reason: ${escapeMrkdwn(op.override?.reason ?? '?')}` });
}

/** What a new operation records of the change policy: approvals needed, the override and its reason, the window it waits for. */
export function changePolicyFields(m: MigrationSettings, op: Pick<Operation, 'kind' | 'percent'>, override: string | undefined, notBefore: Moment | undefined): Partial<Operation> {
  return {
    approvalsNeeded: neededFor(m, op, override !== undefined),
    ...(override === undefined ? {} : { override: { reason: override } }),
    ...(notBefore ? { notBefore } : {}),
  };
}

/** After "In flight: shift 50% — requested": the window it waits for, or the tally so far. */
export function inFlightNote(deps: AppDeps, op: Operation | undefined): string {
  if (op?.state === 'requested' && op.notBefore) return ` (waits for the change window: posted for approval ${waitingText(deps, op)})`;
  if (op?.state === 'awaiting-approval' && neededOf(op) > 1) return ` (${tallyText(op)})`;
  return '';
}
