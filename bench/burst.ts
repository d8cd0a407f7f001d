/**
 * A 100,000-entry log burst during a bake, classified by a `meshbot worker` process of its own
 * (so its RSS is meshbot's alone): 10% failed requests, 90% successes, and a rollback threshold
 * of exactly the failures written plus one, reached by one more failure after the burst. So the
 * rollback happens once every entry was counted once: one lost entry and it never comes, one
 * counted twice and it comes early with the wrong count. Prints JSON when run directly.
 */
import { istioProxyAccessLog } from '../test/harness/log-samples.js';
import type { LogEntryInput } from '../test/harness/logging-server.js';
import { eventually, FROM, routeWeights, startStack, testMigration, TO, waitUntilWatched } from '../test/support/meshbot-stack.js';
import type { Tally } from '../src/domain/logs/tally.js';
import { sampleRss, startChildMeshbot } from './child-meshbot.js';
import { approveWhenPosted, openStore } from './flow.js';
import { machine, round, runWhenMain } from './stats.js';

export interface BurstOptions {
  readonly entries?: number;
  /** Entries per append (and so per TailLogEntries response). */
  readonly chunk?: number;
  /** How long to wait for the rollback after the last entry. */
  readonly timeoutMs?: number;
  /** NODE_OPTIONS of the worker process (e.g. `--max-old-space-size=256`, the heap of a 512Mi container). */
  readonly nodeOptions?: string;
}

export interface BurstResult {
  readonly entries: number;
  /** Failed requests written, the extra one after the burst included: the rollback threshold. */
  readonly errors: number;
  readonly baselineRssMb: number;
  readonly peakRssMb: number;
  readonly rssSamples: number;
  /** From the first entry written to the rollback PATCH accepted. */
  readonly seconds: number;
  /** The breach report posted in the thread (text and blocks). */
  readonly report: string;
  /** The tally the bake stored with the operation, and its size as JSON. */
  readonly stored: { tally: Tally; cursor?: string; recentIds?: string[] } | undefined;
  readonly storedBytes: number;
}

const failure = (now: Date): LogEntryInput => istioProxyAccessLog({ upstreamCluster: `outbound|443||${TO}`, authority: TO, responseFlags: 'UF', now });
const success = (now: Date): LogEntryInput => istioProxyAccessLog({ upstreamCluster: `outbound|443||${TO}`, authority: TO, now });

export async function runLogBurst(options: BurstOptions = {}): Promise<BurstResult> {
  const entries = options.entries ?? 100_000;
  const chunk = options.chunk ?? 1000;
  const errors = Math.ceil(entries / 10) + 1;
  const migration = testMigration(95, { bakeMs: 10 * 60_000, rollbackOn: { errors, errorRate: 1, classes: [] } });
  const stack = await startStack([migration], { bot: true, worker: false });
  const worker = await startChildMeshbot('worker', stack, [migration], options.nodeOptions ? { nodeOptions: options.nodeOptions } : {}).catch(async (error: unknown) => {
    await stack.close();
    throw error;
  });
  const context = { slack: stack.slack, driver: stack.driver, redisUrl: stack.redis.url, queuePrefix: stack.queuePrefix };
  const operations = openStore(context);
  try {
    await stack.driver.slashCommand({ text: 'shift 25%', userId: 'U0BOB', channelId: migration.channel });
    const { threadTs, operationId } = await approveWhenPosted(context, migration);
    await eventually(() => {
      if (routeWeights(stack.kube, 'payments', migration.virtualService)[TO] !== 25) throw new Error('step not applied');
    }, 15_000);
    await waitUntilWatched(stack, operationId, 15_000);
    await new Promise((r) => setTimeout(r, 500));

    const rss = sampleRss(worker.pid);
    const started = performance.now();
    for (let written = 0; written < entries; written += chunk) {
      const now = new Date();
      stack.logs.append(Array.from({ length: Math.min(chunk, entries - written) }, (_, i) => ((written + i) % 10 === 0 ? failure(now) : success(now))));
      await new Promise((r) => setImmediate(r));
    }
    stack.logs.append(failure(new Date()));
    await eventually(() => {
      if (routeWeights(stack.kube, 'payments', migration.virtualService)[FROM] !== 90) throw new Error(`no rollback within ${options.timeoutMs ?? 60_000} ms of the burst`);
    }, options.timeoutMs ?? 60_000);
    const seconds = (performance.now() - started) / 1000;
    const memory = await rss.stop();

    const reportMessage = await stack.slack.waitForMessage((m) => m.thread_ts === threadTs && (m.text ?? '').startsWith('🚨 meshbot rolled back'), 10_000);
    const op = await operations.store.get(operationId);
    const stored = op?.bake?.tally as BurstResult['stored'];
    return {
      entries: entries + 1,
      errors,
      baselineRssMb: round(memory.baselineMb),
      peakRssMb: round(memory.peakMb),
      rssSamples: memory.samples,
      seconds: round(seconds, 2),
      report: `${reportMessage.text ?? ''}\n${JSON.stringify(reportMessage.blocks ?? [])}`,
      stored,
      storedBytes: JSON.stringify(stored ?? null).length,
    };
  } finally {
    operations.close();
    await worker.stop();
    await stack.close();
  }
}

async function main(): Promise<void> {
  const result = await runLogBurst(process.env.BURST_NODE_OPTIONS ? { nodeOptions: process.env.BURST_NODE_OPTIONS } : {});
  const { report: _report, stored, ...figures } = result;
  process.stdout.write(`${JSON.stringify({ ...figures, tallyEntries: stored?.tally.entries, burst_peak_rss_mb: result.peakRssMb, machine: machine() }, null, 2)}\n`);
}

runWhenMain(import.meta.url, 'bench burst', main);
