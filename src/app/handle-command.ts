import { helpForVerb, helpText } from '../domain/command/command-usage.js';
import type { MeshCommand } from '../domain/command/mesh-command.js';
import { abortRequest } from './abort-request.js';
import type { Actor, AppDeps, Reply } from './deps.js';
import { requestChange } from './request-change.js';
import { requestRollback } from './request-rollback.js';
import { resolveMigration } from './resolve-migration.js';
import { requestFinalize } from './request-finalize.js';
import { showPlan, startRun } from './run-plan.js';
import { showErrors } from './show-errors.js';
import { showStatus } from './show-status.js';
import { requestMeshObject } from './request-mesh-object.js';
import { troubleshootMigration } from './troubleshoot-migration.js';
import { validateMigration } from './validate-migration.js';

/** One entry for every `/mesh` command, whatever the transport (Slack listener, tests). */
export async function handleCommand(deps: AppDeps, command: MeshCommand, actor: Actor): Promise<Reply> {
  switch (command.kind) {
    case 'help':
      return { text: command.topic ? helpForVerb(command.topic) : helpText() };
    case 'list':
      return listMigrations(deps, actor);
    case 'export':
    case 'register':
      return requestMeshObject(deps, command, actor);
    default:
      break;
  }
  const migration = resolveMigration(deps, actor.channelId, command.migration);
  if (!migration.ok) return { text: migration.error };
  switch (command.kind) {
    case 'status':
      return showStatus(deps, migration.value);
    case 'shift':
    case 'mirror':
      return requestChange(deps, migration.value, command.kind, command.percent, actor, { override: command.override });
    case 'rollback':
      return requestRollback(deps, migration.value, actor);
    case 'abort':
      return abortRequest(deps, migration.value, actor);
    case 'errors':
      return showErrors(deps, migration.value, command.sinceSeconds);
    case 'plan':
      return showPlan(deps, migration.value);
    case 'run':
      return startRun(deps, migration.value, actor);
    case 'finalize':
      return requestFinalize(deps, migration.value, actor, command.override);
    case 'validate':
      return validateMigration(deps, migration.value, actor);
    case 'troubleshoot':
      return troubleshootMigration(deps, migration.value);
  }
}

function listMigrations(deps: AppDeps, actor: Actor): Reply {
  const here = deps.migrations.filter((m) => m.channel === actor.channelId);
  const others = deps.migrations.length - here.length;
  if (here.length === 0) return { text: `No migration is configured for this channel${others > 0 ? ` (${others} elsewhere)` : ''}.` };
  const lines = here.map((m) => `• *${m.name}* — \`${m.namespace}/${m.virtualService}\`: ${m.from} → ${m.to} · cluster: ${m.context ?? 'current context'}`);
  return { text: [`Migrations in this channel:`, ...lines].join('\n') };
}
