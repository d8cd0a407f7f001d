import { err, ok, type Result } from '../domain/result.js';
import type { AppDeps, MigrationSettings } from './deps.js';

/**
 * The migration a command acts on: the named one, or the only one of this channel. A command
 * acts only in the migration's own channel, so a request can't be slipped in from elsewhere.
 */
export function resolveMigration(deps: AppDeps, channelId: string, name: string | undefined): Result<MigrationSettings, string> {
  const here = deps.migrations.filter((m) => m.channel === channelId);
  if (name !== undefined) {
    const named = deps.migrations.find((m) => m.name === name);
    if (!named) return err(`There is no migration named ${name}. ${listing(here)}`);
    if (named.channel !== channelId) return err(`Migration ${name} is run from <#${named.channel}>, not this channel.`);
    return ok(named);
  }
  if (here.length === 1) return ok(here[0] as MigrationSettings);
  if (here.length === 0) return err('No migration is configured for this channel. Add one to the migrations file (channel: this channel\'s id), or run the command in its channel.');
  return err(`This channel has several migrations; name one. ${listing(here)}`);
}

function listing(migrations: readonly MigrationSettings[]): string {
  return migrations.length === 0 ? 'This channel has none.' : `This channel has: ${migrations.map((m) => m.name).join(', ')}.`;
}
