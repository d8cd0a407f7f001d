import { err, ok, type Result } from '../result.js';

export interface ApprovalPolicy {
  /** Slack user ids (U…/W…) allowed to approve. */
  readonly approverUsers: readonly string[];
  /** Slack user group ids (S…) whose members may approve. */
  readonly approverGroups: readonly string[];
  /** Who may request; empty means anyone in the migration's channel. */
  readonly requesters: readonly string[];
  readonly allowSelfApproval: boolean;
}

export interface Actor {
  readonly userId: string;
  /** The user groups (S…) the actor belongs to, among those the policy names. */
  readonly groups: readonly string[];
}

/** Who may approve a request (and run a rollback, the safe direction, at once). */
export function mayApprove(policy: ApprovalPolicy, actor: Actor): Result<true, string> {
  const listed = policy.approverUsers.includes(actor.userId) || actor.groups.some((g) => policy.approverGroups.includes(g));
  if (listed) return ok(true);
  return err(`<@${actor.userId}> is not an approver of this migration. Approvers: ${approverList(policy)}.`);
}

/** `needed` is the request's approval count: above 1 the requester never counts, allowSelfApproval or not. */
export function mayDecide(policy: ApprovalPolicy, actor: Actor, requestedBy: string, needed = 1): Result<true, string> {
  const approver = mayApprove(policy, actor);
  if (!approver.ok) return approver;
  if (actor.userId === requestedBy && needed > 1) {
    return err(`You requested this change, and it needs ${needed} approvals from other people; the requester never counts. Ask ${needed} of: ${approverList(policy)}.`);
  }
  if (actor.userId === requestedBy && !policy.allowSelfApproval) {
    return err(`You requested this change, and this migration needs a second person to approve it (allowSelfApproval is off). Ask one of: ${approverList(policy)}.`);
  }
  return ok(true);
}

export function mayRequest(policy: ApprovalPolicy, actor: Actor): Result<true, string> {
  if (policy.requesters.length === 0 || policy.requesters.includes(actor.userId) || mayApprove(policy, actor).ok) return ok(true);
  return err(`<@${actor.userId}> may not request changes to this migration. Requesters: ${policy.requesters.map(mention).join(', ')}; approvers: ${approverList(policy)}.`);
}

function approverList(policy: ApprovalPolicy): string {
  return [...policy.approverUsers.map(mention), ...policy.approverGroups.map((g) => `<!subteam^${g}>`)].join(', ') || 'none configured';
}

const mention = (user: string) => `<@${user}>`;
