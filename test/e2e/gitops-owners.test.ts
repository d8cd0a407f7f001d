import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer, type KubeObject } from '../harness/kube-api-server.js';
import { startLoggingServer, type LoggingServer } from '../harness/logging-server.js';
import { startRedis, type RedisInstance } from '../harness/redis-server.js';
import { startSlackApiServer, type SlackApiServer } from '../harness/slack-api-server.js';
import { SlackDriver } from '../harness/slack-driver.js';
import { BOT_TOKEN, eventually, FROM, patchesOf, requestMessage, routeWeights, seedVirtualService, SIGNING_SECRET, TO } from '../support/meshbot-stack.js';
import { freePort, meshbotEnv, spawnMeshbot, waitForHttp, type MeshbotProcess } from '../support/meshbot-process.js';

const FLUX_RECONCILE = 'kustomize.toolkit.fluxcd.io/reconcile';

const migration = (name: string, extra: string) => `
  - name: ${name}
    namespace: payments
    virtualService: ${name}
    from: ${FROM}
    to: ${TO}
    channel: C0${name.toUpperCase().replaceAll('-', '')}
    approvers: [U0ALICE]
    bake: 0s
${extra}`;

const MIGRATIONS = `migrations:${migration('argo', '')}${migration('argo-refuse', '    gitops: refuse\n')}${migration('flux', '    gitops: suspend-flux\n')}`;
const channelOf = (name: string) => `C0${name.toUpperCase().replaceAll('-', '')}`;

function labelled(name: string, labels: Record<string, string>, annotations: Record<string, string> = {}): KubeObject {
  const vs = seedVirtualService('payments', name);
  return { ...vs, metadata: { ...vs.metadata, labels, annotations } };
}

let dir: string;
let redis: RedisInstance;
let slack: SlackApiServer;
let kube: KubeApiServer;
let logs: LoggingServer;
let meshbot: MeshbotProcess;
let driver: SlackDriver;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshbot-gitops-'));
  [redis, slack, kube, logs] = await Promise.all([startRedis(), startSlackApiServer({ token: BOT_TOKEN, channels: ['C0ARGO', 'C0ARGOREFUSE', 'C0FLUX', 'C0INCIDENTS'] }), startKubeApiServer({ namespaces: ['payments'] }), startLoggingServer()]);
  kube.seed(
    labelled('argo', { 'app.kubernetes.io/part-of': 'payments' }, { 'argocd.argoproj.io/tracking-id': 'payments:networking.istio.io/VirtualService:payments/argo' }),
    labelled('argo-refuse', { 'argocd.argoproj.io/instance': 'payments' }),
    labelled('flux', { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' }),
  );
  await kube.writeKubeconfig(join(dir, 'kubeconfig'));
  await writeFile(join(dir, 'meshbot.yaml'), MIGRATIONS);
  const port = await freePort();
  meshbot = spawnMeshbot('all', meshbotEnv({ slackApiUrl: slack.apiUrl, redisUrl: redis.url, logs, dir }, { MESHBOT_QUEUE_PREFIX: '{meshbot-gitops}', PORT: String(port) }));
  await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  driver = new SlackDriver({ eventsUrl: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET, api: slack });
}, 30_000);

afterAll(async () => {
  meshbot?.child.kill('SIGTERM');
  await meshbot?.exited;
  await Promise.all([slack?.close(), kube?.close(), logs?.close(), redis?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const request = (name: string, text: string) => driver.slashCommand({ text, userId: 'U0BOB', channelId: channelOf(name) });
const approve = (name: string, operationId: string, messageTs: string) => driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: channelOf(name), messageTs });
const threadTexts = (name: string, ts: string) => slack.thread(channelOf(name), ts).map((m) => m.text ?? '');
const annotationsOf = (name: string) => ((kube.getObject('virtualservices', 'payments', name)?.metadata?.annotations ?? {}) as Record<string, string>);

describe('GitOps owners, in a meshbot process', () => {
  it('an Argo CD-tracked VirtualService: the request says who owns it and what to do, and the thread gives the ignoreDifferences entry and the edit for Git', { timeout: 30_000 }, async () => {
    await request('argo', 'shift 25%');
    const { message } = await requestMessage(slack, 'C0ARGO', 10_000);
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).toContain('Argo CD application `payments` owns this VirtualService (annotation argocd.argoproj.io/tracking-id): with self-heal on, a live weight change is reverted at its next sync');
    expect(blocks).toContain('Remedy: add the `ignoreDifferences` entry');
    const guidance = await slack.waitForMessage((m) => m.thread_ts === message.ts && /ignoreDifferences/.test(m.text ?? ''), 10_000);
    expect(guidance.text).toContain('jqPathExpressions:\n        - .spec.http[].route[].weight');
    expect(guidance.text).toContain('RespectIgnoreDifferences=true');
    expect(guidance.text).toContain(`meshbot shift --file vs.yaml --from ${FROM} --to ${TO} --percent 25`);
    expect(guidance.text).toMatch(/weight: 75[\s\S]*weight: 25/);
  });

  it('gitops: refuse → refused with the reason and the remedy, nothing queued or posted', { timeout: 30_000 }, async () => {
    const before = slack.messages.length;
    await request('argo-refuse', 'shift 25%');
    const reply = await slack.waitForResponse((r) => /Refused under this migration's `gitops: refuse`/.test(r.text ?? ''), 10_000);
    expect(reply.text).toContain('Argo CD application `payments` owns this VirtualService (label argocd.argoproj.io/instance)');
    expect(reply.text).toContain('Remedy:');
    expect(reply.text).toContain('Nothing was requested');
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.messages.slice(before).filter((m) => m.channel === 'C0ARGOREFUSE')).toEqual([]);
    expect(patchesOf(kube, 'argo-refuse')).toBe(0);
  });

  it('gitops: suspend-flux → the step sets the Flux annotation in its approved diff and patch; finalize removes it again', { timeout: 40_000 }, async () => {
    await request('flux', 'shift 100%');
    const shift = await requestMessage(slack, 'C0FLUX', 10_000);
    const diff = JSON.stringify(shift.message.blocks);
    expect(diff).toContain(`+ metadata.annotations[\\"${FLUX_RECONCILE}\\"]: disabled`);
    expect(diff).toContain('this step also sets `kustomize.toolkit.fluxcd.io/reconcile: disabled` on it (gitops: suspend-flux)');
    await approve('flux', shift.operationId, shift.message.ts);
    await eventually(() => expect(routeWeights(kube, 'payments', 'flux')).toEqual({ [FROM]: 0, [TO]: 100 }), 10_000);
    expect(annotationsOf('flux')[FLUX_RECONCILE]).toBe('disabled');
    const patch = kube.calls.find((c) => c.method === 'PATCH' && c.path.endsWith('/virtualservices/flux') && (c.status ?? 0) < 300);
    expect(JSON.stringify(patch?.body)).toContain('"op":"test","path":"/metadata/resourceVersion"');
    expect(JSON.stringify(patch?.body)).toContain('kustomize.toolkit.fluxcd.io~1reconcile');
    await eventually(() => expect(threadTexts('flux', shift.message.ts).some((t) => t.startsWith('✅ Applied shift 100%'))).toBe(true), 10_000);

    await request('flux', 'finalize');
    const finalize = await requestMessage(slack, 'C0FLUX', 10_000).then(async (first) => (first.operationId === shift.operationId ? latestRequest() : first));
    expect(JSON.stringify(finalize.message.blocks)).toContain(`- metadata.annotations[\\"${FLUX_RECONCILE}\\"]: disabled`);
    await approve('flux', finalize.operationId, finalize.message.ts);
    await eventually(() => expect(annotationsOf('flux')[FLUX_RECONCILE]).toBeUndefined(), 10_000);
    expect(routeWeights(kube, 'payments', 'flux')).toEqual({ [TO]: 100 });
    const applied = await eventually(() => {
      const text = threadTexts('flux', finalize.message.ts).find((t) => t.startsWith('✅ Applied finalize'));
      if (!text) throw new Error('no result in the finalize thread yet');
      return text;
    }, 10_000);
    expect(applied).toContain(`- metadata.annotations["${FLUX_RECONCILE}"]: disabled`);
  });
});

/** The newest request with buttons in the Flux channel (the finalize, once the shift's buttons are gone). */
async function latestRequest() {
  return eventually(() => {
    const message = [...slack.messages].reverse().find((m) => m.channel === 'C0FLUX' && m.thread_ts === undefined && (m.blocks ?? []).some((b) => b.type === 'actions'));
    if (!message) throw new Error('no finalize request yet');
    const actions = (message.blocks ?? []).find((b) => b.type === 'actions') as unknown as { elements: { value: string }[] };
    return { message, operationId: actions.elements[0]?.value ?? '' };
  }, 10_000);
}
