import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps, MigrationSettings } from '../../src/app/deps.js';
import { validateMigration } from '../../src/app/validate-migration.js';
import { CoreObjects } from '../../src/kube/core-objects.js';
import { validateIstioObject } from '../../src/schema/istio-schema.js';
import type { KubeObject, PodOutcome } from '../harness/kube-api-server.js';
import { tdPermissionDenied, xdsNack } from '../harness/log-samples.js';
import { eventually, FROM, requestMessage, startStack, testMigration, type Stack } from '../support/meshbot-stack.js';

const M = {
  validate: testMigration(71, { validateImage: 'registry.example.com/tools/curl:8.11.1' }),
  validateRestricted: testMigration(72, { requesters: ['U0BOB'] }),
  exporting: testMigration(73),
  registering: testMigration(74),
  troubled: testMigration(75, { logFilter: 'resource.labels.service_name="ts-client"' }),
  quiet: testMigration(76, { logFilter: 'resource.labels.service_name="quiet-client"' }),
  vmBackend: testMigration(77, { gcpBackend: 'vm-backend' }),
  otherProject: testMigration(78, { gcpBackend: 'cr-other-project' }),
  busy: testMigration(79),
  second: testMigration(80, { channel: 'C0MIG79' }),
};

let stack: Stack;
let probe: PodOutcome | undefined;
beforeAll(async () => {
  stack = await startStack(Object.values(M));
  stack.kube.runPods(() => probe);
  stack.kube.seed(
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'checkout', namespace: 'shop' }, spec: { ports: [{ port: 8080, targetPort: 8000 }], selector: { app: 'checkout' } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'orders', namespace: 'shop' }, spec: { ports: [{ port: 80 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'search', namespace: 'shop' }, spec: { ports: [{ port: 7000 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ledger', namespace: 'payments' }, spec: { ports: [{ port: 80 }] } },
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'orders-external-mesh', namespace: 'shop' }, spec: { hosts: ['orders.hand.made'], http: [{ route: [{ destination: { host: 'orders' } }] }] } },
    { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: 'legacy-vm', namespace: 'payments' }, spec: { address: '10.0.0.9' } },
    { apiVersion: 'networking.gke.io/v1', kind: 'GCPBackend', metadata: { name: 'vm-backend', namespace: 'payments' }, spec: { backendService: { name: 'billing-bs' } } },
    { apiVersion: 'networking.gke.io/v1', kind: 'GCPBackend', metadata: { name: 'cr-other-project', namespace: 'payments' }, spec: { cloudrun: { service: 'cr-service', regions: ['us-central1'], project: 'another-project' } } },
  );
});
afterAll(async () => {
  await stack?.close();
});

const command = (m: MigrationSettings, text: string, userId = 'U0BOB', channelId = m.channel) => stack.driver.slashCommand({ text, userId, channelId });
const privateReply = (pattern: RegExp, timeoutMs = 5000) => stack.slack.waitForResponse((r) => r.kind === 'response' && pattern.test(r.text ?? ''), timeoutMs);
const click = (m: MigrationSettings, operationId: string, messageTs: string, userId: string, actionId = 'meshbot_approve') => stack.driver.clickButton({ actionId, value: operationId, userId, channelId: m.channel, messageTs });
const threadTexts = (channel: string, ts: string) => stack.slack.thread(channel, ts).map((m) => m.text ?? '');
const parents = (channel: string) => stack.slack.messages.filter((m) => m.channel === channel && m.thread_ts === undefined);
const calls = (method: string, pathPart: string) => stack.kube.calls.filter((c) => c.method === method && c.path.includes(pathPart));
const podsIn = (namespace: string) => stack.kube.listObjects('pods', namespace);

/** Runs /mesh validate and returns the result posted in the thread of its channel message, and the probe pod's name. */
async function runValidate(m: MigrationSettings, text = 'validate', userId = 'U0BOB'): Promise<{ result: string; podName: string }> {
  const before = parents(m.channel).length;
  await command(m, text, userId);
  const parent = await eventually(() => {
    const found = parents(m.channel)[before];
    if (!found) throw new Error('no validate message yet');
    return found;
  });
  expect(parent.text).toMatch(/^🔎 <@U0\w+> is validating \*migration-\d+\*: `curl http:\/\/cr-service-entry\.com\/` from pod payments\//);
  const result = await eventually(() => {
    const found = stack.slack.thread(m.channel, parent.ts)[1];
    if (!found) throw new Error('no result yet');
    return found;
  }, 8000);
  return { result: result.text ?? '', podName: /from pod payments\/(\S+) /.exec(parent.text ?? '')?.[1] ?? '' };
}

async function nothingRecorded(m: MigrationSettings): Promise<void> {
  const redis = new Redis(stack.redis.url);
  try {
    expect(await redis.llen(`${stack.queuePrefix}:history:${m.name}`)).toBe(0);
  } finally {
    redis.disconnect();
  }
}

describe('/mesh validate', () => {
  it('runs curl in a short-lived pod, posts status, latency and ✅ in the channel, and deletes the pod', async () => {
    probe = { phase: 'Succeeded', log: '200 0.012345', afterMs: 100 };
    const { result, podName } = await runValidate(M.validate);
    expect(result).toBe("✅ HTTP 200 from http://cr-service-entry.com/ in 12 ms — the seeds' check passes (200 expected).");
    await privateReply(/^Validation of migration-71: ✅ HTTP 200/);
    const created = calls('POST', '/api/v1/namespaces/payments/pods').at(-1)?.body as KubeObject & { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
    expect(created.metadata?.name).toBe(podName);
    expect(created.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('meshbot');
    expect(created.spec).toMatchObject({ restartPolicy: 'Never', activeDeadlineSeconds: 60, securityContext: { runAsNonRoot: true } });
    expect(created.spec.containers[0]).toMatchObject({ image: 'registry.example.com/tools/curl:8.11.1', command: ['curl'], args: ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{time_total}', '--max-time', '10', `http://${FROM}/`] });
    expect(calls('GET', `/pods/${podName}/log`).length).toBe(1);
    expect(calls('DELETE', `/pods/${podName}`).map((c) => c.status)).toEqual([200]);
    expect(podsIn('payments').map((p) => p.metadata?.name)).not.toContain(podName);
  });

  it('answers ❌ with what to check on a 503, and deletes the pod', async () => {
    probe = { phase: 'Succeeded', log: '503 0.004', afterMs: 50 };
    const { result, podName } = await runValidate(M.validate, 'validate migration-71');
    expect(result.split('\n')[0]).toBe('❌ HTTP 503 from http://cr-service-entry.com/ in 4 ms — 200 expected.');
    expect(result).toContain('/mesh errors');
    expect(calls('DELETE', `/pods/${podName}`).length).toBe(1);
    expect(podsIn('payments').map((p) => p.metadata?.name)).not.toContain(podName);
  });

  it('answers ❌ when the pod fails without an HTTP answer, with curl\'s reason, and deletes the pod', async () => {
    probe = { phase: 'Failed', log: '000 0.000812curl: (6) Could not resolve host: cr-service-entry.com', afterMs: 50 };
    const { result, podName } = await runValidate(M.validate);
    expect(result).toMatch(/^❌ No HTTP answer from http:\/\/cr-service-entry\.com\/ after 1 ms — curl: \(6\) Could not resolve host: cr-service-entry\.com\.\nCheck that cr-service-entry\.com resolves/);
    expect(calls('DELETE', `/pods/${podName}`).length).toBe(1);
    expect(podsIn('payments').map((p) => p.metadata?.name)).not.toContain(podName);
  });

  it('gives up after its timeout, says why, and still deletes the pod', async () => {
    probe = undefined; // the kubelet never runs it: Pending for ever
    const posted: { text: string; threadTs?: string | undefined }[] = [];
    const deps = {
      migrations: [M.validate],
      core: () => new CoreObjects(stack.kube.kubeConfig()),
      notifier: { post: async (m: { text: string; threadTs?: string }) => (posted.push(m), `${posted.length}.0`), update: async () => undefined },
      groups: { groupsOf: async () => [] },
      newId: () => 'op-timeout-1',
      now: () => new Date(),
    } as unknown as AppDeps;
    const reply = await validateMigration(deps, M.validate, { userId: 'U0BOB', channelId: M.validate.channel }, { timeoutMs: 1000, pollMs: 50 });
    expect(reply.text).toContain('did not finish within 1 s');
    expect(posted[1]?.text).toMatch(/^❌ The probe pod did not finish within 1 s \(phase Pending\); no HTTP status\.\nCheck that the cluster can pull registry\.example\.com\/tools\/curl:8\.11\.1/);
    expect(calls('DELETE', '/pods/meshbot-validate-op-timeout-1').length).toBe(1);
    expect(stack.kube.getObject('pods', 'payments', 'meshbot-validate-op-timeout-1')).toBeUndefined();
  });

  it('says what RBAC is missing when it may not create the pod, and leaves nothing behind', async () => {
    const rule = stack.kube.forbid({ verb: 'create', plural: 'pods', namespace: 'payments' });
    try {
      const before = podsIn('payments').length;
      await command(M.validate, 'validate');
      const reply = await privateReply(/^Validation of migration-71: ❌ The probe could not run: meshbot may not create pod/);
      expect(reply.text).toContain('grant its service account pods create/get/delete and pods/log get');
      expect(podsIn('payments').length).toBe(before);
    } finally {
      rule.remove();
    }
  });

  it('is only for the migration\'s requesters and approvers, and needs no approval', async () => {
    probe = { phase: 'Succeeded', log: '200 0.001', afterMs: 20 };
    const posts = calls('POST', '/pods').length;
    await command(M.validateRestricted, 'validate', 'U0MALLORY');
    await privateReply(/<@U0MALLORY> may not request changes to this migration.*Nothing was run\./);
    expect(calls('POST', '/pods').length).toBe(posts);
    await command(M.validateRestricted, 'validate', 'U0BOB');
    await privateReply(/^Validation of migration-72: ✅ HTTP 200/);
    expect(parents(M.validateRestricted.channel).some(hasButtons)).toBe(false);
  });
});

const hasButtons = (m: { blocks?: { type: string }[] }) => (m.blocks ?? []).some((b) => b.type === 'actions');

describe('/mesh export', () => {
  it('with approval, creates a VirtualService on the external-mesh gateway for SERVICE.SUFFIX in the Service\'s namespace', async () => {
    await command(M.exporting, 'export checkout --dns-suffix mesh.example.internal --namespace shop');
    await privateReply(/^Requested: export shop\/checkout as checkout\.mesh\.example\.internal in the current context/);
    const { message, operationId } = await requestMessage(stack.slack, M.exporting.channel);
    const shown = JSON.stringify(message.blocks);
    expect(shown).toContain('Kubernetes Service shop/checkout found');
    expect(shown).toContain('VirtualService shop/checkout-external-mesh — will be created');
    expect(shown).toContain('external-mesh');
    expect(stack.kube.getObject('virtualservices', 'shop', 'checkout-external-mesh')).toBeUndefined();

    await click(M.exporting, operationId, message.ts, 'U0BOB');
    await privateReply(/<@U0BOB> is not an approver of this migration/);
    expect(stack.kube.getObject('virtualservices', 'shop', 'checkout-external-mesh')).toBeUndefined();

    await click(M.exporting, operationId, message.ts, 'U0ALICE');
    const vs = await eventually(() => {
      const found = stack.kube.getObject('virtualservices', 'shop', 'checkout-external-mesh');
      if (!found) throw new Error('not yet');
      return found;
    });
    expect(validateIstioObject(vs)).toEqual([]);
    expect(vs.metadata?.labels).toEqual({ 'app.kubernetes.io/managed-by': 'meshbot' });
    expect(vs.spec).toEqual({ hosts: ['checkout.mesh.example.internal'], gateways: ['external-mesh'], http: [{ route: [{ destination: { host: 'checkout.shop.svc.cluster.local', port: { number: 8080 } } }] }] });
    const result = await eventually(() => {
      const found = threadTexts(M.exporting.channel, message.ts).find((t) => t.startsWith('✅ Applied export'));
      if (!found) throw new Error('not yet');
      return found;
    });
    expect(result).toContain('created VirtualService shop/checkout-external-mesh');
    expect(result).toContain('private Cloud DNS zone for mesh.example.internal');
    expect(result).toContain('PERMISSIVE mTLS');
    await eventually(() => expect(JSON.stringify(stack.slack.message(M.exporting.channel, message.ts)?.blocks)).toContain('Approved by <@U0ALICE> — applied'));
  });

  it('says there is nothing to do when the export is already as requested', async () => {
    const before = parents(M.exporting.channel).length;
    await command(M.exporting, 'export checkout --dns-suffix mesh.example.internal --namespace shop');
    await privateReply(/^Nothing to do: VirtualService shop\/checkout-external-mesh is already as requested/);
    expect(parents(M.exporting.channel).length).toBe(before);
  });

  it('updates its own VirtualService with the resourceVersion it read, keeping a concurrent hand edit', async () => {
    stack.kube.edit({ resource: 'services', namespace: 'shop', name: 'checkout' }, (draft) => {
      (draft.spec as { ports: { port: number }[] }).ports = [{ port: 9090 }];
    });
    await command(M.exporting, 'export checkout --dns-suffix mesh.example.internal --namespace shop');
    const { message, operationId } = await requestMessage(stack.slack, M.exporting.channel);
    expect(JSON.stringify(message.blocks)).toMatch(/VirtualService shop\/checkout-external-mesh — will be updated \(managed by meshbot, resourceVersion \d+\)/);
    const handEdit = stack.kube.editBeforeNextWrite({ resource: 'virtualservices', namespace: 'shop', name: 'checkout-external-mesh', verbs: ['update'] }, (draft) => {
      draft.metadata = { ...draft.metadata, annotations: { 'team.example.com/owner': 'shop' } };
    });
    await click(M.exporting, operationId, message.ts, 'U0CAROL');
    await eventually(() => expect(JSON.stringify(stack.kube.getObject('virtualservices', 'shop', 'checkout-external-mesh')?.spec)).toContain('"number":9090'));
    expect(handEdit.applied).toBe(true);
    const vs = stack.kube.getObject('virtualservices', 'shop', 'checkout-external-mesh');
    expect(vs?.metadata?.annotations).toEqual({ 'team.example.com/owner': 'shop' });
    const puts = calls('PUT', '/namespaces/shop/virtualservices/checkout-external-mesh');
    expect(puts.map((c) => c.status)).toEqual([409, 200]);
    expect(puts.every((c) => typeof (c.body as KubeObject).metadata?.resourceVersion === 'string')).toBe(true);
    expect(validateIstioObject(vs)).toEqual([]);
  });

  it('refuses a missing Service, and nothing is queued', async () => {
    const before = parents(M.exporting.channel).length;
    await command(M.exporting, 'export nope --dns-suffix mesh.example.internal --namespace shop');
    await privateReply(/^Kubernetes Service shop\/nope was not found in the current context\. \/mesh export routes Cloud Run to an existing Service: check its name and namespace\. Nothing was requested\.$/);
    await command(M.exporting, 'export checkout --dns-suffix mesh.example.internal');
    await privateReply(/^Kubernetes Service payments\/checkout was not found .*\(the namespace defaults to the migration's, payments; give --namespace for another\)/);
    expect(parents(M.exporting.channel).length).toBe(before);
  });

  it('refuses to overwrite a VirtualService meshbot does not own', async () => {
    const before = parents(M.exporting.channel).length;
    await command(M.exporting, 'export orders --dns-suffix mesh.example.internal --namespace shop');
    await privateReply(/^VirtualService shop\/orders-external-mesh already exists and is not managed by meshbot \(no label app\.kubernetes\.io\/managed-by: meshbot\); meshbot does not overwrite it\..*Nothing was requested\./);
    expect(parents(M.exporting.channel).length).toBe(before);
    expect(stack.kube.getObject('virtualservices', 'shop', 'orders-external-mesh')?.spec).toEqual({ hosts: ['orders.hand.made'], http: [{ route: [{ destination: { host: 'orders' } }] }] });
  });

  it('fails rather than overwrite an object someone else created between the request and the approval', async () => {
    await command(M.exporting, 'export search --dns-suffix mesh.example.internal --namespace shop');
    const { message, operationId } = await requestMessage(stack.slack, M.exporting.channel);
    const theirs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'search-external-mesh', namespace: 'shop' }, spec: { hosts: ['search.by.hand'], http: [{ route: [{ destination: { host: 'search' } }] }] } };
    stack.kube.put(theirs);
    await click(M.exporting, operationId, message.ts, 'U0ALICE');
    const failure = await eventually(() => {
      const found = threadTexts(M.exporting.channel, message.ts).find((t) => t.startsWith('❌ export shop/search'));
      if (!found) throw new Error('not yet');
      return found;
    });
    expect(failure).toContain('VirtualService shop/search-external-mesh already exists and is not managed by meshbot');
    expect(failure).toContain('Nothing was written.');
    expect(stack.kube.getObject('virtualservices', 'shop', 'search-external-mesh')?.spec).toEqual(theirs.spec);
    expect(calls('PUT', '/virtualservices/search-external-mesh')).toHaveLength(0);
  });

  it('refuses in a channel without a migration (no approvers to ask), and with bad input gives the usage', async () => {
    await command(M.exporting, 'export checkout --dns-suffix mesh.example.internal --namespace shop', 'U0BOB', 'C0ELSEWHERE');
    await privateReply(/^\/mesh export takes its approvers and its cluster from this channel's migration, and no migration is configured for this channel/);
    const bad = await command(M.exporting, 'export checkout');
    expect((bad.body as { text: string }).text).toMatch(/export needs --dns-suffix.*Usage: \/mesh export <service> --dns-suffix <suffix>/);
  });
});

describe('/mesh register', () => {
  it('with approval, writes a WorkloadEntry and then a MESH_INTERNAL ServiceEntry selecting it, both valid', async () => {
    await command(M.registering, 'register billing-vm 10.128.0.7:8080 --label version=v1');
    const { message, operationId } = await requestMessage(stack.slack, M.registering.channel);
    const shown = JSON.stringify(message.blocks);
    expect(shown).toContain('WorkloadEntry payments/billing-vm — will be created');
    expect(shown).toContain('ServiceEntry payments/billing-vm — will be created');
    expect(calls('POST', '/workloadentries')).toHaveLength(0);
    await click(M.registering, operationId, message.ts, 'U0ALICE');
    const serviceEntry = await eventually(() => {
      const found = stack.kube.getObject('serviceentries', 'payments', 'billing-vm');
      if (!found) throw new Error('not yet');
      return found;
    });
    const workloadEntry = stack.kube.getObject('workloadentries', 'payments', 'billing-vm');
    expect(validateIstioObject(workloadEntry)).toEqual([]);
    expect(validateIstioObject(serviceEntry)).toEqual([]);
    expect(workloadEntry?.spec).toEqual({ address: '10.128.0.7', labels: { app: 'billing-vm', version: 'v1' }, ports: { http: 8080 } });
    expect(serviceEntry.spec).toMatchObject({ hosts: ['billing-vm.payments.svc.cluster.local'], location: 'MESH_INTERNAL', resolution: 'STATIC', workloadSelector: { labels: { app: 'billing-vm', version: 'v1' } }, ports: [{ number: 8080, name: 'http', protocol: 'HTTP' }] });
    for (const object of [workloadEntry, serviceEntry]) expect(object?.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('meshbot');
    const order = stack.kube.calls.filter((c) => c.method === 'POST' && /\/(workloadentries|serviceentries)$/.test(c.path)).map((c) => c.path.split('/').at(-1));
    expect(order).toEqual(['workloadentries', 'serviceentries']);
    await eventually(() => expect(threadTexts(M.registering.channel, message.ts).some((t) => t.startsWith('✅ Applied register payments/billing-vm at 10.128.0.7:8080'))).toBe(true));
  });

  it('holds the migration while it waits (a shift is busy); rejected, it writes nothing and frees the migration', async () => {
    await command(M.registering, 'register audit-vm [fd00::7]:9000');
    const { message, operationId } = await requestMessage(stack.slack, M.registering.channel);
    await command(M.registering, 'shift 25%', 'U0CAROL');
    await privateReply(/^Busy with register payments\/audit-vm at \[fd00::7\]:9000 — (requested|awaiting-approval), requested by <@U0BOB>/);
    await click(M.registering, operationId, message.ts, 'U0ALICE', 'meshbot_reject');
    await eventually(() => expect(JSON.stringify(stack.slack.message(M.registering.channel, message.ts)?.blocks)).toContain('Rejected by <@U0ALICE>'));
    expect(stack.kube.getObject('workloadentries', 'payments', 'audit-vm')).toBeUndefined();
    await command(M.registering, 'shift 25%');
    await privateReply(/^Requested: shift 25% for migration-74/);
    await requestMessage(stack.slack, M.registering.channel);
  });

  it('refuses a name taken by a Kubernetes Service, or by a WorkloadEntry meshbot does not own', async () => {
    const before = parents(M.registering.channel).length;
    await command(M.registering, 'register ledger 10.128.0.8:80', 'U0CAROL');
    await privateReply(/^A Kubernetes Service payments\/ledger already exists: a ServiceEntry for ledger\.payments\.svc\.cluster\.local would clash with it/);
    await command(M.registering, 'register legacy-vm 10.128.0.9:80', 'U0CAROL');
    await privateReply(/^WorkloadEntry payments\/legacy-vm already exists and is not managed by meshbot/);
    expect(parents(M.registering.channel).length).toBe(before);
    expect(stack.kube.getObject('workloadentries', 'payments', 'legacy-vm')?.spec).toEqual({ address: '10.0.0.9' });
  });
});

describe('export and register take the approvers of the channel\'s one migration', () => {
  it('refuse in a channel with several migrations, recording nothing', async () => {
    await command(M.busy, 'export checkout --dns-suffix mesh.example.internal --namespace shop');
    await privateReply(/channel has several \(migration-79, migration-80\)/);
    await nothingRecorded(M.busy);
  });
});

describe('/mesh troubleshoot', () => {
  it('counts the permission denials of the last hour and gives the exact grant and the CSDS command', async () => {
    stack.logs.append([...Array.from({ length: 3 }, () => tdPermissionDenied({ service: 'ts-client', now: new Date() })), xdsNack({ service: 'ts-client', now: new Date() })]);
    await command(M.troubled, 'troubleshoot');
    const reply = await privateReply(/^\*Troubleshooting migration-75\*/);
    const text = reply.text ?? '';
    expect(text).toContain("1. ❌ 3 × `Permission 'trafficdirector.networks.getConfigs' denied` from Cloud Run service ts-client (us-central1)");
    expect(text).toContain('`gcloud projects add-iam-policy-binding 123 --member=serviceAccount:SERVICE_ACCOUNT --role=roles/trafficdirector.client`');
    expect(text).toContain('↳ SERVICE_ACCOUNT — the runtime service account of the Cloud Run service');
    expect(text).toContain("gcloud run services describe ts-client --region=us-central1 --project=");
    expect(text).toMatch(/1 × xds-nack/);
    expect(text).toContain('`gcloud alpha container fleet mesh debug proxy-status --membership=MEMBERSHIP --location=LOCATION`');
    expect(text).toContain('↳ MEMBERSHIP — the fleet membership name of the cluster');
    expect(text).toContain('↳ LOCATION —');
  });

  it('says so when there are no denials', async () => {
    await command(M.quiet, 'troubleshoot');
    const reply = await privateReply(/^\*Troubleshooting migration-76\*/);
    expect(reply.text).toContain("1. ✅ No `Permission 'trafficdirector.networks.getConfigs' denied` in the last hour");
    expect(reply.text).toContain('2. ✅ No other control-plane errors');
  });
});

describe('the GCPBackend in the preflight', () => {
  it('shows a Cloud Run backend for what it is', async () => {
    await command(M.quiet, 'shift 25%');
    const { message } = await requestMessage(stack.slack, M.quiet.channel);
    expect(JSON.stringify(message.blocks)).toContain("GCPBackend payments/cr-gcpbackend present — Cloud Run service cr-service in us-central1, project");
  });

  it('warns that Compute Engine VM backends get no mTLS', async () => {
    await command(M.vmBackend, 'shift 25%');
    const { message } = await requestMessage(stack.slack, M.vmBackend.channel);
    const shown = JSON.stringify(message.blocks);
    expect(shown).toContain('GCPBackend payments/vm-backend present — Compute Engine backend billing-bs');
    expect(shown).toContain('❌ No mTLS to Compute Engine VM backends');
  });

  it('warns when the Cloud Run service is in another project than the mesh', async () => {
    await command(M.otherProject, 'shift 25%');
    const { message } = await requestMessage(stack.slack, M.otherProject.channel);
    expect(JSON.stringify(message.blocks)).toMatch(/❌ Cloud Run project another-project is not the mesh project [^:]+: the Cloud Run service must be in the same project as the mesh/);
  });
});

describe('list and status name the cluster', () => {
  it('shows the current context when a migration names none', async () => {
    await command(M.quiet, 'list');
    await privateReply(/migration-76\* — `payments\/vs-76`: cr-service-entry\.com → cr-gcpbackend\.com · cluster: current context/);
    await command(M.quiet, 'status');
    await privateReply(/^\*migration-76\* — VirtualService `payments\/vs-76`\nCluster: current context\n/);
  });
});
