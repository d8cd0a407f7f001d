/**
 * Many bakes at once over real processes: the bot in this process (startStack, worker: false)
 * and K `meshbot worker` children (the built bin) sharing the project's one log watch, on a
 * local Cloud Logging server with Cloud Logging's limits (10 tail sessions, 60 ListLogEntries
 * calls a minute). Each migration has hosts of its own (entries are attributed to migrations by
 * host) and its own VirtualService; a shift is requested and approved through Slack for each,
 * then error entries are written for chosen migrations and timed from the append to the
 * rollback PATCH accepted by the Kubernetes API server. Used by test/e2e/log-watch-fleet.test.ts
 * and bench/watch.ts.
 */
import { Redis } from 'ioredis';
import type { MigrationSettings } from '../../src/app/deps.js';
import type { Operation } from '../../src/domain/operation/operation.js';
import type { Tally } from '../../src/domain/logs/tally.js';
import { OperationStore } from '../../src/store/operation-store.js';
import { startChildMeshbot, type ChildExit, type ChildMeshbot } from '../../bench/child-meshbot.js';
import { istioProxyAccessLog } from '../harness/log-samples.js';
import type { LogEntryInput, LoggingServerOptions } from '../harness/logging-server.js';
import { eventually, hasButtons, routeWeights, startStack, testMigration, waitUntilWatched, type Stack } from './meshbot-stack.js';

const NAMESPACE = 'payments';

/** Hosts of migration n: no other migration's host contains them (`gb-1.` is not in `gb-10.`). */
export const fleetHosts = (n: number): { from: string; to: string } => ({ from: `se-${n}.payments.example.com`, to: `gb-${n}.payments.example.com` });

/** A migration with hosts of its own, a long bake, and a rollback on `errors` failed requests (only injected errors end a bake). */
export function fleetMigration(n: number, overrides: Partial<MigrationSettings> = {}): MigrationSettings {
  return testMigration(n, { ...fleetHosts(n), bakeMs: 10 * 60_000, rollbackOn: { errors: 3, errorRate: 1, classes: [] }, ...overrides });
}

/** The seeds' VirtualService shape (seedVirtualService) with the migration's own hosts. */
export function fleetVirtualService(m: Pick<MigrationSettings, 'namespace' | 'virtualService' | 'from' | 'to'>, fromWeight = 90, toWeight = 10) {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: m.virtualService, namespace: m.namespace },
    spec: {
      hosts: [m.from],
      http: [{ name: 'primary', timeout: '10s', route: [{ destination: { host: m.from }, weight: fromWeight }, { destination: { host: m.to }, weight: toWeight }] }],
    },
  };
}

/** A failed request to the migration's new host (no healthy upstream), timestamped now. */
export const failureOf = (m: MigrationSettings, now = new Date()): LogEntryInput => istioProxyAccessLog({ upstreamCluster: `outbound|443||${m.to}`, authority: m.to, responseFlags: 'UF', now });
/** A successful request to the migration's new host. */
export const successOf = (m: MigrationSettings, now = new Date()): LogEntryInput => istioProxyAccessLog({ upstreamCluster: `outbound|443||${m.to}`, authority: m.to, now });

export interface FleetOptions {
  /** Migrations numbered from `first` (default 2000). */
  readonly count: number;
  readonly first?: number;
  /** `meshbot worker` processes (default 2). */
  readonly workers?: number;
  /** Overrides of every migration (e.g. rollbackOn). */
  readonly migration?: Partial<MigrationSettings>;
  /** Overrides of single migrations, by index. */
  readonly perMigration?: (index: number) => Partial<MigrationSettings>;
  /** Environment of the worker processes (e.g. MESHBOT_STALLED_INTERVAL_MS). */
  readonly workerEnv?: Readonly<Record<string, string>>;
  /** Default: Cloud Logging's limits, 10 tail sessions and 60 ListLogEntries calls a minute. */
  readonly logging?: LoggingServerOptions;
}

export interface Bake {
  readonly migration: MigrationSettings;
  readonly operationId: string;
  readonly threadTs: string;
}

export interface LeaseHolder {
  /** `${processId}:${token}` as stored. */
  readonly value: string;
  readonly processId: string;
  readonly pid: number;
  readonly token: number;
  /** Index of the worker child with that pid, if it is one of ours. */
  readonly worker: number | undefined;
}

export interface LoggingFigures {
  readonly peakTailSessions: number;
  readonly liveTailSessions: number;
  readonly refusedTails: number;
  readonly listCalls: number;
  readonly maxListCallsInAnyMinute: number;
  readonly quotaRefusedListCalls: number;
}

export interface Breach {
  readonly migration: string;
  /** From the append of the errors to the rollback PATCH accepted; undefined when none came in time. */
  readonly ms: number | undefined;
}

export interface BakeFleet {
  readonly stack: Stack;
  /** The worker children, in start order (a killed one stays, see `alive`). */
  readonly workers: readonly ChildMeshbot[];
  readonly migrations: readonly MigrationSettings[];
  /** A Redis connection of the fleet's own, for reading what meshbot keeps. */
  readonly redis: Redis;
  readonly operations: OperationStore;
  /** Each migration's current bake, by migration name. */
  readonly bakes: ReadonlyMap<string, Bake>;
  alive(worker: number): boolean;
  /** Requests and approves a shift for each (all at once), waits for the step and for the log watch to have read each bake from its start. */
  startBakes(migrations?: readonly MigrationSettings[], percent?: number, timeoutMs?: number): Promise<Bake[]>;
  /** Like startBakes for one migration whose last step was rolled back: waits for the rollback to finish first. */
  rebake(migration: MigrationSettings, percent?: number): Promise<Bake>;
  /** Index into stack.kube.calls, for rollbackAccepted / waitForRollback from now on. */
  callMark(): number;
  rollbackAccepted(migration: MigrationSettings, fromCall: number): boolean;
  /** Resolves with performance.now() when a PATCH of the migration's VirtualService after `fromCall` was accepted; undefined after timeoutMs. */
  waitForPatch(migration: MigrationSettings, fromCall: number, timeoutMs: number): Promise<number | undefined>;
  /** Writes `errors` failed requests (default rollbackOn.errors) for each migration, all at once, and times each to its rollback PATCH. */
  breach(migrations: readonly MigrationSettings[], options?: { errors?: number; timeoutMs?: number }): Promise<Breach[]>;
  leaseHolder(): Promise<LeaseHolder | undefined>;
  waitForHolder(check: (holder: LeaseHolder | undefined) => boolean, timeoutMs: number): Promise<LeaseHolder | undefined>;
  /** Which worker runs the migration's bake: writes one success for it and sees whose meshbot_log_entries_total{class="success"} moves. */
  bakeRunner(migration: MigrationSettings, timeoutMs?: number): Promise<number>;
  /** SIGKILL (no shutdown hook runs); resolves with the worker's output once it is gone. */
  kill(worker: number): Promise<string>;
  /** The operation's stored tally (op.bake.tally.tally). */
  storedTally(operationId: string): Promise<Tally | undefined>;
  operation(operationId: string): Promise<Operation | undefined>;
  weights(): Record<string, Record<string, number>>;
  logging(sinceMs?: number): LoggingFigures;
  /** A metric of a worker's /metrics, summed over the series matching the label text (e.g. `class="success"`). */
  metric(worker: number, name: string, labels?: string): Promise<number>;
  /** Every worker's output, for failure messages. */
  outputs(tail?: number): string;
  close(): Promise<{ exits: ChildExit[] }>;
}

export async function startBakeFleet(options: FleetOptions): Promise<BakeFleet> {
  const first = options.first ?? 2000;
  const migrations = Array.from({ length: options.count }, (_, i) => fleetMigration(first + i, { ...options.migration, ...options.perMigration?.(i) }));
  const stack = await startStack(migrations, { bot: true, worker: false }, { logging: options.logging ?? { maxTailSessions: 10, listQuotaPerMinute: 60 } });
  for (const m of migrations) stack.kube.put(fleetVirtualService(m));
  const workers: ChildMeshbot[] = [];
  const dead = new Set<number>();
  try {
    workers.push(...(await Promise.all(Array.from({ length: options.workers ?? 2 }, () => startChildMeshbot('worker', stack, migrations, options.workerEnv ? { env: options.workerEnv } : {})))));
  } catch (error) {
    await Promise.all(workers.map((w) => w.stop()));
    await stack.close();
    throw error;
  }
  const redis = new Redis(stack.redis.url, { maxRetriesPerRequest: null });
  const operations = new OperationStore(redis, stack.queuePrefix);
  const leaseKey = `${stack.queuePrefix}:logwatch:${stack.logs.projectId}:lease`;
  const bakes = new Map<string, Bake>();
  const requestTs = new Set<string>();
  const context = { slack: stack.slack, driver: stack.driver };

  const patchAccepted = (m: MigrationSettings, from: number): boolean => {
    const calls = stack.kube.calls;
    for (let i = from; i < calls.length; i++) {
      const c = calls[i];
      if (c && c.method === 'PATCH' && c.status !== undefined && c.status < 300 && c.path.endsWith(`/virtualservices/${m.virtualService}`)) return true;
    }
    return false;
  };

  const waitForPatch = async (m: MigrationSettings, from: number, timeoutMs: number): Promise<number | undefined> => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (patchAccepted(m, from)) return performance.now();
      if (performance.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, 1));
    }
  };

  /** The request (Approve/Reject) posted in the migration's channel that was not seen before. */
  const newRequest = async (m: MigrationSettings, timeoutMs: number) => {
    const message = await stack.slack.waitForMessage((msg) => msg.channel === m.channel && msg.thread_ts === undefined && !requestTs.has(msg.ts) && hasButtons(msg), timeoutMs);
    requestTs.add(message.ts);
    const actions = (message.blocks ?? []).find((b) => b.type === 'actions') as { elements: { value: string }[] } | undefined;
    return { message, operationId: actions?.elements[0]?.value ?? '' };
  };

  const startOne = async (m: MigrationSettings, percent: number, timeoutMs: number): Promise<Bake> => {
    const sent = await context.driver.slashCommand({ text: `shift ${percent}%`, userId: 'U0BOB', channelId: m.channel });
    if (sent.status !== 200) throw new Error(`${m.name}: /mesh shift answered ${sent.status}`);
    const { message, operationId } = await newRequest(m, timeoutMs);
    const click = await context.driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: m.channel, messageTs: message.ts });
    if (click.status !== 200) throw new Error(`${m.name}: approve click answered ${click.status}`);
    await eventually(async () => {
      const op = await operations.get(operationId);
      if (op?.bake?.status !== 'running') throw new Error(`${m.name}: operation ${operationId} is ${op?.state ?? 'missing'}, bake ${op?.bake?.status ?? '-'}, not baking`);
    }, timeoutMs);
    if (routeWeights(stack.kube, NAMESPACE, m.virtualService)[m.to] !== percent) throw new Error(`${m.name}: step not applied: ${JSON.stringify(routeWeights(stack.kube, NAMESPACE, m.virtualService))}`);
    await waitUntilWatched(stack, operationId, timeoutMs);
    const bake = { migration: m, operationId, threadTs: message.ts };
    bakes.set(m.name, bake);
    return bake;
  };

  const metricsText = async (worker: number): Promise<string> => {
    const response = await fetch(`http://127.0.0.1:${(workers[worker] as ChildMeshbot).port}/metrics`);
    return response.text();
  };

  const metric = async (worker: number, name: string, labels = ''): Promise<number> => {
    const text = await metricsText(worker);
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(name) || line.startsWith('#')) continue;
      const match = /^([a-z_]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
      if (!match || match[1] !== name || !(match[2] ?? '').includes(labels)) continue;
      sum += Number(match[3]);
    }
    return sum;
  };

  const leaseHolder = async (): Promise<LeaseHolder | undefined> => {
    const value = await redis.get(leaseKey);
    if (value === null) return undefined;
    const match = /^(.*-(\d+)-[0-9a-f]+):(\d+)$/.exec(value);
    if (!match) throw new Error(`unexpected lease value ${value}`);
    const pid = Number(match[2]);
    const index = workers.findIndex((w) => w.pid === pid);
    return { value, processId: match[1] as string, pid, token: Number(match[3]), worker: index < 0 ? undefined : index };
  };

  return {
    stack,
    workers,
    migrations,
    redis,
    operations,
    bakes,
    alive: (worker) => !dead.has(worker),
    async startBakes(list = migrations, percent = 25, timeoutMs = 60_000) {
      return Promise.all(list.map((m) => startOne(m, percent, timeoutMs)));
    },
    async rebake(m, percent = 25) {
      const previous = bakes.get(m.name);
      if (previous) {
        // The rollback holds the VirtualService until it is applied; a request before that is refused.
        await stack.slack.waitForMessage((msg) => msg.channel === m.channel && msg.thread_ts === previous.threadTs && (msg.text ?? '').startsWith('↩️ Rolled back'), 30_000);
      }
      return startOne(m, percent, 30_000);
    },
    callMark: () => stack.kube.calls.length,
    rollbackAccepted: patchAccepted,
    waitForPatch,
    async breach(list, breachOptions = {}) {
      const from = stack.kube.calls.length;
      const now = new Date();
      const entries = list.flatMap((m) => Array.from({ length: breachOptions.errors ?? m.rollbackOn.errors ?? 3 }, () => failureOf(m, now)));
      const started = performance.now();
      stack.logs.append(entries);
      return Promise.all(
        list.map(async (m) => {
          const at = await waitForPatch(m, from, breachOptions.timeoutMs ?? 10_000);
          return { migration: m.name, ms: at === undefined ? undefined : at - started };
        }),
      );
    },
    leaseHolder,
    async waitForHolder(check, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const holder = await leaseHolder();
        if (check(holder)) return holder;
        if (Date.now() > deadline) throw new Error(`lease holder still ${holder?.value ?? 'nobody'} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async bakeRunner(m, timeoutMs = 10_000) {
      const live = workers.map((_, i) => i).filter((i) => !dead.has(i));
      const before = await Promise.all(live.map((i) => metric(i, 'meshbot_log_entries_total', 'class="success"')));
      stack.logs.append(successOf(m));
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const after = await Promise.all(live.map((i) => metric(i, 'meshbot_log_entries_total', 'class="success"')));
        const moved = live.filter((_, k) => (after[k] ?? 0) > (before[k] ?? 0));
        if (moved.length === 1) return moved[0] as number;
        if (moved.length > 1) throw new Error(`${m.name}: a success was counted by ${moved.length} workers`);
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`${m.name}: no worker counted the success within ${timeoutMs} ms`);
    },
    async kill(worker) {
      const child = workers[worker] as ChildMeshbot;
      dead.add(worker);
      process.kill(child.pid, 'SIGKILL');
      await child.stop(5000);
      return child.output();
    },
    async storedTally(operationId) {
      const op = await operations.get(operationId);
      return (op?.bake?.tally as { tally?: Tally } | undefined)?.tally;
    },
    operation: (operationId) => operations.get(operationId),
    weights: () => Object.fromEntries(migrations.map((m) => [m.name, routeWeights(stack.kube, NAMESPACE, m.virtualService)])),
    logging(sinceMs = 0) {
      const logs = stack.logs;
      const times = logs.listCallTimes.filter((t) => t >= sinceMs);
      return {
        peakTailSessions: logs.peakTailCount,
        liveTailSessions: logs.tailCount,
        refusedTails: logs.refusedTails,
        listCalls: times.length,
        maxListCallsInAnyMinute: logs.maxListCallsInAnyMinute(),
        quotaRefusedListCalls: logs.quotaRefusedListCalls,
      };
    },
    metric,
    outputs: (tail = 3000) => workers.map((w, i) => `--- worker ${i} (pid ${w.pid}${dead.has(i) ? ', killed' : ''}):\n${w.output().slice(-tail)}`).join('\n'),
    async close() {
      redis.disconnect();
      const exits = await Promise.all(workers.map((w) => w.stop()));
      await stack.close();
      return { exits };
    },
  };
}
