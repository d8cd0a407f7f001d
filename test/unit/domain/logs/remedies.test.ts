import { describe, expect, it } from 'vitest';
import { classifyEntry } from '../../../../src/domain/logs/classify.js';
import type { ErrorClassId } from '../../../../src/domain/logs/error-classes.js';
import type { ClassifiableEntry } from '../../../../src/domain/logs/log-entry.js';
import { remediesByCause } from '../../../../src/domain/logs/remedies.js';
import { deniedProject, denialFacts } from '../../../../src/domain/logs/remedy-facts.js';
import { addToTally, emptyTally, type Tally } from '../../../../src/domain/logs/tally.js';
import { istioProxyAccessLog, tdPermissionDenied } from '../../../harness/log-samples.js';
import { normalizeEntry, type LogEntryInput } from '../../../harness/logging/entries.js';

const AT = '2026-03-02T10:00:00.000Z';
let sequence = 0;
const stored = (input: LogEntryInput): ClassifiableEntry => normalizeEntry(input, { now: () => new Date(AT), nextInsertId: () => `id-${++sequence}` });
const DENIAL = "closed: 7, Permission 'trafficdirector.networks.getConfigs' denied on resource 'projects/123/global/networks/default' (or it may not exist).";

function tallyWith(counts: Partial<Record<ErrorClassId, number>>): Tally {
  const tally = emptyTally();
  for (const [classId, n] of Object.entries(counts) as [ErrorClassId, number][]) {
    for (let i = 0; i < n; i++) addToTally(tally, { kind: 'error', classId, sample: `${classId} ${i}` }, { insertId: `${classId}-${i}`, timestamp: AT });
  }
  return tally;
}

describe('remedy facts', () => {
  it('reads the project of the denied resource, in its short and full forms', () => {
    expect(deniedProject(DENIAL)).toBe('123');
    expect(deniedProject("denied on resource '//trafficdirector.googleapis.com/projects/734009210042/networks/default/nodes/x'")).toBe('734009210042');
    expect(deniedProject('closed: 7, something else')).toBeUndefined();
  });

  it('takes the Cloud Run service and region from the entry, and nothing from a GKE pod', () => {
    const denial = classifyEntry(stored(tdPermissionDenied({ service: 'ts-client', region: 'europe-west1', meshProjectNumber: '42' })));
    expect(denial).toMatchObject({ kind: 'error', classId: 'td-permission-denied', facts: { deniedProject: '42', service: 'ts-client', region: 'europe-west1' } });
    const pod: ClassifiableEntry = { insertId: 'p', timestamp: AT, resource: { type: 'k8s_container', labels: { pod_name: 'frontend-1', location: 'us-central1' } } };
    expect(denialFacts(pod, DENIAL)).toEqual({ deniedProject: '123' });
    expect(denialFacts(pod, 'denied')).toBeUndefined();
    expect(classifyEntry(stored(istioProxyAccessLog({ responseFlags: 'UH' })))).not.toHaveProperty('facts');
  });

  it('drops a name longer than GCP gives', () => {
    const entry: ClassifiableEntry = { insertId: 'r', timestamp: AT, resource: { type: 'cloud_run_revision', labels: { service_name: 's'.repeat(101), location: 'us-central1' } } };
    expect(denialFacts(entry, DENIAL)).toEqual({ deniedProject: '123' });
  });
});

describe('remediesByCause', () => {
  it('puts the zero-tolerance classes first, then the counted ones by count, then those not counted', () => {
    const tally = tallyWith({ 'downstream-closed': 40, 'no-healthy-upstream': 8, 'td-permission-denied': 3, 'upstream-timeout': 8, 'http-5xx': 9, 'xds-nack': 1 });
    const order = remediesByCause(tally, ['td-permission-denied', 'xds-nack'], undefined).map((r) => [r.classId, r.count, r.zeroTolerance]);
    expect(order).toEqual([
      ['td-permission-denied', 3, true],
      ['xds-nack', 1, true],
      ['http-5xx', 9, false],
      ['no-healthy-upstream', 8, false], // ties go by the classes' precedence: UH before UT
      ['upstream-timeout', 8, false],
      ['downstream-closed', 40, false],
    ]);
  });

  it('gives each class its remedy, the Traffic Director one filled in', () => {
    const tally = emptyTally();
    const denial = stored(tdPermissionDenied({ service: 'ts-client', meshProjectNumber: '42' }));
    addToTally(tally, classifyEntry(denial), denial);
    const [td] = remediesByCause(tally, [], 'shop-logs');
    expect(td?.lines[1]).toBe('`gcloud projects add-iam-policy-binding 42 --member=serviceAccount:SERVICE_ACCOUNT --role=roles/trafficdirector.client`');
    const [uh] = remediesByCause(tallyWith({ 'no-healthy-upstream': 1 }), [], undefined);
    expect(uh?.lines).toEqual([expect.stringContaining('kubectl get gcpbackend')]);
    expect(remediesByCause(emptyTally(), ['td-permission-denied'], undefined)).toEqual([]);
  });
});
