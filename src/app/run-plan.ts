import { describeOperation, type Operation } from '../domain/operation/operation.js';
import { mayRequest } from '../domain/operation/approval-policy.js';
import { hostWeight, httpRoutes, indexesOfHost } from '../domain/virtual-service.js';
import { VIRTUAL_SERVICES } from '../kube/custom-objects.js';
import { lockOf, type Actor, type AppDeps, type MigrationSettings, type Reply } from './deps.js';
import { neededFor, policyLines, waitingText } from './change-policy.js';
import { policyActor, policyFor } from './policy-for.js';
import { kubeProblem, requestChange } from './request-change.js';

/** The share of the pair's traffic `to` has now (the smallest over the routes that hold `from`). */
export async function currentShare(deps: AppDeps, migration: MigrationSettings): Promise<number | undefined> {
  const vs = await deps.kube(migration).get(VIRTUAL_SERVICES, { namespace: migration.namespace, name: migration.virtualService });
  const shares = httpRoutes(vs)
    .filter((route) => indexesOfHost(route, migration.from).length > 0)
    .map((route) => {
      const from = hostWeight(route, migration.from);
      const to = hostWeight(route, migration.to);
      return from + to === 0 ? 0 : Math.round((to * 100) / (from + to));
    });
  return shares.length === 0 ? (httpRoutes(vs).some((r) => indexesOfHost(r, migration.to).length > 0) ? 100 : undefined) : Math.min(...shares);
}

export function nextStep(migration: MigrationSettings, share: number): number | undefined {
  return migration.steps.find((step) => step > share);
}

/** `/mesh plan`: the configured steps, where the migration stands, and what each step waits for. */
export async function showPlan(deps: AppDeps, migration: MigrationSettings): Promise<Reply> {
  let share: number | undefined;
  try {
    share = await currentShare(deps, migration);
  } catch (error) {
    return { text: kubeProblem(error, migration, 'none') };
  }
  const [run, holder] = await Promise.all([deps.store.run(migration.name), deps.store.holderOf(lockOf(migration))]);
  const waitsFor = migration.autoAdvance ? 'advances by itself after a healthy bake' : 'waits for an approver';
  const bake = migration.bakeMs > 0 ? `${Math.round(migration.bakeMs / 60000) || '<1'}m bake` : 'no bake';
  const next = share === undefined ? undefined : nextStep(migration, share);
  const lines = migration.steps.map((step) => {
    const mark = share !== undefined && step <= share ? '✅' : step === next ? '▶️' : '◻️';
    return `${mark} ${step}% to ${migration.to} — ${step === migration.steps[0] || !migration.autoAdvance ? approverWait(migration, step) : waitsFor}, then a ${bake}`;
  });
  return {
    text: [
      `*Plan for ${migration.name}* (now ${share === undefined ? 'unknown' : `${share}%`} to ${migration.to}${run ? `; a run started by <@${run.startedBy}> is in progress` : ''})`,
      ...policyLines(deps, migration),
      ...waitingLine(deps, holder),
      `◻️ optional first: /mesh mirror 10% — copy traffic to ${migration.to} before shifting any`,
      ...lines,
      `◻️ /mesh finalize — at 100% after a healthy bake: remove ${migration.from} from the routes (needs approval)`,
      'Any breach during a bake rolls back to the previous step and stops the run.',
    ].join('\n'),
  };
}

/** "waits for an approver", or for how many the step needs. */
function approverWait(migration: MigrationSettings, step: number): string {
  const needed = neededFor(migration, { kind: 'shift', percent: step }, false);
  return needed === 1 ? 'waits for an approver' : `waits for ${needed} approvers`;
}

/** A run's step held back by the change windows: "⏸️ next step Mon 09:00 Europe/Berlin (shift 50% …)". */
function waitingLine(deps: AppDeps, holder: Operation | undefined): string[] {
  const waits = holder?.state === 'requested' ? waitingText(deps, holder) : undefined;
  return holder && waits ? [`⏸️ next step ${waits} (${describeOperation(holder)}, waiting for the change window)`] : [];
}

/** `/mesh run`: walks the configured steps from where the migration stands. */
export async function startRun(deps: AppDeps, migration: MigrationSettings, actor: Actor): Promise<Reply> {
  const allowed = mayRequest(policyFor(migration), await policyActor(deps, migration, actor.userId));
  if (!allowed.ok) return { text: allowed.error };
  let share: number | undefined;
  try {
    share = await currentShare(deps, migration);
  } catch (error) {
    return { text: kubeProblem(error, migration) };
  }
  const next = share === undefined ? undefined : nextStep(migration, share);
  if (next === undefined) return { text: `Nothing to run: ${migration.name} is at ${share ?? '?'}% — ${share === 100 ? 'use /mesh finalize' : 'check the plan with /mesh plan'}.` };
  if (!(await deps.store.startRun(migration.name, { startedBy: actor.userId, startedAt: deps.now().toISOString(), channel: actor.channelId }))) {
    return { text: `A run of ${migration.name} is already in progress; /mesh plan shows where it stands.` };
  }
  const requested = await requestChange(deps, migration, 'shift', next, actor, { viaRun: true });
  if (!requested.requested) await deps.store.endRun(migration.name);
  const waits = requested.waitsUntil ? ` It waits for the change window: posted for approval ${requested.waitsUntil}.` : '';
  return { text: requested.requested ? `Run started: ${migration.steps.filter((s) => s >= next).join('% → ')}%. First: ${describeOperation({ kind: 'shift', percent: next, migration: migration.name })}.${waits}` : requested.text };
}

/** A step of a run ended without a healthy bake (rejected, expired, aborted, failed, breached): the run stops there. */
export async function stopRun(deps: AppDeps, op: Operation, why: string): Promise<void> {
  if (!op.viaRun || !(await deps.store.run(op.migration))) return;
  await deps.store.endRun(op.migration);
  await deps.notifier.post({ channel: op.channel, threadTs: op.threadTs, text: `⏹️ The run of ${op.migration} stopped: ${why}.` });
}

/** After a healthy bake of a run's step: request the next step (or apply it, with autoAdvance), or end the run at the last step. */
export async function advanceRun(deps: AppDeps, migration: MigrationSettings, op: Operation): Promise<void> {
  const run = await deps.store.run(migration.name);
  if (!op.viaRun || !run) return;
  const next = nextStep(migration, typeof op.percent === 'number' ? op.percent : 0);
  if (next === undefined) {
    await deps.store.endRun(migration.name);
    await deps.notifier.post({ channel: op.channel, threadTs: op.threadTs, text: `🏁 The run of ${migration.name} reached ${op.percent}%. When ready: /mesh finalize (needs approval).` });
    return;
  }
  const requested = await requestChange(deps, migration, 'shift', next, { userId: run.startedBy, channelId: run.channel }, { viaRun: true, autoApprove: migration.autoAdvance });
  if (!requested.requested) await stopRun(deps, op, requested.text);
  else if (requested.waitsUntil) await deps.notifier.post({ channel: op.channel, threadTs: op.threadTs, text: `⏸️ The next step, ${describeOperation({ kind: 'shift', percent: next, migration: migration.name })}, waits for the change window: it is posted for approval ${requested.waitsUntil}.` });
}
