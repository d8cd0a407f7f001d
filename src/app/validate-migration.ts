import { setTimeout as sleep } from 'node:timers/promises';
import { mayRequest } from '../domain/operation/approval-policy.js';
import { DEFAULT_VALIDATE_IMAGE, PROBE_CONTAINER, probePod, probePodName, probeUrl, probeVerdict, type ProbeOutcome } from '../domain/validate-probe.js';
import { isJsonObject, type JsonObject } from '../domain/virtual-service.js';
import type { CoreObjects } from '../kube/core-objects.js';
import { KubeError } from '../kube/kube-error.js';
import type { Actor, AppDeps, MigrationSettings, Reply } from './deps.js';
import { policyActor, policyFor } from './policy-for.js';

export interface ValidateOptions {
  /** How long to wait for the probe pod to finish (pull, start, curl). Default 90 s. */
  readonly timeoutMs?: number;
  /** How often the pod is read while waiting. Default 1 s. */
  readonly pollMs?: number;
}

const DEFAULT_TIMEOUT_MS = 90_000;
const DEFAULT_POLL_MS = 1_000;

/**
 * `/mesh validate`: the seeds' curl check, run by meshbot. A short-lived Pod in the migration's
 * namespace curls the ServiceEntry host once; meshbot waits for it, reads its log, deletes the
 * Pod whatever happened, and posts status, latency and verdict in the channel. A read-only
 * probe, so no approval; only the migration's requesters and approvers may run it.
 */
export async function validateMigration(deps: AppDeps, migration: MigrationSettings, actor: Actor, options: ValidateOptions = {}): Promise<Reply> {
  const allowed = mayRequest(policyFor(migration), await policyActor(deps, migration, actor.userId));
  if (!allowed.ok) return { text: `${allowed.error} Nothing was run.` };
  if (!deps.core) return { text: 'This meshbot process has no Kubernetes core API client, so it cannot start the probe pod; nothing was run.' };
  const core = deps.core(migration);
  const image = migration.validateImage ?? DEFAULT_VALIDATE_IMAGE;
  const ref = { namespace: migration.namespace, name: probePodName(deps.newId()) };
  const url = probeUrl(migration.from);
  const parent = await deps.notifier.post({
    channel: migration.channel,
    text: `🔎 <@${actor.userId}> is validating *${migration.name}*: \`curl ${url}\` from pod ${ref.namespace}/${ref.name} (${image})…`,
  });
  const created: { uid?: string } = {};
  let outcome: ProbeOutcome;
  let cleanup: string | undefined;
  try {
    outcome = await runProbe(core, ref, probePod({ ...ref, image, host: migration.from, migration: migration.name }), options, created);
  } finally {
    cleanup = await deleteProbe(core, ref, created.uid);
  }
  const verdict = probeVerdict(migration.from, image, outcome);
  const lines = [verdict.headline, ...(verdict.advice ? [verdict.advice] : []), ...(cleanup ? [cleanup] : [])];
  await deps.notifier.post({ channel: migration.channel, threadTs: parent, text: lines.join('\n') });
  return { text: `Validation of ${migration.name}: ${verdict.headline} (posted in <#${migration.channel}>)` };
}

async function runProbe(core: CoreObjects, ref: { namespace: string; name: string }, pod: JsonObject, options: ValidateOptions, created: { uid?: string }): Promise<ProbeOutcome> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  try {
    const metadata = (await core.createPod(ref.namespace, pod)).metadata;
    if (isJsonObject(metadata) && typeof metadata.uid === 'string') created.uid = metadata.uid;
  } catch (error) {
    return { kind: 'error', message: kubeText(error, `create pod ${ref.namespace}/${ref.name}`) };
  }
  const deadline = Date.now() + timeoutMs;
  let last: PodView = {};
  for (;;) {
    try {
      last = podView(await core.getPod(ref));
    } catch (error) {
      if (!(error instanceof KubeError && error.transient)) return { kind: 'error', message: kubeText(error, `read pod ${ref.namespace}/${ref.name}`) };
    }
    if (last.done) break;
    if (Date.now() + pollMs > deadline) return { kind: 'timeout', waitedSeconds: Math.round(timeoutMs / 1000), phase: last.phase, waiting: last.waiting };
    await sleep(pollMs);
  }
  try {
    return { kind: 'finished', succeeded: last.succeeded === true, log: await core.podLog(ref, PROBE_CONTAINER) };
  } catch (error) {
    return { kind: 'error', message: kubeText(error, `read the log of pod ${ref.namespace}/${ref.name}`) };
  }
}

interface PodView {
  readonly done?: boolean;
  readonly succeeded?: boolean;
  readonly phase?: string | undefined;
  readonly waiting?: string | undefined;
}

/** Done when the pod ended, or when the probe container did (a sidecar may keep the pod running). */
function podView(pod: JsonObject): PodView {
  const status = isJsonObject(pod.status) ? pod.status : {};
  const phase = typeof status.phase === 'string' ? status.phase : undefined;
  const probe = (Array.isArray(status.containerStatuses) ? status.containerStatuses : []).find((c): c is JsonObject => isJsonObject(c) && c.name === PROBE_CONTAINER);
  const state = probe && isJsonObject(probe.state) ? probe.state : {};
  const terminated = isJsonObject(state.terminated) ? state.terminated : undefined;
  const waiting = isJsonObject(state.waiting) && typeof state.waiting.reason === 'string' ? state.waiting.reason : undefined;
  if (phase === 'Succeeded' || phase === 'Failed') return { done: true, succeeded: phase === 'Succeeded', phase };
  if (terminated) return { done: true, succeeded: terminated.exitCode === 0, phase };
  return { phase, waiting };
}

/**
 * Always tried, whatever happened (the name is this probe's alone; with the uid known, the
 * delete is preconditioned on it). Returns what to tell people when the pod could not be removed.
 */
async function deleteProbe(core: CoreObjects, ref: { namespace: string; name: string }, uid: string | undefined): Promise<string | undefined> {
  try {
    await core.deletePod(ref, uid);
    return undefined;
  } catch (error) {
    if (error instanceof KubeError && error.kind === 'not-found') return undefined;
    return `⚠️ meshbot could not delete its probe pod (${kubeText(error, 'delete')}): \`kubectl delete pod ${ref.name} -n ${ref.namespace}\``;
  }
}

function kubeText(error: unknown, what: string): string {
  if (!(error instanceof KubeError)) return `${what}: ${String((error as Error)?.message ?? error)}`;
  if (error.kind === 'forbidden') return `meshbot may not ${what} (403 Forbidden: ${error.message}); grant its service account pods create/get/delete and pods/log get in that namespace`;
  return `${what}: ${error.message}`;
}
