import { describe, expect, it } from 'vitest';
import { describeReversion, reversionOf } from '../../../../src/domain/gitops/reversion.js';
import type { VirtualServiceLike } from '../../../../src/domain/virtual-service.js';
import { seedVirtualService } from '../../../support/virtual-services.js';

const DIFFERENCE = { now: '90/10', applied: '75/25' };
const SEEN_AT = '2026-12-02T10:41:09.512Z';

function writtenBy(...entries: { manager: string; time?: string; fieldsV1?: unknown }[]): VirtualServiceLike {
  const vs = seedVirtualService();
  const managedFields = entries.map(({ manager, time, fieldsV1 = { 'f:spec': { 'f:http': {} } } }) => ({ manager, operation: 'Update', ...(time ? { time } : {}), fieldsType: 'FieldsV1', fieldsV1 }));
  return { ...vs, metadata: { ...(vs.metadata as object), managedFields } };
}

describe('reversionOf', () => {
  it('names the newest writer of the routes other than meshbot, and its time', () => {
    const vs = writtenBy({ manager: 'meshbot', time: '2026-12-02T10:45:00Z' }, { manager: 'kubectl-edit', time: '2026-12-02T09:00:00Z' }, { manager: 'argocd-controller', time: '2026-12-02T10:41:07Z' });
    expect(reversionOf(vs, DIFFERENCE, SEEN_AT)).toEqual({ at: '2026-12-02T10:41:07Z', by: 'argocd-controller', now: '90/10', applied: '75/25' });
  });

  it('does not take a manager that wrote other fields only', () => {
    const vs = writtenBy({ manager: 'labeller', time: '2026-12-02T11:00:00Z', fieldsV1: { 'f:metadata': { 'f:labels': {} } } }, { manager: 'kustomize-controller', time: '2026-12-02T10:41:07Z' });
    expect(reversionOf(vs, DIFFERENCE, SEEN_AT).by).toBe('kustomize-controller');
  });

  it('falls back to meshbot when it is the only writer recorded', () => {
    expect(reversionOf(writtenBy({ manager: 'meshbot', time: '2026-12-02T10:40:00Z' }), DIFFERENCE, SEEN_AT)).toMatchObject({ at: '2026-12-02T10:40:00Z', by: 'meshbot' });
  });

  it('takes the time it was seen when the writer has no time, or nobody is recorded', () => {
    expect(reversionOf(writtenBy({ manager: 'kubectl-edit' }), DIFFERENCE, SEEN_AT)).toMatchObject({ at: SEEN_AT, by: 'kubectl-edit' });
    expect(reversionOf(writtenBy(), DIFFERENCE, SEEN_AT)).toEqual({ at: SEEN_AT, by: undefined, now: '90/10', applied: '75/25' });
  });

  it('takes a VirtualService that is gone', () => {
    const gone = { now: 'the VirtualService is gone', applied: '75/25' };
    expect(reversionOf(undefined, gone, SEEN_AT)).toEqual({ at: SEEN_AT, by: undefined, ...gone });
  });
});

describe('describeReversion', () => {
  it('says when, by whom, and both weight sets', () => {
    expect(describeReversion({ at: '2026-12-02T10:41:07Z', by: 'argocd-controller', now: '90/10', applied: '75/25' }, 'weights')).toBe('weights changed at 10:41:07 UTC by `argocd-controller`: now 90/10, the step applied 75/25');
  });

  it('gives a seen-at time to the second, and says when no field manager is recorded', () => {
    expect(describeReversion({ at: SEEN_AT, by: undefined, now: '90/10', applied: '75/25' }, 'weights')).toBe('weights changed at 10:41:09 UTC (no field manager recorded): now 90/10, the step applied 75/25');
  });

  it('speaks of the mirror for a mirror step', () => {
    const reversion = { at: '2026-12-02T10:41:07Z', by: 'kustomize-controller', now: 'no mirror', applied: 'mirror 10% to cr-gcpbackend.com' };
    expect(describeReversion(reversion, 'mirror')).toBe('the mirror changed at 10:41:07 UTC by `kustomize-controller`: now no mirror, the step applied mirror 10% to cr-gcpbackend.com');
  });
});
