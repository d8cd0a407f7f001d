/**
 * Load: 200 signed slash commands at once against one bot; 100 operations in flight over 100
 * VirtualServices with two `meshbot worker` processes; a 100,000-entry log burst during a bake,
 * classified by a worker process of its own so that its RSS can be watched. Correctness only:
 * the timings are `npm run bench`'s business (bench/ack.ts, bench/throughput.ts, bench/burst.ts).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersTo, slashCommandBurst } from '../../bench/ack.js';
import { runLogBurst, type BurstResult } from '../../bench/burst.js';
import { startChildMeshbot, type ChildMeshbot } from '../../bench/child-meshbot.js';
import { loadMigrations, problemsOf, runOperations } from '../../bench/throughput.js';
import { eventually, patchesOf, requestMessage, routeWeights, startStack, testMigration, TO, type Stack } from '../support/meshbot-stack.js';

describe('one bot process under 200 concurrent signed slash commands', () => {
  const m = testMigration(600);
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack([m]);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('acks every /mesh help and /mesh status with 200 and answers each exactly once', { timeout: 60_000 }, async () => {
    const commands = await slashCommandBurst(stack.driver, m.channel, 200);
    expect(commands.filter((c) => c.status !== 200).map((c) => c.status)).toEqual([]);
    const answers = await answersTo(stack.slack, commands, 30_000);
    const problems = commands.flatMap((c) => {
      const got = answers.get(c.responseId) ?? [];
      if (got.length !== 1) return [`${c.text} (${c.responseId}): ${got.length} answers`];
      const expected = c.text === 'help' ? '/mesh shift' : `*${m.name}* — VirtualService \`payments/${m.virtualService}\``;
      return got[0]?.includes(expected) ? [] : [`${c.text}: unexpected answer ${JSON.stringify(got[0]?.slice(0, 120))}`];
    });
    expect(problems).toEqual([]);
  });
});

describe('100 operations in flight over 100 VirtualServices, two worker processes', () => {
  const migrations = loadMigrations(100, 700);
  let stack: Stack;
  let workers: ChildMeshbot[] = [];
  beforeAll(async () => {
    stack = await startStack(migrations, { bot: true, worker: false });
    workers = await Promise.all([startChildMeshbot('worker', stack, migrations), startChildMeshbot('worker', stack, migrations)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop(1000)));
    await stack?.close();
  });

  it('every request is approved and applied with exactly one PATCH, then both workers stop on SIGTERM', { timeout: 60_000 }, async () => {
    const run = await runOperations({ slack: stack.slack, driver: stack.driver, redisUrl: stack.redis.url, queuePrefix: stack.queuePrefix }, migrations, 45_000);
    expect(problemsOf(run, stack.kube, migrations)).toEqual([]);
    const failedPatches = stack.kube.calls.filter((c) => c.method === 'PATCH' && (c.status ?? 0) >= 300);
    expect(failedPatches).toEqual([]);
    // Their bakes (1 s, the shortest a migrations file allows) are starting or running: a SIGTERM hands them over and exits.
    const exits = await Promise.all(workers.map((w) => w.stop(10_000)));
    expect(exits.map((e) => `meshbot worker: ${e.exitedByItself ? `exited ${String(e.exitCode)}` : 'still running 10 s after SIGTERM (killed)'}`)).toEqual(['meshbot worker: exited 0', 'meshbot worker: exited 0']);
  });
});

/**
 * The Slack Web API as a process far from Slack sees it: every answer comes `delayMs` late,
 * while what was posted is already in the channel for people to see and click.
 */
async function slowSlack(apiUrl: string, delayMs: number): Promise<{ apiUrl: string; close(): Promise<void> }> {
  const upstream = new URL(apiUrl);
  const server = createServer((req, res) => {
    void (async () => {
      const body = await buffer(req);
      const headers = Object.fromEntries(Object.entries(req.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'host' && entry[0] !== 'content-length'));
      const answer = await fetch(new URL(req.url ?? '/', upstream), { method: req.method ?? 'POST', headers, body: body.length > 0 ? body : undefined });
      const text = await answer.text();
      await new Promise((r) => setTimeout(r, delayMs));
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}${upstream.pathname}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('an Approve click as soon as the request shows in the channel (the worker 200 ms from Slack)', () => {
  const migrations = loadMigrations(10, 820);
  let stack: Stack;
  let slack: Awaited<ReturnType<typeof slowSlack>> | undefined;
  let worker: ChildMeshbot | undefined;
  beforeAll(async () => {
    stack = await startStack(migrations, { bot: true, worker: false });
    slack = await slowSlack(stack.slack.apiUrl, 200);
    worker = await startChildMeshbot('worker', stack, migrations, { slackApiUrl: slack.apiUrl });
  }, 60_000);
  afterAll(async () => {
    await worker?.stop(1000);
    await slack?.close();
    await stack?.close();
  });

  it('is honored, not refused with "already requested"', { timeout: 60_000 }, async () => {
    const refusals = await Promise.all(
      migrations.map(async (m) => {
        await stack.driver.slashCommand({ text: 'shift 25%', userId: 'U0BOB', channelId: m.channel });
        const { message, operationId } = await requestMessage(stack.slack, m.channel, 15_000);
        const click = await stack.driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: m.channel, messageTs: message.ts });
        const id = decodeURIComponent(click.responseUrl.slice(click.responseUrl.lastIndexOf('/') + 1));
        const approved = stack.slack.waitForMessage((msg) => msg.thread_ts === message.ts && (msg.text ?? '').startsWith('✅ Approved by <@U0ALICE>'), 10_000).then(() => undefined);
        const refused = stack.slack.waitForResponse((r) => r.id === id, 10_000).then((r) => `${m.name}: the click was answered "${r.text ?? ''}" and nothing happened`);
        return Promise.race([approved, refused]);
      }),
    );
    expect(refusals.filter((r) => r !== undefined)).toEqual([]);
    for (const m of migrations) await eventually(() => expect(routeWeights(stack.kube, 'payments', m.virtualService)[TO]).toBe(25), 10_000);
    expect(migrations.map((m) => patchesOf(stack.kube, m.virtualService))).toEqual(migrations.map(() => 1));
  });
});

/** deploy/base/deployment-worker.yaml gives the worker 512Mi; there Node sizes its default heap from that limit, which --max-old-space-size=256 stands in for here. */
const WORKER_MEMORY_LIMIT_MIB = 512;
const CONTAINER_HEAP = '--max-old-space-size=256';

describe('a 100,000-entry log burst during a bake, classified by a worker process of its own (heap as in its container)', () => {
  let burst: BurstResult;
  beforeAll(async () => {
    burst = await runLogBurst({ entries: 100_000, timeoutMs: 40_000, nodeOptions: CONTAINER_HEAP });
  }, 60_000);

  it(`keeps the worker RSS growth under 64 MB and its peak under the ${WORKER_MEMORY_LIMIT_MIB}Mi limit`, () => {
    const rss = `RSS ${burst.baselineRssMb} MiB before the burst, ${burst.peakRssMb} MiB at its peak`;
    expect(burst.rssSamples).toBeGreaterThan(10);
    expect(burst.peakRssMb - burst.baselineRssMb, rss).toBeLessThan(64);
    expect(burst.peakRssMb, rss).toBeLessThan(WORKER_MEMORY_LIMIT_MIB);
  });

  it('counts every entry exactly once: the rollback comes at exactly the threshold, with exact counts', () => {
    expect(burst.report).toContain(`: ${burst.errors} counted errors reached the threshold of ${burst.errors} (${burst.errors} × upstream-connect-failure)`);
    expect(burst.report).toContain(`${burst.entries - burst.errors} successful requests`);
    expect(burst.stored?.tally.entries).toBe(burst.entries);
  });

  it('keeps the stored tally small: counts, three samples a class, a stream cursor instead of insertIds', () => {
    expect(burst.stored?.cursor).toMatch(/^\d+-\d+$/);
    expect(burst.stored?.recentIds ?? []).toEqual([]);
    for (const perClass of Object.values(burst.stored?.tally.byClass ?? {})) expect(perClass.samples.length).toBeLessThanOrEqual(3);
    expect(burst.storedBytes).toBeLessThan(64 * 1024);
  });
});
