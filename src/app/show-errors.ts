import { classifyEntry } from '../domain/logs/classify.js';
import { errorClass } from '../domain/logs/error-classes.js';
import { remediesByCause } from '../domain/logs/remedies.js';
import { logsExplorerUrl, migrationLogFilter } from '../domain/logs/migration-filter.js';
import { addToTally, emptyTally } from '../domain/logs/tally.js';
import type { AppDeps, MigrationSettings, Reply } from './deps.js';
import { recentRates } from './recent-rates.js';
import { LogsThrottledError } from '../store/read-quota.js';

const MAX_ENTRIES = 5000;

/** `/mesh errors [--since 30m]`: the migration's Envoy sidecar errors by class, with remedies. */
export async function showErrors(deps: AppDeps, migration: MigrationSettings, sinceSeconds: number): Promise<Reply> {
  if (!deps.logs) return { text: 'This meshbot process does not read Cloud Logging (no log source configured).' };
  const end = deps.now();
  const since = new Date(end.getTime() - sinceSeconds * 1000);
  const filter = migrationLogFilter({ projectId: deps.logs.projectId, from: migration.from, to: migration.to, extra: migration.logFilter });
  let entries;
  const rates = recentRates(deps, migration);
  try {
    entries = await deps.logs.list(filter, since, MAX_ENTRIES);
  } catch (error) {
    if (error instanceof LogsThrottledError) return { text: `*${migration.name}*: errors not read, so this is no all-clear — ${error.message}.\n${await rates}` };
    return { text: `Could not read Cloud Logging: ${(error as Error).message}. Check that meshbot's Google service account has roles/logging.viewer on the project.\n${await rates}` };
  }
  const tally = emptyTally();
  for (const entry of entries) addToTally(tally, classifyEntry(entry), entry);
  const window = `the last ${formatSeconds(sinceSeconds)}`;
  const link = `<${logsExplorerUrl(deps.logs.projectId, filter, since.toISOString(), end.toISOString())}|Logs Explorer>`;
  // The same order and remedies as a rollback report: the classes that would roll back first, the Traffic Director grant filled in.
  const remedies = remediesByCause(tally, migration.rollbackOn.classes, deps.logs.projectId);
  if (remedies.length === 0) return { text: `*${migration.name}*: no Envoy sidecar errors in ${window}. ${link}\n${await rates}` };
  const lines = remedies.map((r) => `• *${r.count} × ${r.classId}* — ${errorClass(r.classId).title}\n   ↳ ${r.lines.join('\n   ')}`);
  const capped = entries.length >= MAX_ENTRIES ? ` (first ${MAX_ENTRIES} entries)` : '';
  return { text: [`*${migration.name}*: Envoy sidecar errors in ${window}${capped} — ${tally.errors} counted.`, ...lines, link, await rates].join('\n') };
}

function formatSeconds(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
