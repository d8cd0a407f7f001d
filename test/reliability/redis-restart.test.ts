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
import { startKubeApiServer, type KubeApiServer } from '../harness/kube-api-server.js';
import { tdPermissionDenied } from '../harness/log-samples.js';
import { startLoggingServer, type LoggingServer } from '../harness/logging-server.js';
import { startRedis, type RedisInstance } from '../harness/redis-server.js';
import { startSlackApiServer, type SlackApiServer } from '../harness/slack-api-server.js';
import { SlackDriver } from '../harness/slack-driver.js';
import { freePort, spawnMeshbot, type MeshbotProcess } from '../support/meshbot-process.js';
import { BOT_TOKEN, eventually, FROM, requestMessage, routeWeights, seedVirtualService, SIGNING_SECRET, TO } from '../support/meshbot-stack.js';

/**
 * Redis goes away in the middle of a bake and comes back (append-only file on, same port and
 * directory). meshbot runs as the real bin (`meshbot all`, a child process, so a crash on the lost
 * connection shows as an exit rather than taking the test runner down). The bake's deadline and
 * counters are in Redis, its log tail is not: after Redis is back the bake goes on, and a Traffic
 * Director permission denial logged afterwards still rolls the step back, through the rollback
 * job, which the worker can only pick up once its BullMQ connections are back.
 */

const PREFIX = '{meshbot-redis-restart}';
const NAMESPACE = 'payments';
const SEEDED = { [FROM]: 90, [TO]: 10 };
const AFTER = { [FROM]: 75, [TO]: 25 };
/** Detection to restored weights, once Redis is back: BullMQ's own reconnect delays included. */
const ROLLBACK_WITHIN_MS = 30_000;

interface Case {
  readonly name: string;
  readonly channel: string;
  /** What happens to redis-server in the middle of the bake. */
  readonly outage: 'restart' | 'crash';
  /** When the denial is logged: once Redis is back, or while it is down (the breach then waits on Redis). */
  readonly denial: 'after' | 'during';
}

const CASES: readonly Case[] = [
  { name: 'redis-restart', channel: 'C0RESTART', outage: 'restart', denial: 'after' },
  { name: 'redis-crash', channel: 'C0CRASH', outage: 'crash', denial: 'during' },
];

const MIGRATIONS = `migrations:${CASES.map(
  (c) => `
  - name: ${c.name}
    namespace: ${NAMESPACE}
    virtualService: ${c.name}
    from: ${FROM}
    to: ${TO}
    channel: ${c.channel}
    approvers: [U0ALICE]
    incidentChannel: C0INCIDENTS
    bake: 20s
    logFilter: 'labels.run="${c.name}"'`,
).join('')}
`;

let dir: string;
let redisServer: RedisInstance;
let slack: SlackApiServer;
let kube: KubeApiServer;
let logs: LoggingServer;
let redis: Redis;
let meshbot: MeshbotProcess;
let port: number;
let driver: SlackDriver;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshbot-redis-restart-'));
  [redisServer, slack, kube, logs] = await Promise.all([
    startRedis({ appendonly: true }),
    startSlackApiServer({ token: BOT_TOKEN, channels: [...CASES.map((c) => c.channel), 'C0INCIDENTS'] }),
    startKubeApiServer({ namespaces: [NAMESPACE] }),
    startLoggingServer(),
  ]);
  for (const c of CASES) kube.seed(seedVirtualService(NAMESPACE, c.name));
  await kube.writeKubeconfig(join(dir, 'kubeconfig'));
  await writeFile(join(dir, 'meshbot.yaml'), MIGRATIONS);
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined); // reconnects by itself when redis-server is back
  port = await freePort();
  meshbot = spawnMeshbot('all', {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    REDIS_URL: redisServer.url,
    KUBECONFIG: join(dir, 'kubeconfig'),
    GCP_PROJECT: logs.projectId,
    LOGGING_API_ENDPOINT: logs.endpoint,
    MESHBOT_CONFIG: join(dir, 'meshbot.yaml'),
    MESHBOT_QUEUE_PREFIX: PREFIX,
    PORT: String(port),
  });
  driver = new SlackDriver({ eventsUrl: `http://127.0.0.1:${port}/slack/events`, signingSecret: SIGNING_SECRET, api: slack });
  await untilReady();
}, 60_000);

afterAll(async () => {
  if (meshbot && alive(meshbot)) {
    meshbot.child.kill('SIGTERM');
    const timer = setTimeout(() => meshbot.child.kill('SIGKILL'), 10_000);
    await meshbot.exited;
    clearTimeout(timer);
  }
  redis?.disconnect();
  await Promise.all([slack?.close(), kube?.close(), logs?.close(), redisServer?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const alive = (child: MeshbotProcess): boolean => child.child.exitCode === null && child.child.signalCode === null;

/** /readyz answers 200 once Redis and the Kubernetes API are reachable; fails at once if meshbot exits. */
async function untilReady(timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    expect(alive(meshbot), `meshbot exited:\n${meshbot.output().slice(-3000)}`).toBe(true);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`meshbot was not ready within ${timeoutMs} ms:\n${meshbot.output().slice(-3000)}`);
}

async function operation(id: string): Promise<Operation | undefined> {
  const json = await redis.get(`${PREFIX}:op:${id}`);
  return json === null ? undefined : (JSON.parse(json) as Operation);
}

async function operationsOf(migration: string): Promise<Operation[]> {
  const ids = await redis.lrange(`${PREFIX}:history:${migration}`, 0, -1);
  return (await Promise.all(ids.map(operation))).filter((op): op is Operation => op !== undefined);
}

const watchStore = () => new LogWatchStore(redis, PREFIX, logs.projectId);
/** The log watch has read the bake from its start and reads for it still. */
const watched = async (operationId: string) => (await watchStore().readyIds()).has(bakeSubjectId(operationId));
const stillSubject = async (operationId: string) => (await watchStore().subjects()).some((s) => s.id === bakeSubjectId(operationId));

const successfulPatches = (c: Case): number => kube.calls.filter((call) => call.method === 'PATCH' && call.path.endsWith(`/virtualservices/${c.name}`) && call.status !== undefined && call.status < 300).length;

const logDenial = (c: Case) => logs.append(tdPermissionDenied({ now: new Date(), labels: { run: c.name } }));

/** A clean restart (SIGTERM, same port and directory), or a crash (SIGKILL: only the append-only file is left) with Redis down for 3 s. */
async function outage(c: Case): Promise<number | undefined> {
  if (c.outage === 'restart') {
    await redisServer.restart();
  } else {
    await redisServer.kill();
  }
  let logged: number | undefined;
  if (c.denial === 'during') {
    logDenial(c);
    logged = Date.now();
  }
  if (c.outage === 'crash') {
    await sleep(3000);
    await redisServer.restart();
  }
  return logged;
}

describe('Redis restarting in the middle of a bake (appendonly)', () => {
  for (const c of CASES) {
    const title = `${c.outage === 'restart' ? 'a clean restart' : 'a crash, Redis down for 3 s'}, denial logged ${c.denial === 'after' ? 'once Redis is back' : 'while Redis is down'}`;
    it(`${title}: the bake goes on and the denial rolls the step back`, { timeout: 90_000 }, async () => {
      await driver.slashCommand({ text: 'shift 25%', userId: 'U0BOB', channelId: c.channel });
      const { message, operationId } = await requestMessage(slack, c.channel, 10_000);
      await eventually(async () => expect((await operation(operationId))?.state).toBe('awaiting-approval'), 5000);
      await driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: c.channel, messageTs: message.ts });
      await eventually(() => expect(routeWeights(kube, NAMESPACE, c.name)).toEqual(AFTER), 10_000);
      await eventually(async () => {
        expect((await operation(operationId))?.bake?.status).toBe('running');
        expect(await watched(operationId)).toBe(true);
      }, 10_000);
      const before = await operation(operationId);

      let logged = await outage(c);

      // The operation and its bake survived in the append-only file (a denial logged during the outage may already have been acted on).
      const after = await operation(operationId);
      expect(c.denial === 'after' ? ['applied'] : ['applied', 'rolled-back']).toContain(after?.state);
      expect(after?.bake?.deadline).toBe(before?.bake?.deadline);
      expect(alive(meshbot), `meshbot exited when Redis went away:\n${meshbot.output().slice(-3000)}`).toBe(true);
      if (c.denial === 'after') {
        expect(after?.bake?.status).toBe('running');
        await untilReady(20_000);
        // Still baking and still read for: nothing was decided while Redis was away.
        expect(routeWeights(kube, NAMESPACE, c.name)).toEqual(AFTER);
        expect(await stillSubject(operationId), 'the log watch forgot the bake in the outage').toBe(true);
        logDenial(c);
        logged = Date.now();
      }
      await eventually(() => expect(routeWeights(kube, NAMESPACE, c.name)).toEqual(SEEDED), ROLLBACK_WITHIN_MS).catch(async (error: unknown) => {
        const ops = await operationsOf(c.name);
        throw new Error(
          `not rolled back ${ROLLBACK_WITHIN_MS} ms after the denial: ${String(error)}\n` +
            ops.map((o) => `  ${o.id} ${o.kind} ${o.state} bake=${o.bake?.status ?? '-'}: ${o.history.map((h) => `${h.state}${h.note ? ` (${h.note})` : ''}`).join(' → ')}`).join('\n') +
            `\nmeshbot output (tail):\n${meshbot.output().slice(-4000)}`,
        );
      });
      console.log(`${c.name}: rolled back ${Date.now() - (logged ?? 0)} ms after the denial was logged`);

      const ops = await operationsOf(c.name);
      const step = ops.find((o) => o.id === operationId);
      const rollback = ops.find((o) => o.kind === 'rollback' && o.rollsBack === operationId);
      expect(step?.bake?.status).toBe('breached');
      await eventually(async () => {
        expect((await operation(operationId))?.state).toBe('rolled-back');
        expect((await operation(rollback?.id ?? ''))?.state).toBe('applied');
      }, 5000);
      expect(validateIstioObject(kube.getObject('virtualservices', NAMESPACE, c.name))).toEqual([]);
      expect(successfulPatches(c), 'one PATCH for the step, one for the rollback').toBe(2);
      await slack.waitForMessage((m) => m.kind === 'message' && m.channel === 'C0INCIDENTS' && JSON.stringify(m.blocks ?? m.text ?? '').includes(c.name), 5000);
      await eventually(async () => expect(await stillSubject(operationId)).toBe(false), 5000);
      expect(alive(meshbot)).toBe(true);
    });
  }
});
