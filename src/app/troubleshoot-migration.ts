import { classifyEntry } from '../domain/logs/classify.js';
import { errorClass, type ErrorClassId } from '../domain/logs/error-classes.js';
import type { ClassifiableEntry } from '../domain/logs/log-entry.js';
import { logsExplorerUrl, migrationLogFilter } from '../domain/logs/migration-filter.js';
import { addToTally, emptyTally, type ClassTally } from '../domain/logs/tally.js';
import { deniedServices, proxyStatusCommand, trafficDirectorFix, type FilledCommand } from '../domain/troubleshoot.js';
import type { AppDeps, MigrationSettings, Reply } from './deps.js';
import { LogsThrottledError } from '../store/read-quota.js';

const WINDOW_MS = 60 * 60_000;
const MAX_ENTRIES = 5000;
/** Control-plane classes worth naming beside the permission denial. */
const CONTROL_PLANE: readonly ErrorClassId[] = ['xds-unavailable', 'xds-nack', 'tls-error'];

/**
 * `/mesh troubleshoot`: the Cloud Run sidecar checks of the docs. Permission denials from
 * Traffic Director in the last hour (with the exact grant that ends them), other control-plane
 * errors, and the CSDS proxy-status command with what is known filled in.
 */
export async function troubleshootMigration(deps: AppDeps, migration: MigrationSettings): Promise<Reply> {
  const end = deps.now();
  const since = new Date(end.getTime() - WINDOW_MS);
  const lines = [`*Troubleshooting ${migration.name}* — Cloud Run sidecars, the last hour`];
  if (!deps.logs) {
    lines.push('1. Permission denials: not checked — this meshbot process does not read Cloud Logging.');
  } else {
    const filter = migrationLogFilter({ projectId: deps.logs.projectId, from: migration.from, to: migration.to, extra: migration.logFilter });
    let entries: ClassifiableEntry[] | undefined;
    try {
      entries = await deps.logs.list(filter, since, MAX_ENTRIES);
    } catch (error) {
      if (error instanceof LogsThrottledError) lines.push(`1. Permission denials: not checked — ${error.message}.`);
      else lines.push(`1. Permission denials: not checked — could not read Cloud Logging (${(error as Error).message}). meshbot's Google service account needs roles/logging.viewer on the project.`);
    }
    if (entries) {
      const { denials, others } = tallyControlPlane(entries);
      lines.push(...denialLines(denials, deps.logs.projectId), ...otherLines(others));
      lines.push(`<${logsExplorerUrl(deps.logs.projectId, filter, since.toISOString(), end.toISOString())}|Logs Explorer>`);
    }
  }
  lines.push(...proxyStatusLines(migration.context));
  return { text: lines.join('\n') };
}

function tallyControlPlane(entries: readonly ClassifiableEntry[]): { denials: ClassTally | undefined; others: Map<ErrorClassId, number> } {
  const tally = emptyTally();
  for (const entry of entries) addToTally(tally, classifyEntry(entry), entry);
  const others = new Map<ErrorClassId, number>();
  for (const id of CONTROL_PLANE) {
    const count = tally.byClass[id]?.count ?? 0;
    if (count > 0) others.set(id, count);
  }
  return { denials: tally.byClass['td-permission-denied'], others };
}

function denialLines(denials: ClassTally | undefined, logsProject: string | undefined): string[] {
  if (denials === undefined) return ["1. ✅ No `Permission 'trafficdirector.networks.getConfigs' denied` in the last hour: the sidecars may read their configuration."];
  const sources = denials.sources ?? [];
  const services = deniedServices(sources);
  const from = services.length > 0 ? ` from Cloud Run ${services.length === 1 ? 'service' : 'services'} ${services.map(({ name, region }) => `${name}${region ? ` (${region})` : ''}`).join(', ')}` : '';
  return [
    `1. ❌ ${denials.count} × \`Permission 'trafficdirector.networks.getConfigs' denied\`${from}: the sidecar gets no configuration, so calls through the mesh fail.`,
    ...trafficDirectorFix(sources, logsProject).map((line) => `   ${line}`),
  ];
}

function otherLines(others: Map<ErrorClassId, number>): string[] {
  if (others.size === 0) return ['2. ✅ No other control-plane errors (xDS unavailable, config rejected, TLS) in the last hour.'];
  return ['2. Other control-plane errors:', ...[...others.entries()].map(([id, count]) => `   • ${count} × ${id} — ${errorClass(id).title}\n     ↳ ${errorClass(id).remedy}`)];
}

function proxyStatusLines(context: string | undefined): string[] {
  const status = proxyStatusCommand(context);
  return [
    `3. What the control plane sent each proxy (CSDS), for the cluster ${context ?? '(current context)'}:`,
    `   \`${status.command}\``,
    ...fillLines(status),
    '   Proxies whose configuration is not in sync, or was rejected, are the ones to look at; so are Cloud Run revisions missing from the list.',
  ];
}

function fillLines(command: FilledCommand): string[] {
  return command.fill.map((f) => `   ↳ ${f}`);
}
