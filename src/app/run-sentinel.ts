import { classifyEntry } from '../domain/logs/classify.js';
import { errorClass, type ErrorClassId } from '../domain/logs/error-classes.js';
import { logsExplorerUrl, migrationLogFilter } from '../domain/logs/migration-filter.js';
import { escapeMrkdwn } from '../slack/blocks/block-kit.js';
import type { SentinelStore } from '../store/sentinel-store.js';
import { lockOf, type AppDeps, type MigrationSettings } from './deps.js';

/** At most one notice per class per migration in this window. */
export const NOTICE_WINDOW_SECONDS = 15 * 60;
const FIRST_LOOK_BACK_MS = 2 * 60_000;
const MAX_ENTRIES = 2000;

/**
 * The sentinel job (scheduled every minute): outside bakes, control-plane errors of each
 * migration — first of all the Traffic Director permission denial — go to its incident channel,
 * aggregated, at most one message per class per 15 minutes.
 */
export async function runSentinel(deps: AppDeps, sentinel: SentinelStore): Promise<void> {
  for (const migration of deps.migrations) {
    if (!migration.incidentChannel || !deps.logs) continue;
    const holder = await deps.store.holderOf(lockOf(migration));
    if (holder?.bake?.status === 'running') continue; // the bake reports these itself
    await scan(deps, sentinel, migration);
    await notify(deps, sentinel, migration);
  }
}

async function scan(deps: AppDeps, sentinel: SentinelStore, migration: MigrationSettings): Promise<void> {
  const checkpoint = await sentinel.checkpoint(migration.name);
  const since = checkpoint ? new Date(Date.parse(checkpoint) + 1) : new Date(deps.now().getTime() - FIRST_LOOK_BACK_MS);
  const entries = await (deps.logs as NonNullable<AppDeps['logs']>).list(filterOf(deps, migration), since, MAX_ENTRIES);
  const found = new Map<ErrorClassId, { count: number; samples: string[] }>();
  let newest = checkpoint;
  for (const entry of entries) {
    if (!newest || entry.timestamp > newest) newest = entry.timestamp;
    const classification = classifyEntry(entry);
    if (classification.kind !== 'error' || errorClass(classification.classId).plane !== 'control') continue;
    const seen = found.get(classification.classId) ?? { count: 0, samples: [] };
    seen.count++;
    if (seen.samples.length < 3) seen.samples.push(classification.sample);
    found.set(classification.classId, seen);
  }
  for (const [classId, seen] of found) await sentinel.addPending(migration.name, classId, seen.count, seen.samples);
  if (newest && newest !== checkpoint) await sentinel.setCheckpoint(migration.name, newest);
}

async function notify(deps: AppDeps, sentinel: SentinelStore, migration: MigrationSettings): Promise<void> {
  const pending = await sentinel.pending(migration.name);
  for (const [classId, count] of Object.entries(pending)) {
    if (count <= 0 || !(await sentinel.claimNotice(migration.name, classId, NOTICE_WINDOW_SECONDS))) continue;
    const taken = await sentinel.takePending(migration.name, classId);
    const cls = errorClass(classId as ErrorClassId);
    const end = deps.now();
    const link = logsExplorerUrl(deps.logs?.projectId, filterOf(deps, migration), new Date(end.getTime() - NOTICE_WINDOW_SECONDS * 1000).toISOString(), end.toISOString());
    const text = [
      `⚠️ *${migration.name}*: ${taken.count} × \`${classId}\` — ${cls.title} (outside any bake).`,
      `*Remedy:* ${cls.remedy}`,
      taken.samples.length > 0 ? `\`\`\`${taken.samples.map(escapeMrkdwn).join('\n')}\`\`\`` : '',
      `<${link}|Logs Explorer> · next notice for this class at the earliest in 15 minutes, with the count since.`,
    ].filter((line) => line !== '').join('\n');
    await deps.notifier.post({ channel: migration.incidentChannel as string, text });
  }
}

function filterOf(deps: AppDeps, migration: MigrationSettings): string {
  return migrationLogFilter({ projectId: deps.logs?.projectId, from: migration.from, to: migration.to, extra: migration.logFilter });
}
