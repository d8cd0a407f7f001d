import { classifyEntry } from '../domain/logs/classify.js';
import type { ClassifiableEntry } from '../domain/logs/log-entry.js';
import { logsExplorerUrl, migrationLogFilter } from '../domain/logs/migration-filter.js';
import { addToTally, emptyTally, evaluateThresholds, mergeSuppressed, type Tally } from '../domain/logs/tally.js';
import type { Operation } from '../domain/operation/operation.js';
import { transition } from '../domain/operation/transitions.js';
import type { LogWatch } from '../logging/log-source.js';
import { breachMessage, healthyMessage } from '../slack/blocks/bake-report.js';
import { lockOf, vsLabel, type AppDeps, type MigrationSettings } from './deps.js';
import { MESHBOT_ACTOR } from '../domain/operation/operation.js';
import { startRollback } from './request-rollback.js';
import { advanceRun, stopRun } from './run-plan.js';
import { migrationOf } from './thread.js';

const SAVE_EVERY_MS = 1000;
/** insertIds remembered across a hand-over so entries counted before it are not counted twice. */
const REMEMBERED_IDS = 500;

export type BakeOutcome = 'healthy' | 'breached' | 'ended' | 'handed-over';

interface StoredTally {
  tally: Tally;
  recentIds: string[];
}

/**
 * The bake job: for the migration's bake window, tails its Envoy sidecar errors, counts them by
 * class and checks the thresholds on every batch. A breach rolls back at once (the rollback job,
 * ahead of other work) and reports in the thread and the incident channel; a clean window posts
 * "healthy" and offers the next step. Its deadline and counters live in Redis, so another worker
 * resumes it after a crash or a shutdown.
 */
export async function bakeOperation(deps: AppDeps, operationId: string): Promise<BakeOutcome> {
  const op = await deps.store.get(operationId);
  if (op?.bake?.status === 'breached') return resumeBreach(deps, op);
  if (!op?.bake || op.bake.status !== 'running') return 'ended';
  const migration = migrationOf(deps, op);
  if (!migration || !deps.logs) {
    await endBake(deps, op, 'interrupted', migration);
    return 'ended';
  }
  return new BakeRun(deps, op, migration).run();
}

class BakeRun {
  private readonly stored: StoredTally;
  private readonly counted: Set<string>;
  private readonly startedAt: string;
  private readonly filter: string;
  private watch: LogWatch | undefined;
  private lastSave = 0;
  private finished: ((outcome: BakeOutcome) => void) | undefined;
  private done = false;

  constructor(
    private readonly deps: AppDeps,
    private readonly op: Operation,
    private readonly migration: MigrationSettings,
  ) {
    const saved = op.bake?.tally as StoredTally | undefined;
    this.stored = saved?.tally ? saved : { tally: emptyTally(), recentIds: [] };
    this.counted = new Set(this.stored.recentIds);
    this.startedAt = op.bake?.startedAt ?? deps.now().toISOString();
    this.filter = migrationLogFilter({ projectId: deps.logs?.projectId, from: migration.from, to: migration.to, extra: migration.logFilter });
  }

  async run(): Promise<BakeOutcome> {
    const outcome = new Promise<BakeOutcome>((resolve) => (this.finished = resolve));
    let timer: NodeJS.Timeout | undefined;
    const onShutdown = () => void this.finish('handed-over');
    this.deps.shutdown?.addEventListener('abort', onShutdown, { once: true });
    try {
      const since = new Date(this.op.bake?.resumeFrom ?? this.startedAt);
      // The watch backfills from `since` before it resolves: a bake resumed after its deadline
      // still counts what was logged inside its window before it may call the step healthy.
      this.watch = await (this.deps.logs as NonNullable<AppDeps['logs']>).watch(this.filter, since, {
        onEntries: (entries) => this.count(entries),
        onSuppressed: (n) => mergeSuppressed(this.stored.tally, n),
      });
      if (this.done) this.watch.stop();
      else timer = setTimeout(() => void this.finish('healthy'), Math.max(0, Date.parse(this.op.bake?.deadline ?? this.startedAt) - this.deps.now().getTime()));
      return await outcome;
    } finally {
      clearTimeout(timer);
      this.deps.shutdown?.removeEventListener('abort', onShutdown);
      this.watch?.stop();
    }
  }

  private count(entries: ClassifiableEntry[]): void {
    if (this.done) return;
    const seenAt = this.deps.now().toISOString();
    for (const entry of entries) {
      if (entry.timestamp < this.startedAt || this.counted.has(entry.insertId)) continue;
      this.remember(entry.insertId);
      const classification = classifyEntry(entry);
      addToTally(this.stored.tally, classification, entry);
      this.deps.metrics?.logEntries.inc({ class: classification.kind === 'error' ? classification.classId : classification.kind });
    }
    const verdict = evaluateThresholds(this.stored.tally, this.migration.rollbackOn);
    if (verdict.breach) void this.finish('breached', verdict.reasons, seenAt);
    else void this.saveThrottled();
  }

  private remember(id: string): void {
    this.counted.add(id);
    this.stored.recentIds.push(id);
    if (this.stored.recentIds.length > REMEMBERED_IDS) this.stored.recentIds.splice(0, this.stored.recentIds.length - REMEMBERED_IDS);
  }

  private async saveThrottled(): Promise<void> {
    const now = Date.now();
    if (now - this.lastSave < SAVE_EVERY_MS) return;
    this.lastSave = now;
    await this.deps.store.mutate(this.op.id, (current) => transition(current, { type: 'bake-progress', at: this.deps.now().toISOString(), tally: this.snapshot(), resumeFrom: this.stored.tally.lastTimestamp }));
  }

  private snapshot(): StoredTally {
    return structuredClone(this.stored);
  }

  private async finish(outcome: BakeOutcome, reasons: string[] = [], detectedAt?: string): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.watch?.stop();
    try {
      if (outcome === 'handed-over') await this.saveForSuccessor();
      else if (outcome === 'breached') await this.breach(reasons, detectedAt);
      else await this.healthy();
    } finally {
      this.finished?.(outcome);
    }
  }

  private async saveForSuccessor(): Promise<void> {
    await this.deps.store.mutate(this.op.id, (current) => transition(current, { type: 'bake-progress', at: this.deps.now().toISOString(), tally: this.snapshot(), resumeFrom: this.stored.tally.lastTimestamp }));
  }

  private async breach(reasons: string[], detectedAt?: string): Promise<void> {
    const ended = await this.deps.store.mutate(this.op.id, (current) => transition(current, { type: 'bake-end', at: this.deps.now().toISOString(), status: 'breached', tally: this.snapshot(), reasons }));
    if (!ended.ok) return;
    const rollback = await startRollback(this.deps, this.migration, ended.value.after, MESHBOT_ACTOR, `bake breach: ${reasons.join('; ')}`, detectedAt);
    const report = breachMessage({
      operation: ended.value.after,
      virtualService: vsLabel(this.migration),
      tally: this.stored.tally,
      reasons: rollback.ok ? reasons : [...reasons, `rollback could not start: ${rollback.error}`],
      logsUrl: logsExplorerUrl(this.deps.logs?.projectId, this.filter, this.startedAt, this.deps.now().toISOString()),
    });
    await this.deps.notifier.post({ channel: this.op.channel, threadTs: this.op.threadTs, ...report });
    if (this.migration.incidentChannel) await this.deps.notifier.post({ channel: this.migration.incidentChannel, ...report });
    await stopRun(this.deps, ended.value.after, `the bake of ${this.op.percent}% breached: ${reasons.join('; ')}`);
  }

  private async healthy(): Promise<void> {
    const ended = await endBake(this.deps, this.op, 'healthy', this.migration, this.snapshot());
    if (!ended) return;
    const current = typeof this.op.percent === 'number' ? this.op.percent : 0;
    const next = this.op.kind === 'shift' ? this.migration.steps.find((step) => step > current) : undefined;
    await this.deps.notifier.post({ channel: this.op.channel, threadTs: this.op.threadTs, ...healthyMessage(ended, this.stored.tally, ended.viaRun ? undefined : next) });
    await advanceRun(this.deps, this.migration, ended);
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

async function endBake(deps: AppDeps, op: Operation, status: 'healthy' | 'interrupted', migration: MigrationSettings | undefined, tally?: StoredTally): Promise<Operation | undefined> {
  const ended = await deps.store.mutate(op.id, (current) => transition(current, { type: 'bake-end', at: deps.now().toISOString(), status, ...(tally ? { tally } : {}) }));
  if (migration) await deps.store.release(lockOf(migration), op.id);
  return ended.ok ? ended.value.after : undefined;
}
