/**
 * Slash commands fired all at once at one bot: the ack round trip as the sender sees it
 * (signed request out, HTTP answer in), and the private answer each one gets through its
 * response_url. The benchmark runs `meshbot bot` as a process of its own. Prints JSON when run
 * directly.
 */
import type { SlackApiServer } from '../test/harness/slack-api-server.js';
import { SlackDriver } from '../test/harness/slack-driver.js';
import { SIGNING_SECRET, startStack, testMigration } from '../test/support/meshbot-stack.js';
import { startChildMeshbot } from './child-meshbot.js';
import { machine, percentile } from './stats.js';

export interface CommandOutcome {
  readonly text: string;
  readonly status: number;
  /** Round trip of the signed request, body included, measured by the sender. */
  readonly ms: number;
  readonly responseId: string;
}

/** Sends `count` signed `/mesh` commands at once, alternating `help` and `status`, from distinct users. */
export async function slashCommandBurst(driver: SlackDriver, channelId: string, count: number): Promise<CommandOutcome[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const text = i % 2 === 0 ? 'help' : 'status';
      const sent = await driver.slashCommand({ text, userId: `U0LOAD${String(i).padStart(4, '0')}`, channelId });
      return { text, status: sent.status, ms: sent.ms, responseId: decodeURIComponent(sent.responseUrl.slice(sent.responseUrl.lastIndexOf('/') + 1)) };
    }),
  );
}

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
  readonly ack_p50_ms: number;
  readonly ack_p99_ms: number;
  readonly ack_max_ms: number;
  readonly ack_commands: number;
  readonly ack_answered: number;
  /** The same commands one at a time: the cost of one ack without queueing. */
  readonly ack_sequential_p50_ms: number;
  /** 200 commands arriving at 200/s instead of all at once. */
  readonly ack_paced_200_per_s_p99_ms: number;
}

/** `count` commands, one every `everyMs`, without waiting for the answers. */
async function pacedCommands(driver: SlackDriver, channelId: string, count: number, everyMs: number): Promise<number[]> {
  const sent: Promise<number>[] = [];
  for (let i = 0; i < count; i++) {
    sent.push(driver.slashCommand({ text: i % 2 === 0 ? 'help' : 'status', userId: `U0PACE${String(i).padStart(4, '0')}`, channelId }).then((r) => r.ms));
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return Promise.all(sent);
}

/** `rounds` bursts of `count` commands at a `meshbot bot` process, after a warm-up burst. */
export async function measureAck(count = 200, rounds = 3): Promise<AckFigures> {
  const migration = testMigration(91);
  const stack = await startStack([migration], { bot: false, worker: false });
  const bot = await startChildMeshbot('bot', stack, [migration]).catch(async (error: unknown) => {
    await stack.close();
    throw error;
  });
  try {
    const driver = new SlackDriver({ eventsUrl: bot.eventsUrl, signingSecret: SIGNING_SECRET, api: stack.slack });
    await slashCommandBurst(driver, migration.channel, 40);
    const outcomes: CommandOutcome[] = [];
    for (let round = 0; round < rounds; round++) {
      const burst = await slashCommandBurst(driver, migration.channel, count);
      outcomes.push(...burst);
      await answersTo(stack.slack, burst);
    }
    const failed = outcomes.filter((o) => o.status !== 200);
    if (failed.length > 0) throw new Error(`${failed.length} of ${outcomes.length} commands were not acked with 200 (e.g. ${failed[0]?.status})`);
    const answered = (await answersTo(stack.slack, outcomes)).size;
    const ms = outcomes.map((o) => o.ms);
    const sequential: number[] = [];
    for (let i = 0; i < 50; i++) sequential.push((await driver.slashCommand({ text: i % 2 === 0 ? 'help' : 'status', userId: 'U0SEQ', channelId: migration.channel })).ms);
    const paced = await pacedCommands(driver, migration.channel, count, 5);
    return {
      ack_p50_ms: percentile(ms, 50),
      ack_p99_ms: percentile(ms, 99),
      ack_max_ms: percentile(ms, 100),
      ack_commands: outcomes.length,
      ack_answered: answered,
      ack_sequential_p50_ms: percentile(sequential, 50),
      ack_paced_200_per_s_p99_ms: percentile(paced, 99),
    };
  } finally {
    await bot.stop();
    await stack.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  measureAck().then(
    (figures) => {
      process.stdout.write(`${JSON.stringify({ ...figures, machine: machine() }, null, 2)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`bench ack failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
