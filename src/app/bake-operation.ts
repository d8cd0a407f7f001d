import { logsExplorerUrl, migrationLogFilter } from '../domain/logs/migration-filter.js';
import { emptyTally, evaluateThresholds, type RollbackOn, type Tally } from '../domain/logs/tally.js';
import { addRecordToTally, streamIdAfter, type FeedRecord } from '../domain/watch/feed-record.js';
import { bakeSubjectId, type WatchSubject } from '../domain/watch/watch-subject.js';
import type { BakeJudging, Operation } from '../domain/operation/operation.js';
import { transition } from '../domain/operation/transitions.js';
import { breachReasons } from '../domain/rates/describe-verdict.js';
import type { RateVerdict } from '../domain/rates/judge-rates.js';
import { lockOf, type AppDeps, type MigrationSettings } from './deps.js';
import { MESHBOT_ACTOR } from '../domain/operation/operation.js';
import { startRollback } from './request-rollback.js';
import { BakeRates, chooseJudging, judgingNotice, logRules } from './bake-rates.js';
import { reportBreach, reportHealthy, reportInconclusive, reportExtension, reportUnread } from './bake-reports.js';
import { migrationOf, postInThread } from './thread.js';
import type { BakeBasis } from '../slack/blocks/bake-report.js';
import type { Reversion } from '../domain/operation/operation.js';
import { stepDifference } from '../domain/gitops/step-live.js';
import { describeReversion, reversionOf } from '../domain/gitops/reversion.js';
import type { VirtualServiceLike } from '../domain/virtual-service.js';
import { VIRTUAL_SERVICES } from '../kube/custom-objects.js';
import type { WatchHandle } from '../kube/watch-object.js';
import { reportReverted } from './report-reverted.js';
import { liveVirtualService } from './live-virtual-service.js';

const SAVE_EVERY_MS = 1000;
/** Past its deadline, a bake waits this often for the log watch to confirm it has read the bake's start. */
const READY_CHECK_MS = 500;
/** How long past its last possible end a bake waits for the log watch to have read it, before it ends unread. */
const UNREAD_AFTER_MS = 60_000;
/** How often a bake makes sure the log watch still knows it. */
const SUBJECT_HEARTBEAT_MS = 2000;
/** Kept after the bake's last possible end, so a subject whose worker died at the end is dropped by the watcher. */
const SUBJECT_MARGIN_MS = 10 * 60_000;

export type BakeOutcome = 'healthy' | 'breached' | 'inconclusive' | 'unread' | 'reverted' | 'ended' | 'handed-over';

interface StoredTally {
  tally: Tally;
  /** Where in the bake's log stream the tally got to: a bake resumed elsewhere reads on from here, so nothing counts twice. */
  cursor?: string;
  /** The log watch has read everything logged since the bake started (its backfill is in). */
  ready?: boolean;
  /** Older bakes' de-duplication (before the shared log watch); kept so their stored state still reads. */
  recentIds?: string[];
}

/**
 * The bake job: for the migration's bake window, tails its Envoy sidecar errors (zero-tolerance
 * classes and the count rule roll back at once) and, unless it is judged on logs alone, judges
 * Cloud Monitoring rates window by window once their data is complete. A breach rolls back at
 * once and reports in the thread and the incident channel; the end posts healthy or
 * inconclusive. Its deadline, counters and how it is judged live in Redis, so another worker
 * resumes it after a crash or a shutdown.
 */
export async function bakeOperation(deps: AppDeps, operationId: string): Promise<BakeOutcome> {
  const op = await deps.store.get(operationId);
  if (op?.bake?.status === 'breached') return resumeBreach(deps, op);
  if (!op?.bake || op.bake.status !== 'running') return 'ended';
  const migration = migrationOf(deps, op);
  if (!migration || !deps.logFeed) {
    await endBake(deps, op, 'interrupted', migration);
    return 'ended';
  }
  const judged = op.bake.judging ? op : await recordJudging(deps, op, migration);
  if (!judged) return 'ended';
  return new BakeRun(deps, judged, migration).run();
}

/** Decides (once per bake) what it is judged on, records it, and says so in the thread. */
async function recordJudging(deps: AppDeps, op: Operation, migration: MigrationSettings): Promise<Operation | undefined> {
  const judging = await chooseJudging(deps, migration);
  const recorded = await deps.store.mutate(op.id, (current) => transition(current, { type: 'bake-judging', at: deps.now().toISOString(), judging }));
  if (!recorded.ok) return undefined;
  await postInThread(deps, recorded.value.after, judgingNotice(recorded.value.after, migration, judging));
  return recorded.value.after;
}

class BakeRun {
  private readonly stored: StoredTally;
  private readonly startedAt: string;
  private readonly filter: string;
  private readonly rates: BakeRates;
  private judging: BakeJudging;
  private rules: RollbackOn;
  private deadlineMs: number;
  private following: { stop(): void } | undefined;
  private stepWatch: WatchHandle | undefined;
  private reversion: { reversion: Reversion; vs: VirtualServiceLike | undefined } | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastSave = 0;
  private finished: ((outcome: BakeOutcome) => void) | undefined;
  private done = false;

  constructor(
    private readonly deps: AppDeps,
    private readonly op: Operation,
    private readonly migration: MigrationSettings,
  ) {
    const saved = op.bake?.tally as StoredTally | undefined;
    this.stored = saved?.tally ? { ...saved, recentIds: [] } : { tally: emptyTally() };
    this.startedAt = op.bake?.startedAt ?? deps.now().toISOString();
    this.filter = migrationLogFilter({ projectId: deps.logs?.projectId, from: migration.from, to: migration.to, extra: migration.logFilter });
    this.judging = op.bake?.judging ?? { mode: 'logs', why: 'not recorded' };
    this.rules = logRules(migration, this.judging);
    this.deadlineMs = Date.parse(op.bake?.deadline ?? this.startedAt);
    this.rates = new BakeRates(deps, migration, Date.parse(this.startedAt));
  }

  async run(): Promise<BakeOutcome> {
    const outcome = new Promise<BakeOutcome>((resolve) => (this.finished = resolve));
    const onShutdown = () => void this.finish('handed-over');
    this.deps.shutdown?.addEventListener('abort', onShutdown, { once: true });
    try {
      // The project's log watch writes this bake's entries to its stream (backfilled from its
      // start, then live); the bake reads on from where its tally got to.
      const feed = this.deps.logFeed as NonNullable<AppDeps['logFeed']>;
      this.following = await feed.follow(this.subject(), this.stored.cursor ?? '0-0', (records, ids) => this.count(records, ids));
      this.heartbeat = setInterval(() => void this.keepRegistered(feed), SUBJECT_HEARTBEAT_MS);
      this.watchStep();
      if (this.done) this.following.stop();
      else if (this.judging.mode === 'metrics') void this.lookAtRates();
      else this.endAtDeadline();
      return await outcome;
    } finally {
      clearTimeout(this.timer);
      clearInterval(this.heartbeat);
      this.deps.shutdown?.removeEventListener('abort', onShutdown);
      this.following?.stop();
      this.stepWatch?.stop();
    }
  }

  /**
   * A step the cluster no longer holds (a GitOps controller or a hand edit put other weights
   * back) is not judged: the VirtualService is watched from the resourceVersion the apply wrote,
   * and the bake ends `reverted` the moment the routes it touched differ from what it applied.
   */
  private watchStep(): void {
    const watcher = this.deps.watcher?.(this.migration);
    if (!watcher || !this.op.applied) return;
    const ref = { namespace: this.migration.namespace, name: this.migration.virtualService };
    this.stepWatch = watcher.watchObject(VIRTUAL_SERVICES, ref, this.op.patched?.resourceVersion, (vs) => this.checkStillApplied(vs));
  }

  private checkStillApplied(vs: VirtualServiceLike | undefined): void {
    if (!this.done && this.undoneIn(vs)) void this.finish('reverted');
  }

  /** Read back before a verdict on the step: a revert the watch has not delivered yet must not be called healthy (or inconclusive). */
  private async undoneMeanwhile(): Promise<boolean> {
    const vs = await liveVirtualService(this.deps, this.migration);
    // The API did not answer: the watch has been on it all along.
    return vs !== 'unknown' && this.undoneIn(vs);
  }

  /** Whether `vs` no longer holds what the step applied; if so, records when and by whom for the report. */
  private undoneIn(vs: VirtualServiceLike | undefined): boolean {
    const difference = this.op.applied ? stepDifference(vs, this.op.applied) : undefined;
    if (difference) this.reversion = { reversion: reversionOf(vs, difference, this.deps.now().toISOString()), vs };
    return difference !== undefined;
  }

  /**
   * A Redis that restarted without its last writes may have lost the bake's registration: put it
   * back, and wait again for the watch to read the bake from its start before calling it healthy.
   */
  private async keepRegistered(feed: NonNullable<AppDeps['logFeed']>): Promise<void> {
    if (this.done) return;
    const lost = await feed.register(this.subject()).catch(() => false);
    if (lost && !this.done) this.stored.ready = false;
  }

  private subject(): WatchSubject {
    const lastEnd = Math.max(this.deadlineMs, this.rates.maxDeadlineMs());
    return { id: bakeSubjectId(this.op.id), kind: 'bake', migration: this.migration.name, from: this.migration.from, to: this.migration.to, extra: this.migration.logFilter, since: this.startedAt, until: new Date(lastEnd + SUBJECT_MARGIN_MS).toISOString() };
  }

  /**
   * At the deadline, healthy only once the log watch confirmed it read the bake from its start
   * to its deadline (a throttled or failing backfill is not "no errors"); without that a minute
   * past the bake's last possible end, it ends unread.
   */
  private endAtDeadline(): void {
    this.schedule(this.deadlineMs, () => void this.endWhenRead());
  }

  private async endWhenRead(): Promise<void> {
    if (this.done) return;
    if (await this.readToDeadline()) return void this.finish('healthy');
    if (this.deps.now().getTime() >= Math.max(this.deadlineMs, this.rates.maxDeadlineMs()) + UNREAD_AFTER_MS) return void this.finish('unread');
    this.schedule(this.deps.now().getTime() + READY_CHECK_MS, () => void this.endWhenRead());
  }

  /** The log watch read this bake from its start to its deadline, and what it wrote is counted (a breach in it ends the bake first). */
  private async readToDeadline(): Promise<boolean> {
    const feed = this.deps.logFeed as NonNullable<AppDeps['logFeed']>;
    if (!this.stored.ready) return false;
    const watermark = await feed.watermark();
    if (!watermark || Date.parse(watermark) < this.deadlineMs) return false;
    const rest = await feed.read(bakeSubjectId(this.op.id), this.stored.cursor ?? '0-0');
    this.count(rest.records, rest.ids);
    return !this.done;
  }

  private schedule(atMs: number, then: () => void): void {
    clearTimeout(this.timer);
    if (!this.done) this.timer = setTimeout(then, Math.max(0, atMs - this.deps.now().getTime()));
  }

  /** One look at the windows complete now; then the next, when the next window's data is in. */
  private async lookAtRates(): Promise<void> {
    if (this.done) return;
    let look;
    try {
      look = await this.rates.look(this.deadlineMs);
    } catch (error) {
      return this.fallBackToLogs((error as Error).message);
    }
    const verdict = look.verdict;
    if (verdict?.status === 'breach') return this.finish('breached', breachReasons(verdict, this.hostNames()), this.deps.now().toISOString(), verdict);
    if (verdict?.status === 'healthy') return this.finish('healthy', [], undefined, verdict);
    if (verdict?.status === 'inconclusive') return this.extendOrEnd(verdict);
    if (look.nextLookMs !== undefined) this.schedule(look.nextLookMs, () => void this.lookAtRates());
  }

  private async extendOrEnd(verdict: RateVerdict): Promise<void> {
    const maxDeadline = this.rates.maxDeadlineMs();
    if (this.deadlineMs >= maxDeadline) return this.finish('inconclusive', [], undefined, verdict);
    const extended = await this.deps.store.mutate(this.op.id, (current) => transition(current, { type: 'bake-extend', at: this.deps.now().toISOString(), deadline: new Date(maxDeadline).toISOString(), note: 'not enough evidence yet' }));
    if (!extended.ok || this.done) return;
    this.deadlineMs = maxDeadline;
    await reportExtension(this.deps, extended.value.after, this.migration, verdict, this.hostNames());
    void this.lookAtRates();
  }

  /** Cloud Monitoring failed: the rest of this bake is judged on logs alone, with the count rule, and the thread says why. */
  private async fallBackToLogs(why: string): Promise<void> {
    if (this.done) return;
    this.judging = { mode: 'logs', why };
    this.rules = logRules(this.migration, this.judging);
    const recorded = await this.deps.store.mutate(this.op.id, (current) => transition(current, { type: 'bake-judging', at: this.deps.now().toISOString(), judging: this.judging }));
    if (recorded.ok) await postInThread(this.deps, recorded.value.after, `⚠️ ${judgingNotice(recorded.value.after, this.migration, this.judging)}`);
    this.count([], []);
    this.endAtDeadline();
  }

  /** What the report says the bake was judged on: the rate verdict, or why logs alone. */
  private basis(verdict: RateVerdict | undefined): BakeBasis {
    return { rates: verdict ? { verdict, hosts: this.hostNames() } : undefined, logsOnly: this.judging.mode === 'logs' ? this.judging.why : undefined };
  }

  private hostNames() {
    return { from: this.rates.analysis.fromService, to: this.rates.analysis.toService };
  }

  /** Counts records past the stored cursor (the live follower and the end-of-bake read may hand on the same ones). */
  private count(records: readonly FeedRecord[], ids: readonly string[]): void {
    if (this.done) return;
    const seenAt = this.deps.now().toISOString();
    for (const [i, record] of records.entries()) {
      const id = ids[i] as string;
      if (this.stored.cursor && !streamIdAfter(id, this.stored.cursor)) continue;
      this.stored.cursor = id;
      addRecordToTally(this.stored.tally, record, this.startedAt);
      if (record.k === 'r') this.stored.ready = true;
      this.countMetric(record);
    }
    const verdict = evaluateThresholds(this.stored.tally, this.rules);
    if (verdict.breach) void this.finish('breached', verdict.reasons, seenAt);
    else void this.saveThrottled();
  }

  private countMetric(record: FeedRecord): void {
    const counter = this.deps.metrics?.logEntries;
    if (!counter) return;
    if (record.k === 'e') counter.inc({ class: record.c });
    else if (record.k === 'q') {
      if (record.ok > 0) counter.inc({ class: 'success' }, record.ok);
      if (record.ig > 0) counter.inc({ class: 'ignored' }, record.ig);
    }
  }

  private async saveThrottled(): Promise<void> {
    const now = Date.now();
    if (now - this.lastSave < SAVE_EVERY_MS) return;
    this.lastSave = now;
    await this.saveProgress();
  }

  private async saveProgress(): Promise<void> {
    await this.deps.store.mutate(this.op.id, (current) => transition(current, { type: 'bake-progress', at: this.deps.now().toISOString(), tally: this.snapshot(), resumeFrom: this.stored.tally.lastTimestamp }));
  }

  private snapshot(): StoredTally {
    return structuredClone(this.stored);
  }

  private async finish(outcome: BakeOutcome, reasons: string[] = [], detectedAt?: string, verdict?: RateVerdict): Promise<void> {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.following?.stop();
    this.stepWatch?.stop();
    if ((outcome === 'healthy' || outcome === 'inconclusive') && (await this.undoneMeanwhile())) outcome = 'reverted';
    if (outcome !== 'handed-over') this.deps.metrics?.bakeVerdicts.inc({ verdict: outcome, judged: this.judging.mode });
    try {
      if (outcome === 'handed-over') return await this.saveProgress();
      if (outcome === 'breached') await this.breach(reasons, detectedAt, verdict);
      else if (outcome === 'unread') await this.endUnread();
      else if (outcome === 'reverted') await this.endReverted();
      else await this.end(outcome === 'inconclusive' ? 'inconclusive' : 'healthy', verdict);
      await this.deps.logFeed?.forget(bakeSubjectId(this.op.id));
    } finally {
      this.finished?.(outcome);
    }
  }

  private async breach(reasons: string[], detectedAt: string | undefined, verdict: RateVerdict | undefined): Promise<void> {
    const ended = await this.deps.store.mutate(this.op.id, (current) => transition(current, { type: 'bake-end', at: this.deps.now().toISOString(), status: 'breached', tally: this.snapshot(), reasons, ...(verdict ? { verdict } : {}) }));
    if (!ended.ok) return;
    const rollback = await startRollback(this.deps, this.migration, ended.value.after, MESHBOT_ACTOR, `bake breach: ${reasons.join('; ')}`, detectedAt);
    await reportBreach(this.deps, this.migration, ended.value.after, {
      tally: this.stored.tally,
      reasons: rollback.ok ? reasons : [...reasons, `rollback could not start: ${rollback.error}`],
      logsUrl: logsExplorerUrl(this.deps.logs?.projectId, this.filter, this.startedAt, this.deps.now().toISOString()),
      ...this.basis(verdict),
    });
  }

  private async end(status: 'healthy' | 'inconclusive', verdict: RateVerdict | undefined): Promise<void> {
    const ended = await endBake(this.deps, this.op, status, this.migration, this.snapshot(), verdict);
    if (!ended) return;
    const basis = this.basis(verdict);
    if (status === 'inconclusive' && basis.rates) await reportInconclusive(this.deps, this.migration, ended, basis.rates);
    else await reportHealthy(this.deps, this.migration, ended, this.stored.tally, basis);
  }

  private async endReverted(): Promise<void> {
    const { reversion, vs } = this.reversion as NonNullable<BakeRun['reversion']>;
    const ended = await endBake(this.deps, this.op, 'reverted', this.migration, this.snapshot(), undefined, reversion);
    if (ended) await reportReverted(this.deps, this.migration, ended, reversion, vs);
  }

  private async endUnread(): Promise<void> {
    const ended = await endBake(this.deps, this.op, 'inconclusive', this.migration, this.snapshot());
    if (ended) await reportUnread(this.deps, ended);
  }
}

/** Crashed between recording the breach and starting the rollback: the step still holds its VirtualService, so start it. */
async function resumeBreach(deps: AppDeps, op: Operation): Promise<BakeOutcome> {
  const migration = migrationOf(deps, op);
  const holder = migration ? await deps.store.holderOf(lockOf(migration)) : undefined;
  if (migration && holder?.id === op.id && op.state === 'applied') {
    await startRollback(deps, migration, op, MESHBOT_ACTOR, `bake breach: ${(op.bake?.reasons ?? []).join('; ')}`);
  }
  return 'breached';
}

async function endBake(deps: AppDeps, op: Operation, status: 'healthy' | 'inconclusive' | 'interrupted' | 'reverted', migration: MigrationSettings | undefined, tally?: StoredTally, verdict?: RateVerdict, reverted?: Reversion): Promise<Operation | undefined> {
  const note = reverted ? `reverted: ${describeReversion(reverted, op.applied?.kind === 'mirror' ? 'mirror' : 'weights')}` : undefined;
  const ended = await deps.store.mutate(op.id, (current) => transition(current, { type: 'bake-end', at: deps.now().toISOString(), status, ...(tally ? { tally } : {}), ...(verdict ? { verdict } : {}), ...(reverted ? { reverted, note } : {}) }));
  if (migration) await deps.store.release(lockOf(migration), op.id);
  return ended.ok ? ended.value.after : undefined;
}
