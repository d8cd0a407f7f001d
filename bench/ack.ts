/**
 * Slash commands fired at one bot, 200 at once and 200 at 200/s: the ack round trip as the
 * sender sees it (signed request out, HTTP answer in), and the private answer each one gets
 * through its response_url. The benchmark runs `meshbot bot` as a process of its own and, as
 * the floor, a bare Bolt app that only acks (bench/bare-bolt-app.ts), in alternating rounds
 * with the same load generator so the machine's noise falls on both alike. Prints JSON when
 * run directly.
 */
import { Worker } from 'node:worker_threads';
import type { SlackApiServer } from '../test/harness/slack-api-server.js';
import { SlackDriver } from '../test/harness/slack-driver.js';
import type { CommandOutcome } from './command-load.js';
import type { LoadRequest } from './command-load-worker.js';
import { SIGNING_SECRET, startStack, testMigration } from '../test/support/meshbot-stack.js';
import { compareToBareBolt, type AckComparison } from './ack-compare.js';
import { startBareBolt } from './bare-bolt.js';
import { startChildMeshbot } from './child-meshbot.js';
import { machine, percentile, runWhenMain } from './stats.js';

export { pacedCommands, slashCommandBurst, type CommandOutcome } from './command-load.js';

/** The private answers (response_url posts) the commands got, by response id; waits for all of them. */
export async function answersTo(slack: SlackApiServer, commands: readonly CommandOutcome[], timeoutMs = 15_000): Promise<Map<string, string[]>> {
  const wanted = new Set(commands.map((c) => c.responseId));
  const deadline = Date.now() + timeoutMs;
  const collect = () => {
    const answers = new Map<string, string[]>();
    for (const response of slack.responses) if (wanted.has(response.id)) answers.set(response.id, [...(answers.get(response.id) ?? []), response.text ?? '']);
    return answers;
  };
  while (Date.now() < deadline && collect().size < wanted.size) await new Promise((r) => setTimeout(r, 20));
  return collect();
}

export interface AckFigures {
  /** meshbot, 200 at once (the figures the README has always reported). */
  readonly ack_p50_ms: number;
  readonly ack_p99_ms: number;
  readonly ack_max_ms: number;
  readonly ack_commands: number;
  readonly ack_answered: number;
  /** The same commands one at a time: the cost of one ack without queueing. */
  readonly ack_sequential_p50_ms: number;
  readonly ack_bare_bolt_sequential_p50_ms: number;
  /** meshbot, 200 commands arriving at 200/s instead of all at once. */
  readonly ack_paced_200_per_s_p99_ms: number;
  readonly burst: AckComparison;
  readonly paced: AckComparison;
}

type Load = (generator: LoadGenerator) => Promise<CommandOutcome[]>;

/** A load generator on a thread of its own, aimed at one app (see command-load-worker.ts). */
class LoadGenerator {
  private readonly worker: Worker;

  constructor(eventsUrl: string, slackBaseUrl: string) {
    this.worker = new Worker(new URL('./command-load-worker.ts', import.meta.url), { workerData: { eventsUrl, signingSecret: SIGNING_SECRET, slackBaseUrl }, execArgv: ['--import', 'tsx'] });
  }

  run(request: LoadRequest): Promise<CommandOutcome[]> {
    return new Promise((resolve, reject) => {
      this.worker.once('message', (answer: { outcomes?: CommandOutcome[]; error?: string }) => (answer.outcomes ? resolve(answer.outcomes) : reject(new Error(answer.error))));
      this.worker.postMessage(request);
    });
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

interface Target {
  readonly name: string;
  readonly generator: LoadGenerator;
  readonly driver: SlackDriver;
  /** meshbot answers every command after its ack: wait for that before the next round, so it doesn't load the other's. */
  readonly settle: (outcomes: readonly CommandOutcome[]) => Promise<unknown>;
}

/** `rounds` rounds of `load` at each target, who goes first alternating round by round; ack times per round, per target. */
async function alternate(targets: readonly [Target, Target], load: Load, rounds: number): Promise<[number[][], number[][]]> {
  const times: [number[][], number[][]] = [[], []];
  for (let round = 0; round < rounds; round++) {
    const order: (0 | 1)[] = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const t of order) {
      const target = targets[t];
      const outcomes = await load(target.generator);
      const failed = outcomes.filter((o) => o.status !== 200);
      if (failed.length > 0) throw new Error(`${target.name}: ${failed.length} of ${outcomes.length} commands were not acked with 200 (e.g. ${failed[0]?.status})`);
      await target.settle(outcomes);
      times[t].push(outcomes.map((o) => o.ms));
    }
  }
  return times;
}

async function sequentialP50(driver: SlackDriver, channelId: string, count = 50): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < count; i++) ms.push((await driver.slashCommand({ text: i % 2 === 0 ? 'help' : 'status', userId: 'U0SEQ', channelId })).ms);
  return percentile(ms, 50);
}

/**
 * `rounds` bursts of `count` commands and `rounds` runs of `count` at 200/s, at a `meshbot bot`
 * process and at a bare Bolt app in turn, after a warm-up burst at each.
 */
export async function measureAck(count = 200, rounds = 3): Promise<AckFigures> {
  const migration = testMigration(91);
  // `/mesh status` reads Cloud Monitoring: a local one, as production has a reachable one (without, every status call builds a client that fails to start).
  const stack = await startStack([migration], { bot: false, worker: false }, { monitoring: {} });
  const monitoringEndpoint = stack.monitoring?.endpoint;
  const env: Record<string, string> = monitoringEndpoint ? { MONITORING_API_ENDPOINT: monitoringEndpoint } : {};
  const started = await Promise.allSettled([startChildMeshbot('bot', stack, [migration], { env }), startBareBolt(stack.slack.apiUrl)]);
  const [bot, bare] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  let targets: readonly [Target, Target] | undefined;
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const targetFor = (name: string, eventsUrl: string, settle: Target['settle']): Target => ({ name, generator: new LoadGenerator(eventsUrl, stack.slack.baseUrl), driver: new SlackDriver({ eventsUrl, signingSecret: SIGNING_SECRET, api: stack.slack }), settle });
    targets = [targetFor('meshbot bot', bot?.eventsUrl ?? '', (outcomes) => answersTo(stack.slack, outcomes)), targetFor('bare Bolt app', bare?.eventsUrl ?? '', async () => undefined)];
    const [meshbot, bareBolt] = targets;
    const burstOf = (n: number) => (generator: LoadGenerator) => generator.run({ shape: 'burst', channelId: migration.channel, count: n, everyMs: 0 });
    for (const target of targets) await target.settle(await burstOf(40)(target.generator));
    const answeredBefore = stack.slack.responses.length;
    const [meshBursts, bareBursts] = await alternate(targets, burstOf(count), rounds);
    const answered = new Set(stack.slack.responses.slice(answeredBefore).map((r) => r.id)).size;
    const [meshPaced, barePaced] = await alternate(targets, (generator) => generator.run({ shape: 'paced', channelId: migration.channel, count, everyMs: 1000 / 200 }), rounds);
    const burst = compareToBareBolt(meshBursts, bareBursts);
    const paced = compareToBareBolt(meshPaced, barePaced);
    return {
      ack_p50_ms: burst.meshbot_p50_ms,
      ack_p99_ms: burst.meshbot_p99_ms,
      ack_max_ms: percentile(meshBursts.flat(), 100),
      ack_commands: meshBursts.flat().length,
      ack_answered: answered,
      ack_sequential_p50_ms: await sequentialP50(meshbot.driver, migration.channel),
      ack_bare_bolt_sequential_p50_ms: await sequentialP50(bareBolt.driver, migration.channel),
      ack_paced_200_per_s_p99_ms: paced.meshbot_p99_ms,
      burst,
      paced,
    };
  } finally {
    await Promise.all([bot?.stop(), bare?.stop(), ...(targets ?? []).map((t) => t.generator.stop())]);
    await stack.close();
  }
}

runWhenMain(import.meta.url, 'bench ack', async () => {
  const figures = await measureAck();
  process.stdout.write(`${JSON.stringify({ ...figures, machine: machine() }, null, 2)}\n`);
});
