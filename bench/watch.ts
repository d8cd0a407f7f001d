/**
 * `npm run bench:watch`: the project's one log watch under many bakes at once, over real
 * processes (the bot in this process, two `meshbot worker` children running the built bin, a
 * local Cloud Logging server with Cloud Logging's limits: 10 TailLogEntries sessions, 60
 * ListLogEntries calls a minute). For 50 and for 5 migrations baking at once: the TailLogEntries
 * sessions open at the peak, ListLogEntries calls (the busiest minute, and all of them over the
 * run), the time from error entries written to the rollback PATCH accepted over breaches
 * written one at a time at random bakes (each rolled-back migration bakes again at once, so the
 * number baking stays the same), breaches missed (no rollback within 10 s), each worker's RSS
 * growth from the start of the bakes to the end, refused tails and quota refusals. Prints JSON
 * with the goals checked (≤ 2 sessions, < 60 calls in any minute, nothing missed, p99 < 250 ms);
 * progress goes to stderr.
 *
 * BENCH_WATCH_BREACHES changes the number of breaches (default 10), BENCH_WATCH_SEED the choice of bakes.
 */
import type { MigrationSettings } from '../src/app/deps.js';
import { startBakeFleet } from '../test/support/bake-fleet.js';
import { seededRandom } from '../test/support/seeded-random.js';
import { rssMb, sampleRss } from './child-meshbot.js';
import { machine, percentile, round, runWhenMain } from './stats.js';

const BREACHES = Number(process.env.BENCH_WATCH_BREACHES ?? 10);
const SEED = Number(process.env.BENCH_WATCH_SEED ?? 20_250_302);
const MISSED_AFTER_MS = 10_000;
const GOALS = { peak_tail_sessions_at_most: 2, list_calls_in_any_minute_below: 60, missed_breaches: 0, detect_to_rollback_p99_ms_below: 250 };

export interface WatchFigures {
  readonly migrations_baking: number;
  readonly workers: number;
  readonly breaches: number;
  readonly missed_breaches: number;
  readonly detect_to_rollback_p50_ms: number;
  readonly detect_to_rollback_p99_ms: number;
  readonly detect_to_rollback_max_ms: number;
  readonly peak_tail_sessions: number;
  readonly refused_tails: number;
  readonly list_calls_max_in_any_minute: number;
  readonly list_calls_total: number;
  readonly list_calls_per_minute_over_run: number;
  readonly quota_refused_list_calls: number;
  /** From the start of the servers and workers to the end of the last breach (and rebake): what list_calls_total is spread over. */
  readonly run_seconds: number;
  /** Seconds from the first request to every bake watched (read from its start by the log watch). */
  readonly seconds_until_all_watched: number;
  /** Per worker (MiB): RSS at the start of the bakes, once every bake was watched, at the peak, and the peak minus the start. */
  readonly worker_rss_baseline_mb: number[];
  readonly worker_rss_when_all_watched_mb: number[];
  readonly worker_peak_rss_mb: number[];
  readonly worker_rss_growth_mb: number[];
  readonly goals: Record<string, boolean>;
}

const progress = (text: string) => process.stderr.write(`bench watch: ${text}\n`);

export async function measureWatch(count: number, breaches = BREACHES, seed = SEED): Promise<WatchFigures> {
  const fleetStarted = Date.now();
  const fleet = await startBakeFleet({ count, first: 4000 });
  try {
    const rss = fleet.workers.map((w) => sampleRss(w.pid, 50));
    const started = Date.now();
    await fleet.startBakes();
    const watchedSeconds = (Date.now() - started) / 1000;
    const rssWatched = await Promise.all(fleet.workers.map((w) => rssMb(w.pid)));
    progress(`${count} bakes watched after ${round(watchedSeconds, 1)} s`);
    const random = seededRandom(seed + count);
    const breached = new Set<string>();
    let baking: MigrationSettings[] = [...fleet.migrations];
    const samples: number[] = [];
    let missed = 0;
    for (let i = 0; i < breaches && baking.length > 0; i++) {
      // A migration not breached yet when there is one, else any that is baking.
      const fresh = baking.filter((m) => !breached.has(m.name));
      const pool = fresh.length > 0 ? fresh : baking;
      const target = pool[Math.floor(random() * pool.length)] as MigrationSettings;
      breached.add(target.name);
      const [result] = await fleet.breach([target], { timeoutMs: MISSED_AFTER_MS });
      if (result?.ms === undefined) {
        missed++;
        baking = baking.filter((m) => m !== target);
        progress(`breach ${i + 1} at ${target.name}: MISSED (no rollback within ${MISSED_AFTER_MS} ms)`);
        continue;
      }
      samples.push(result.ms);
      progress(`breach ${i + 1} at ${target.name}: rollback PATCH after ${round(result.ms)} ms`);
      // Bakes again, so as many migrations are baking for the next breach.
      await fleet.rebake(target);
    }
    const runSeconds = (Date.now() - fleetStarted) / 1000;
    const memory = await Promise.all(rss.map((r) => r.stop()));
    // Every call the server received, the watch's first read when a worker took the lease at startup included.
    const logs = fleet.logging();
    const p99 = percentile(samples, 99);
    const figures = {
      migrations_baking: count,
      workers: fleet.workers.length,
      breaches: samples.length + missed,
      missed_breaches: missed,
      detect_to_rollback_p50_ms: percentile(samples, 50),
      detect_to_rollback_p99_ms: p99,
      detect_to_rollback_max_ms: round(Math.max(...samples)),
      peak_tail_sessions: logs.peakTailSessions,
      refused_tails: logs.refusedTails,
      list_calls_max_in_any_minute: logs.maxListCallsInAnyMinute,
      list_calls_total: logs.listCalls,
      list_calls_per_minute_over_run: round(logs.listCalls / Math.max(runSeconds / 60, 1 / 60)),
      quota_refused_list_calls: logs.quotaRefusedListCalls,
      run_seconds: round(runSeconds, 1),
      seconds_until_all_watched: round(watchedSeconds, 1),
      worker_rss_baseline_mb: memory.map((m) => round(m.baselineMb)),
      worker_rss_when_all_watched_mb: rssWatched.map((mb) => round(mb)),
      worker_peak_rss_mb: memory.map((m) => round(m.peakMb)),
      worker_rss_growth_mb: memory.map((m) => round(m.peakMb - m.baselineMb)),
    };
    return {
      ...figures,
      goals: {
        peak_tail_sessions_at_most_2: figures.peak_tail_sessions <= GOALS.peak_tail_sessions_at_most,
        list_calls_in_any_minute_below_60: figures.list_calls_max_in_any_minute < GOALS.list_calls_in_any_minute_below,
        no_missed_breaches: missed === GOALS.missed_breaches,
        detect_to_rollback_p99_below_250_ms: samples.length > 0 && p99 < GOALS.detect_to_rollback_p99_ms_below,
      },
    };
  } catch (error) {
    process.stderr.write(`${fleet.outputs()}\n`);
    throw error;
  } finally {
    await fleet.close();
  }
}

async function main(): Promise<void> {
  const runs: WatchFigures[] = [];
  for (const count of [50, 5]) {
    progress(`${count} migrations baking at once, 2 meshbot worker processes…`);
    runs.push(await measureWatch(count));
  }
  const result = {
    runs,
    all_goals_met: runs.every((r) => Object.values(r.goals).every(Boolean)),
    goals: GOALS,
    seed: SEED,
    machine: machine(),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

runWhenMain(import.meta.url, 'bench:watch', main);
