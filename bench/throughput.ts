/**
 * Operations in flight at once, one per VirtualService: requested with `/mesh shift 25%`,
 * approved as soon as each request is posted, applied by the workers. The benchmark runs
 * `meshbot bot` and two `meshbot worker` processes; ops/min counts from the first request to
 * the last "✅ Applied". Prints JSON when run directly.
 */
import type { MigrationSettings } from '../src/app/deps.js';
import type { KubeApiServer } from '../test/harness/kube-api-server.js';
import { SlackDriver } from '../test/harness/slack-driver.js';
import { patchesOf, routeWeights, SIGNING_SECRET, startStack, testMigration, TO } from '../test/support/meshbot-stack.js';
import { startChildMeshbot, type ChildExit, type ChildMeshbot } from './child-meshbot.js';
import { approveWhenPosted, type FlowContext } from './flow.js';
import { machine, round } from './stats.js';

export interface OperationOutcome {
  readonly migration: string;
  /** The result posted in the thread ("✅ Applied …" or "❌ …"). */
  readonly result: string;
  /** Seconds from the start of the run to the result. */
  readonly at: number;
}

export interface OperationsRun {
  readonly seconds: number;
  readonly outcomes: OperationOutcome[];
}

/** Migrations 1000… : one VirtualService and one channel each. */
export function loadMigrations(count: number, first = 1000): MigrationSettings[] {
  return Array.from({ length: count }, (_, i) => testMigration(first + i));
}

/** Requests, approves and waits for the result of one shift per migration, all at once. */
export async function runOperations(context: FlowContext, migrations: readonly MigrationSettings[], timeoutMs = 60_000): Promise<OperationsRun> {
  const started = performance.now();
  const outcomes = await Promise.all(
    migrations.map(async (m): Promise<OperationOutcome> => {
      const sent = await context.driver.slashCommand({ text: 'shift 25%', userId: 'U0BOB', channelId: m.channel });
      if (sent.status !== 200) throw new Error(`${m.name}: /mesh shift answered ${sent.status}`);
      const { threadTs } = await approveWhenPosted(context, m, timeoutMs);
      const result = await context.slack.waitForMessage((msg) => msg.channel === m.channel && msg.thread_ts === threadTs && /^(✅ Applied|❌ )/.test(msg.text ?? ''), timeoutMs);
      return { migration: m.name, result: result.text ?? '', at: (performance.now() - started) / 1000 };
    }),
  );
  return { seconds: (performance.now() - started) / 1000, outcomes };
}

/** What went wrong with a run, per migration: not applied, not at 25%, or not exactly one accepted PATCH. */
export function problemsOf(run: OperationsRun, kube: KubeApiServer, migrations: readonly MigrationSettings[]): string[] {
  return migrations.flatMap((m, i) => {
    const problems: string[] = [];
    const result = run.outcomes[i]?.result ?? '';
    if (!result.startsWith('✅ Applied')) problems.push(`${m.name}: ${result}`);
    if (routeWeights(kube, 'payments', m.virtualService)[TO] !== 25) problems.push(`${m.name}: ${JSON.stringify(routeWeights(kube, 'payments', m.virtualService))}`);
    const patches = patchesOf(kube, m.virtualService);
    if (patches !== 1) problems.push(`${m.name}: ${patches} accepted PATCHes`);
    return problems;
  });
}

export interface ThroughputFigures {
  readonly ops_per_min_2_workers: number;
  readonly throughput_operations: number;
  readonly throughput_seconds: number;
  /** meshbot processes that had to be killed: they did not exit within 20 s of SIGTERM. */
  readonly throughput_not_exiting_on_sigterm: string[];
}

/** `count` operations through `meshbot bot` and two `meshbot worker` processes. */
export async function measureThroughput(count = 100): Promise<ThroughputFigures> {
  const migrations = loadMigrations(count);
  const stack = await startStack(migrations, { bot: false, worker: false });
  const children: ChildMeshbot[] = [];
  let exits: ChildExit[];
  let run: OperationsRun;
  try {
    children.push(...(await Promise.all([startChildMeshbot('bot', stack, migrations), startChildMeshbot('worker', stack, migrations), startChildMeshbot('worker', stack, migrations)])));
    const bot = children[0] as ChildMeshbot;
    const driver = new SlackDriver({ eventsUrl: bot.eventsUrl, signingSecret: SIGNING_SECRET, api: stack.slack });
    run = await runOperations({ slack: stack.slack, driver, redisUrl: stack.redis.url, queuePrefix: stack.queuePrefix }, migrations);
    const problems = problemsOf(run, stack.kube, migrations);
    if (problems.length > 0) throw new Error(`${problems.length} problems, e.g. ${problems.slice(0, 3).join('; ')}`);
  } finally {
    exits = await Promise.all(children.map((c) => c.stop()));
    await stack.close();
  }
  return {
    ops_per_min_2_workers: round((count / run.seconds) * 60),
    throughput_operations: count,
    throughput_seconds: round(run.seconds, 2),
    throughput_not_exiting_on_sigterm: exits.filter((e) => !e.exitedByItself).map((e) => `meshbot ${e.verb}`),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  measureThroughput().then(
    (figures) => {
      process.stdout.write(`${JSON.stringify({ ...figures, machine: machine() }, null, 2)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`bench throughput failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
