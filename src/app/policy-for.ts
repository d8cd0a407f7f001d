import type { ApprovalPolicy, Actor as PolicyActor } from '../domain/operation/approval-policy.js';
import type { AppDeps, MigrationSettings } from './deps.js';

export function policyFor(migration: MigrationSettings): ApprovalPolicy {
  return { approverUsers: migration.users, approverGroups: migration.groups, requesters: migration.requesters, allowSelfApproval: migration.allowSelfApproval };
}

/** The user with the approver groups of this migration they belong to (one Slack lookup, only if groups are configured). */
export async function policyActor(deps: AppDeps, migration: MigrationSettings, userId: string): Promise<PolicyActor> {
  const groups = migration.groups.length > 0 ? await deps.groups.groupsOf(userId, migration.groups) : [];
  return { userId, groups };
}
