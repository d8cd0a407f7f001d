import { errorClass, type ErrorClassId } from '../domain/logs/error-classes.js';
import type { RemedyFacts } from '../domain/logs/remedy-facts.js';
import { trafficDirectorFix } from '../domain/troubleshoot.js';
import { sentinelSubjectId } from '../domain/watch/watch-subject.js';
import type { LogFeed } from '../logging/log-feed.js';
import { logsExplorerUrl, migrationLogFilter } from '../domain/logs/migration-filter.js';
import { escapeMrkdwn } from '../slack/blocks/block-kit.js';
import type { SentinelStore } from '../store/sentinel-store.js';
import { lockOf, type AppDeps, type MigrationSettings } from './deps.js';

/** At most one notice per class per migration in this window. */
export const NOTICE_WINDOW_SECONDS = 15 * 60;

/**
 * The sentinel job (scheduled every minute): outside bakes, control-plane errors of each
 * migration — first of all the Traffic Director permission denial — go to its incident channel,
 * aggregated, at most one message per class per 15 minutes. It reads what the project's log
 * watch wrote for the migration (control-plane errors only), not Cloud Logging itself.
 */
export async function runSentinel(deps: AppDeps, sentinel: SentinelStore): Promise<void> {
  for (const migration of deps.migrations) {
    if (!migration.incidentChannel || !deps.logFeed) continue;
    const holder = await deps.store.holderOf(lockOf(migration));
    if (holder?.bake?.status === 'running') continue; // the bake reports these itself
    await scan(deps.logFeed, sentinel, migration);
    await notify(deps, sentinel, migration);
  }
}

async function scan(feed: LogFeed, sentinel: SentinelStore, migration: MigrationSettings): Promise<void> {
  const cursor = await sentinel.cursor(migration.name);
  const read = await feed.read(sentinelSubjectId(migration.name), cursor);
  const found = new Map<ErrorClassId, { count: number; samples: string[]; facts: RemedyFacts[] }>();
  for (const record of read.records) {
    if (record.k !== 'e') continue;
    const seen = found.get(record.c) ?? { count: 0, samples: [], facts: [] };
    seen.count++;
    if (seen.samples.length < 3) seen.samples.push(record.s);
    if (record.f && seen.facts.length < 5) seen.facts.push(record.f);
    found.set(record.c, seen);
  }
  for (const [classId, seen] of found) await sentinel.addPending(migration.name, classId, seen.count, seen.samples, seen.facts);
  if (read.cursor !== cursor) await sentinel.setCursor(migration.name, read.cursor);
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
      // The Traffic Director grant with the project of the denied resource and the services filled in, as in a rollback report.
      `*Remedy:* ${classId === 'td-permission-denied' ? trafficDirectorFix(taken.facts, deps.logs?.projectId).join('\n') : cls.remedy}`,
      taken.samples.length > 0 ? `\`\`\`${taken.samples.map(escapeMrkdwn).join('\n')}\`\`\`` : '',
      `<${link}|Logs Explorer> · next notice for this class at the earliest in 15 minutes, with the count since.`,
    ].filter((line) => line !== '').join('\n');
    await deps.notifier.post({ channel: migration.incidentChannel as string, text });
  }
}

function filterOf(deps: AppDeps, migration: MigrationSettings): string {
  return migrationLogFilter({ projectId: deps.logs?.projectId, from: migration.from, to: migration.to, extra: migration.logFilter });
}
