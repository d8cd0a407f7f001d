import { describe, expect, it } from 'vitest';
import { mayApprove, mayDecide, mayRequest, type ApprovalPolicy } from '../../../../src/domain/operation/approval-policy.js';

const policy: ApprovalPolicy = { approverUsers: ['U0ALICE'], approverGroups: ['S0SRE'], requesters: [], allowSelfApproval: false };
const actor = (userId: string, groups: string[] = []) => ({ userId, groups });

describe('approval policy', () => {
  it('lets listed users and members of listed groups approve', () => {
    expect(mayApprove(policy, actor('U0ALICE')).ok).toBe(true);
    expect(mayApprove(policy, actor('U0CAROL', ['S0SRE'])).ok).toBe(true);
    expect(mayApprove(policy, actor('U0MALLORY', ['S0OTHER']))).toEqual({ ok: false, error: '<@U0MALLORY> is not an approver of this migration. Approvers: <@U0ALICE>, <!subteam^S0SRE>.' });
  });

  it('refuses self-approval unless allowed', () => {
    expect(mayDecide(policy, actor('U0ALICE'), 'U0ALICE')).toMatchObject({ ok: false, error: expect.stringContaining('needs a second person') });
    expect(mayDecide({ ...policy, allowSelfApproval: true }, actor('U0ALICE'), 'U0ALICE').ok).toBe(true);
    expect(mayDecide(policy, actor('U0ALICE'), 'U0BOB').ok).toBe(true);
  });

  it('lets anyone request when no requesters are listed, else only them and approvers', () => {
    expect(mayRequest(policy, actor('U0ANYONE')).ok).toBe(true);
    const strict = { ...policy, requesters: ['U0BOB'] };
    expect(mayRequest(strict, actor('U0BOB')).ok).toBe(true);
    expect(mayRequest(strict, actor('U0ALICE')).ok).toBe(true);
    expect(mayRequest(strict, actor('U0MALLORY'))).toMatchObject({ ok: false, error: expect.stringContaining('may not request') });
  });
});
