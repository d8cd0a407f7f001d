import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from '../../src/domain/operation/operation.js';
import { validateIstioObject } from '../../src/schema/istio-schema.js';
import { bakeSubjectId } from '../../src/domain/watch/watch-subject.js';
import { LogWatchStore } from '../../src/store/log-watch-store.js';
import { startKubeApiServer, type FaultHandle, type KubeApiServer } from '../harness/kube-api-server.js';
import { tdPermissionDenied } from '../harness/log-samples.js';
import { startLoggingServer, type LoggingServer } from '../harness/logging-server.js';
import { startRedis, type RedisInstance } from '../harness/redis-server.js';
import { seededRandom } from '../support/seeded-random.js';
import { startSlackApiServer, type SlackApiServer } from '../harness/slack-api-server.js';
import { SlackDriver } from '../harness/slack-driver.js';
import { freePort, spawnMeshbot, type MeshbotProcess } from '../support/meshbot-process.js';
import { BOT_TOKEN, eventually, FROM, requestMessage, routeWeights, seedVirtualService, SIGNING_SECRET, TO } from '../support/meshbot-stack.js';

/**
 * Worker crashes, with the real `meshbot` bin: a `meshbot bot` child takes the Slack clicks,
 * `meshbot worker` children run the jobs, and each seeded run SIGKILLs the worker at a random
 * moment after the Approve click (or during the bake), starts a fresh worker and checks what is
 * left: a valid VirtualService at the before- or after-state, operations that ended (never stuck
 * in `applying` or baking, the VirtualService free again), at most one successful PATCH per step.
 *
 * Time skip: a SIGKILLed worker's jobs stay `active` in BullMQ until their lock runs out
 * (lockDuration, 30 s) and a stalled check has seen them twice (stalledInterval, 30 s), so a
 * successor picks them up 30–60 s later, and meshbot has no setting to shorten either
 * (src/runtime/start-meshbot.ts passes neither stalledInterval nor lockDuration). The seeded runs
 * therefore put Redis in the state those 30–60 s would leave (the dead worker's locks expired,
 * its active jobs marked by a stalled check, the next check due) before starting the successor,
 * whose first stalled check, at startup, moves them back to wait. One scenario, on its own queue
 * prefix and in parallel with the others, waits the real time instead.
 *
 * MESHBOT_CRASH_SEED replays another sequence; MESHBOT_CRASH_RUNS changes the number of runs.
 */

const CI = process.env.CI === 'true';
const SEED = Number(process.env.MESHBOT_CRASH_SEED ?? 20_240_611);
/** At least 20 runs locally, 5 under CI. */
const RUNS = Number(process.env.MESHBOT_CRASH_RUNS ?? (CI ? 5 : 20));
const QUEUES = ['prepare', 'apply', 'rollback', 'expire', 'bake', 'sentinel'].map((name) => `meshbot-${name}`);
/** The jobs that move an approved step on; `expire` only ends requests nobody decided on. */
const MOVING_QUEUES = ['apply', 'rollback', 'bake'].map((name) => `meshbot-${name}`);
const NAMESPACE = 'payments';
const SEEDED = { [FROM]: 90, [TO]: 10 };
/** How long a fresh worker gets to finish a run (bake included) once the kill is over. */
const SETTLE_MS = 20_000;
/** An unfinished operation with no job left that could move it, for this long, is stuck. */
const STUCK_MS = 3000;
const FINAL_STATES: readonly string[] = ['applied', 'rolled-back', 'failed'];

type Kill = { readonly at: 'delay'; readonly ms: number; readonly slowPatchMs: number } | { readonly at: 'bake' };

interface Plan {
  readonly index: number;
  readonly name: string;
  readonly channel: string;
  readonly percent: number;
  readonly kill: Kill;
  /** A Traffic Director permission denial is logged during the bake: the step must be rolled back. */
  readonly breach: boolean;
  readonly bake: string;
}

function seededPlans(count: number, seed: number): Plan[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const killInBake = random() < 0.3;
    // Half the early kills meet a slow PATCH (answered late, but applied), so the kill often lands with the PATCH in flight.
    const kill: Kill = killInBake ? { at: 'bake' } : { at: 'delay', ms: Math.floor(random() * 301), slowPatchMs: random() < 0.5 ? 50 + Math.floor(random() * 200) : 0 };
    const breach = random() < 0.35;
    const percent = [25, 50, 100][Math.floor(random() * 3)] ?? 25;
    const n = String(index).padStart(3, '0');
    // Breach runs bake longer so the denial lands well inside the window, even after a kill.
    return { index, name: `crash-${n}`, channel: `C0CRASH${n}`, percent, kill, breach, bake: breach ? '6s' : '2s' };
  });
}

const PLANS = seededPlans(RUNS, SEED);
/** Killed during its bake; the successor only starts after the bake's deadline. */
const LATE: Plan = { index: RUNS, name: 'crash-late', channel: 'C0CRASHLATE', percent: 25, kill: { at: 'bake' }, breach: true, bake: '3s' };
/** Killed during its bake, nothing logged; the successor only starts after the bake's deadline. */
const QUIET: Plan = { index: RUNS + 1, name: 'crash-quiet', channel: 'C0CRASHQUIET', percent: 25, kill: { at: 'bake' }, breach: false, bake: '2s' };
/** Its apply is killed twice in a row. */
const TWICE: Plan = { index: RUNS + 2, name: 'crash-twice', channel: 'C0CRASHTWICE', percent: 25, kill: { at: 'delay', ms: 0, slowPatchMs: 0 }, breach: false, bake: '2s' };
/** Killed with its PATCH in flight, then left to BullMQ's own timers (no time skip), on its own queue prefix. */
const NATURAL: Plan = { index: RUNS + 3, name: 'crash-natural', channel: 'C0CRASHNATURAL', percent: 50, kill: { at: 'delay', ms: 0, slowPatchMs: 2000 }, breach: false, bake: '1s' };
const ALL = [...PLANS, LATE, QUIET, TWICE, NATURAL];

function migrationsYaml(all: readonly Plan[]): string {
  const entries = all.map(
    (p) => `
  - name: ${p.name}
    namespace: ${NAMESPACE}
    virtualService: ${p.name}
    from: ${FROM}
    to: ${TO}
    channel: ${p.channel}
    approvers: [U0ALICE]
    incidentChannel: C0INCIDENTS
    bake: ${p.bake}
    logFilter: 'labels.run="${p.name}"'`,
  );
  return `migrations:${entries.join('')}\n`;
}

let dir: string;
let redisServer: RedisInstance;
let slack: SlackApiServer;
let kube: KubeApiServer;
let logs: LoggingServer;
let redis: Redis;
let baseEnv: Record<string, string>;
let main: Fleet;
let natural: Fleet;
let naturalRun: Promise<NaturalResult> | undefined;
const summary: string[] = [];

/** One meshbot deployment on one queue prefix: a bot child and the current worker child. */
class Fleet {
  bot: MeshbotProcess | undefined;
  worker: MeshbotProcess | undefined;
  driver: SlackDriver | undefined;
  readonly env: Record<string, string>;

  constructor(readonly prefix: string) {
    this.env = { ...baseEnv, MESHBOT_QUEUE_PREFIX: prefix };
  }

  async start(): Promise<void> {
    const port = await freePort();
    this.bot = spawnMeshbot('bot', { ...this.env, PORT: String(port) });
    this.driver = new SlackDriver({ eventsUrl: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET, api: slack });
    const [worker] = await Promise.all([this.startWorker(), untilServing(this.bot, `http://127.0.0.1:${port}/healthz`)]);
    this.worker = worker;
  }

  async startWorker(): Promise<MeshbotProcess> {
    const port = await freePort();
    const child = spawnMeshbot('worker', { ...this.env, PORT: String(port) });
    await untilServing(child, `http://127.0.0.1:${port}/readyz`);
    return child;
  }

  async ensureWorker(): Promise<void> {
    if (!this.worker || !alive(this.worker)) this.worker = await this.startWorker();
  }

  /** SIGKILL: no shutdown hook runs; locks and `active` jobs stay behind as after a crash or an OOM kill. */
  async crashWorker(): Promise<string> {
    const dead = this.worker;
    this.worker = undefined;
    if (!dead) return '';
    dead.child.kill('SIGKILL');
    await dead.exited;
    return dead.output();
  }

  /**
   * The time skip (see the top of the file): what Redis holds once the dead worker's locks have
   * expired and a stalled check has marked its active jobs, with the next check due. Only while
   * no worker of this prefix is alive.
   */
  async skipToStalledCheck(): Promise<string[]> {
    const marked: string[] = [];
    for (const queue of QUEUES) {
      const key = `${this.prefix}:${queue}`;
      const active = await redis.lrange(`${key}:active`, 0, -1);
      for (const id of active) await redis.del(`${key}:${id}:lock`);
      if (active.length > 0) await redis.sadd(`${key}:stalled`, ...active);
      await redis.del(`${key}:stalled-check`);
      marked.push(...active.map((id) => `${queue}/${id}`));
    }
    return marked;
  }

  async operation(id: string): Promise<Operation | undefined> {
    const json = await redis.get(`${this.prefix}:op:${id}`);
    return json === null ? undefined : (JSON.parse(json) as Operation);
  }

  async operationsOf(plan: Plan): Promise<Operation[]> {
    const ids = await redis.lrange(`${this.prefix}:history:${plan.name}`, 0, -1);
    return (await Promise.all(ids.map((id) => this.operation(id)))).filter((op): op is Operation => op !== undefined);
  }

  /** Jobs of these operations that a worker has yet to run or finish and that move an approved step on (not the approval timeout). */
  async pendingJobs(operationIds: readonly string[]): Promise<string[]> {
    const pending: string[] = [];
    for (const queue of MOVING_QUEUES) {
      const key = `${this.prefix}:${queue}`;
      const ids = (
        await Promise.all([
          redis.lrange(`${key}:active`, 0, -1),
          redis.lrange(`${key}:wait`, 0, -1),
          redis.lrange(`${key}:paused`, 0, -1),
          redis.zrange(`${key}:delayed`, '0', '-1'),
          redis.zrange(`${key}:prioritized`, '0', '-1'),
        ])
      ).flat();
      pending.push(...ids.filter((id) => operationIds.some((op) => id.endsWith(op))).map((id) => `${queue}/${id}`));
    }
    return pending;
  }

  async jobsReport(): Promise<string> {
    const lines: string[] = [];
    for (const queue of QUEUES) {
      const key = `${this.prefix}:${queue}`;
      const [active, wait, prioritized, failed, stalled] = await Promise.all([
        redis.lrange(`${key}:active`, 0, -1),
        redis.lrange(`${key}:wait`, 0, -1),
        redis.zrange(`${key}:prioritized`, '0', '-1'),
        redis.zrange(`${key}:failed`, '0', '-1'),
        redis.smembers(`${key}:stalled`),
      ]);
      const reasons = await Promise.all(failed.map(async (jobId) => `${jobId}: ${(await redis.hget(`${key}:${jobId}`, 'failedReason')) ?? '?'}`));
      if ([active, wait, prioritized, failed, stalled].some((ids) => ids.length > 0)) {
        lines.push(`  ${queue}: active=[${active.join(', ')}] wait=[${[...wait, ...prioritized].join(', ')}] stalled=[${stalled.join(', ')}] failed=[${reasons.join('; ')}]`);
      }
    }
    return `BullMQ (${this.prefix}):\n${lines.join('\n') || '  no jobs left'}`;
  }

  async stop(): Promise<void> {
    await Promise.all([stopChild(this.worker), stopChild(this.bot)]);
  }
}

const alive = (child: MeshbotProcess): boolean => child.child.exitCode === null && child.child.signalCode === null;

async function stopChild(child: MeshbotProcess | undefined): Promise<void> {
  if (!child || !alive(child)) return;
  child.child.kill('SIGTERM');
  const timer = setTimeout(() => child.child.kill('SIGKILL'), 10_000);
  await child.exited;
  clearTimeout(timer);
}

/** Waits for the child's HTTP endpoint; fails at once, with its output, if it exits first. */
async function untilServing(child: MeshbotProcess, url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(child)) throw new Error(`meshbot exited before serving ${url}:\n${child.output().slice(-3000)}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${child.output().slice(-3000)}`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshbot-crash-'));
  [redisServer, slack, kube, logs] = await Promise.all([
    startRedis(),
    startSlackApiServer({ token: BOT_TOKEN, channels: [...ALL.map((p) => p.channel), 'C0INCIDENTS'] }),
    startKubeApiServer({ namespaces: [NAMESPACE] }),
    startLoggingServer(),
  ]);
  for (const p of ALL) kube.seed(seedVirtualService(NAMESPACE, p.name));
  await kube.writeKubeconfig(join(dir, 'kubeconfig'));
  await writeFile(join(dir, 'meshbot.yaml'), migrationsYaml(ALL));
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  baseEnv = {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    REDIS_URL: redisServer.url,
    KUBECONFIG: join(dir, 'kubeconfig'),
    GCP_PROJECT: logs.projectId,
    LOGGING_API_ENDPOINT: logs.endpoint,
    MESHBOT_CONFIG: join(dir, 'meshbot.yaml'),
  };
  main = new Fleet('{meshbot-crash}');
  natural = new Fleet('{meshbot-crash-natural}');
  await Promise.all([main.start(), natural.start()]);
  // The real-time scenario mostly waits on BullMQ's timers: it runs beside the seeded runs; its test awaits it.
  naturalRun = naturalScenario();
  naturalRun.catch(() => undefined);
}, 60_000);

afterAll(async () => {
  if (summary.length > 0) console.log(`worker-crash (seed ${SEED}, ${RUNS} seeded runs):\n${summary.join('\n')}`);
  await Promise.all([main?.stop(), natural?.stop()]);
  redis?.disconnect();
  await Promise.all([slack?.close(), kube?.close(), logs?.close(), redisServer?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Answered PATCHes with a 2xx status (a hung or in-flight request has no status yet and changed nothing). */
const successfulPatches = (plan: Plan): number => kube.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith(`/virtualservices/${plan.name}`) && c.status !== undefined && c.status < 300).length;

/** Bakes of this plan the project's log watch still reads for (a bake that ended must have let go of its subject). */
const watchedBakes = async (fleet: Fleet, plan: Plan): Promise<string[]> => {
  const ids = new Set((await fleet.operationsOf(plan)).map((o) => bakeSubjectId(o.id)));
  return (await new LogWatchStore(redis, fleet.prefix, logs.projectId).subjects()).filter((s) => ids.has(s.id)).map((s) => s.id);
};

/** Whether the log watch has read this bake from its start (its backfill is in). */
const bakeWatched = async (fleet: Fleet, id: string): Promise<boolean> => (await new LogWatchStore(redis, fleet.prefix, logs.projectId).readyIds()).has(bakeSubjectId(id));

const denial = (plan: Plan) => tdPermissionDenied({ now: new Date(), labels: { run: plan.name } });

type Outcome = 'healthy' | 'rolled-back' | 'failed' | 'rollback-failed';

interface Settled {
  readonly outcome: Outcome;
  readonly op: Operation;
  readonly rollback: Operation | undefined;
}

/** The run's end, once everything it started has ended; undefined while something is still going. */
async function settled(fleet: Fleet, plan: Plan, id: string): Promise<Settled | undefined> {
  const op = await fleet.operation(id);
  if (!op) return undefined;
  const rollback = (await fleet.operationsOf(plan)).find((o) => o.kind === 'rollback' && o.rollsBack === id);
  if (rollback?.state === 'failed') return { outcome: 'rollback-failed', op, rollback };
  if (rollback) return rollback.state === 'applied' && op.state === 'rolled-back' ? { outcome: 'rolled-back', op, rollback } : undefined;
  if (op.state === 'failed') return { outcome: 'failed', op, rollback };
  if (op.state === 'applied' && op.bake?.status === 'healthy') return { outcome: 'healthy', op, rollback };
  return undefined;
}

/** Waits for the end; fails early when no job is left that could still move an unfinished operation. */
async function waitSettled(fleet: Fleet, plan: Plan, id: string, timeoutMs: number, context: () => Promise<string>): Promise<Settled> {
  const deadline = Date.now() + timeoutMs;
  let idleSince: number | undefined;
  for (;;) {
    const result = await settled(fleet, plan, id);
    if (result) return result;
    const ops = await fleet.operationsOf(plan);
    const pending = await fleet.pendingJobs(ops.map((o) => o.id));
    idleSince = pending.length > 0 ? undefined : (idleSince ?? Date.now());
    const stuck = idleSince !== undefined && Date.now() - idleSince > STUCK_MS;
    if (stuck || Date.now() > deadline) {
      const why = stuck ? `stuck: no job left that could move it (for ${STUCK_MS} ms)` : `not settled within ${timeoutMs} ms of the successor's start`;
      throw new Error(
        `${plan.name} ${why}; pending jobs: [${pending.join(', ')}].\n` +
          ops.map((o) => `  ${o.id} ${o.kind} state=${o.state} bake=${o.bake?.status ?? '-'} reason=${o.reason ?? '-'}\n    history: ${o.history.map((h) => `${h.state}${h.note ? ` (${h.note})` : ''}`).join(' → ')}`).join('\n') +
          `\n${await context()}`,
      );
    }
    await sleep(50);
  }
}

/** Requests and approves a step; returns once the Approve click has been acknowledged. */
async function approveStep(fleet: Fleet, plan: Plan): Promise<string> {
  const driver = fleet.driver as SlackDriver;
  await driver.slashCommand({ text: `shift ${plan.percent}%`, userId: 'U0BOB', channelId: plan.channel });
  const { message, operationId } = await requestMessage(slack, plan.channel, 10_000);
  // The request is posted a moment before the operation accepts decisions (prepare-operation.ts posts, then records `posted`).
  await eventually(async () => expect((await fleet.operation(operationId))?.state).toBe('awaiting-approval'), 5000);
  await driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: plan.channel, messageTs: message.ts });
  return operationId;
}

async function untilBaking(fleet: Fleet, plan: Plan, id: string, timeoutMs = 10_000): Promise<void> {
  await eventually(async () => {
    expect((await fleet.operation(id))?.bake?.status).toBe('running');
    expect(await bakeWatched(fleet, id)).toBe(true);
  }, timeoutMs);
}

/** The invariants every run must leave behind, whatever the kill point. */
async function checkEnd(fleet: Fleet, plan: Plan, end: Settled, story: string): Promise<void> {
  const vs = kube.getObject('virtualservices', NAMESPACE, plan.name);
  const after = { [FROM]: 100 - plan.percent, [TO]: plan.percent };
  const patches = successfulPatches(plan);
  const what = `${plan.name} (${story}) ended ${end.outcome}`;
  summary.push(`  ${what}; ${patches} successful PATCH(es)`);

  expect(validateIstioObject(vs), `${what}: the VirtualService fails the CRD schema`).toEqual([]);
  const expected = { healthy: after, 'rolled-back': SEEDED, failed: SEEDED, 'rollback-failed': after }[end.outcome];
  expect(routeWeights(kube, NAMESPACE, plan.name), `${what}: weights`).toEqual(expected);
  // One successful PATCH per step that changed something: the shift, then the rollback (its own step).
  const expectedPatches = { healthy: 1, 'rolled-back': 2, failed: 0, 'rollback-failed': 1 }[end.outcome];
  expect(patches, `${what}: successful PATCHes of the VirtualService`).toBe(expectedPatches);
  if (end.outcome === 'failed') expect(end.op.reason, `${what}: a failed operation says why`).toBeTruthy();
  if (end.outcome === 'rollback-failed') expect(end.rollback?.reason, `${what}: a failed rollback says why`).toBeTruthy();
  if (end.outcome === 'rolled-back') expect(end.op.bake?.status, `${what}: the rolled-back step's bake`).toBe('breached');
  // Nothing of this migration is left in flight, and its VirtualService is free for the next request.
  for (const o of await fleet.operationsOf(plan)) {
    expect(FINAL_STATES, `${what}: operation ${o.id} (${o.kind}) is left ${o.state}`).toContain(o.state);
    expect(o.bake?.status, `${what}: operation ${o.id} (${o.kind}) is still baking`).not.toBe('running');
  }
  const holder = await redis.get(`${fleet.prefix}:lock:default/${NAMESPACE}/${plan.name}`);
  if (holder !== null) {
    const held = await fleet.operation(holder);
    expect(held !== undefined && FINAL_STATES.includes(held.state) && held.bake?.status !== 'running', `${what}: the VirtualService is still locked by ${holder} (${held?.state})`).toBe(true);
  }
  await eventually(async () => expect(await watchedBakes(fleet, plan), `${what}: bakes the log watch still reads for`).toEqual([]), 5000);
}

/** One seeded run: approve, SIGKILL the worker at the planned moment, skip BullMQ's timers, start a successor, check the end. */
async function crashRun(plan: Plan): Promise<void> {
  await main.ensureWorker();
  expect(routeWeights(kube, NAMESPACE, plan.name)).toEqual(SEEDED);
  const slow: FaultHandle | undefined =
    plan.kill.at === 'delay' && plan.kill.slowPatchMs > 0 ? kube.injectFault({ method: 'PATCH', pathIncludes: `/virtualservices/${plan.name}`, delayMs: plan.kill.slowPatchMs, passThrough: true }) : undefined;
  const id = await approveStep(main, plan);
  if (plan.kill.at === 'delay') await sleep(plan.kill.ms);
  else await untilBaking(main, plan, id);
  const killedOutput = await main.crashWorker();
  slow?.remove();
  const atKill = await main.operation(id);
  const stateAtKill = `${atKill?.state ?? '?'}${atKill?.bake ? ` (bake ${atKill.bake.status})` : ''}`;
  const marked = await main.skipToStalledCheck();
  let breachLogged: 'while the worker was down' | 'after the restart' | 'no: the bake was over' | undefined;
  if (plan.breach && atKill?.bake?.status === 'running') {
    logs.append(denial(plan));
    breachLogged = 'while the worker was down';
  }
  main.worker = await main.startWorker();
  if (plan.breach && !breachLogged) {
    try {
      await untilBaking(main, plan, id);
      logs.append(denial(plan));
      breachLogged = 'after the restart';
    } catch {
      breachLogged = 'no: the bake was over';
    }
  }
  const story = `seed ${SEED}, kill ${JSON.stringify(plan.kill)}, ${stateAtKill} at the kill, jobs handed over [${marked.join(', ')}], denial logged: ${breachLogged ?? '-'}`;
  const context = async () =>
    `${story}\n${await main.jobsReport()}\nkilled worker (tail):\n${killedOutput.slice(-1500)}\nsuccessor (tail):\n${main.worker?.output().slice(-2500) ?? ''}\nbot (tail):\n${main.bot?.output().slice(-1500) ?? ''}`;
  const end = await waitSettled(main, plan, id, SETTLE_MS, context);
  await checkEnd(main, plan, end, story);
  // A denial logged while the bake was running, well before its deadline, must roll the step back.
  if (breachLogged === 'while the worker was down' || breachLogged === 'after the restart') expect(end.outcome, `${plan.name}: the denial logged ${breachLogged} was missed`).toBe('rolled-back');
}

interface NaturalResult {
  readonly end: Settled;
  readonly stateAtKill: string | undefined;
  readonly seconds: number;
}

/** Without the time skip: the apply's worker dies with the PATCH in flight; BullMQ's own timers hand the job over. */
async function naturalScenario(): Promise<NaturalResult> {
  const slow = kube.injectFault({ method: 'PATCH', pathIncludes: `/virtualservices/${NATURAL.name}`, delayMs: NATURAL.kill.at === 'delay' ? NATURAL.kill.slowPatchMs : 0, passThrough: true });
  const id = await approveStep(natural, NATURAL);
  await eventually(() => expect(slow.hits).toBe(1), 10_000);
  await natural.crashWorker();
  const stateAtKill = (await natural.operation(id))?.state;
  natural.worker = await natural.startWorker();
  const started = Date.now();
  // lockDuration (30 s) plus up to two stalledIntervals (30 s each) at BullMQ's defaults.
  const end = await waitSettled(natural, NATURAL, id, 100_000, () => natural.jobsReport());
  return { end, stateAtKill, seconds: Math.round((Date.now() - started) / 1000) };
}

/** Kills the worker during the bake, optionally logs a denial, and starts the successor only once the bake's deadline has passed. */
async function resumeAfterDeadline(plan: Plan, logDenial: boolean): Promise<Settled> {
  await main.ensureWorker();
  const id = await approveStep(main, plan);
  await untilBaking(main, plan, id);
  await main.crashWorker();
  if (logDenial) logs.append(denial(plan));
  const deadline = Date.parse((await main.operation(id))?.bake?.deadline ?? '');
  await sleep(Math.max(0, deadline - Date.now()) + 500);
  await main.skipToStalledCheck();
  main.worker = await main.startWorker();
  return waitSettled(main, plan, id, SETTLE_MS, () => main.jobsReport());
}

describe('worker crashes (real meshbot bot and worker processes)', () => {
  for (const plan of PLANS) {
    const kill = plan.kill.at === 'bake' ? 'during the bake' : `${plan.kill.ms} ms after the Approve click${plan.kill.slowPatchMs ? ` (PATCH answered after ${plan.kill.slowPatchMs} ms)` : ''}`;
    it(`run ${plan.index}: shift ${plan.percent}%, worker SIGKILLed ${kill}${plan.breach ? ', denial during the bake' : ''}`, { timeout: 60_000 }, async () => {
      await crashRun(plan);
    });
  }

  it('a bake resumed after its deadline still counts the denial logged inside its window', { timeout: 60_000 }, async () => {
    const end = await resumeAfterDeadline(LATE, true);
    // The denial was in Cloud Logging, timestamped inside the window, before the successor looked.
    expect(end.outcome, `the resumed bake ended ${end.op.bake?.status ?? '?'} without reading what was logged in its window`).toBe('rolled-back');
    await checkEnd(main, LATE, end, 'killed during the bake, denial logged, successor started after the deadline');
  });

  it('a bake resumed after its deadline ends healthy and lets go of its log watch subject', { timeout: 60_000 }, async () => {
    const end = await resumeAfterDeadline(QUIET, false);
    expect(end.outcome).toBe('healthy');
    await checkEnd(main, QUIET, end, 'killed during the bake, successor started after the deadline');
  });

  it('an apply whose worker dies twice does not stay applying with the VirtualService locked', { timeout: 60_000 }, async () => {
    await main.ensureWorker();
    // The first two PATCHes hang: the apply is in flight each time its worker dies.
    const hang = kube.injectFault({ method: 'PATCH', pathIncludes: `/virtualservices/${TWICE.name}`, hang: true, times: 2 });
    const id = await approveStep(main, TWICE);
    await eventually(() => expect(hang.hits).toBe(1), 10_000);
    await main.crashWorker();
    await main.skipToStalledCheck();
    main.worker = await main.startWorker();
    await eventually(() => expect(hang.hits).toBe(2), 10_000);
    await main.crashWorker();
    await main.skipToStalledCheck();
    main.worker = await main.startWorker();
    const end = await waitSettled(main, TWICE, id, SETTLE_MS, () => main.jobsReport());
    await checkEnd(main, TWICE, end, 'apply killed twice with its PATCH hanging');
  });

  it("without the time skip, BullMQ's own timers hand the dead worker's apply to a successor", { timeout: 120_000 }, async () => {
    const result = await (naturalRun as Promise<NaturalResult>);
    summary.push(`  ${NATURAL.name}: settled ${result.seconds} s after the successor started (no time skip)`);
    expect(result.stateAtKill).toBe('applying');
    await checkEnd(natural, NATURAL, result.end, 'apply killed with its PATCH in flight, no time skip');
  });
});
