import { err, ok, type Result } from '../domain/result.js';
import { migrationsPath, readEnv } from './env.js';
import { loadMigrationsFile } from './migrations-file.js';
import type { Config } from './types.js';

export type { Config } from './types.js';

/**
 * The environment and the migrations file, checked together so one message lists every
 * problem: the file is read even when other variables are wrong.
 */
export async function loadConfig(env: Readonly<Record<string, string | undefined>>): Promise<Result<Config, string>> {
  const environment = readEnv(env);
  const path = environment.ok ? environment.value.configPath : migrationsPath(env);
  const file = await loadMigrationsFile(path);
  if (environment.ok && file.ok) return ok({ env: environment.value, file: file.value });
  return err(
    problemReport([
      { heading: 'Environment variables:', problems: environment.ok ? [] : environment.error },
      { heading: `Migrations file (MESHBOT_CONFIG=${path}):`, problems: file.ok ? [] : file.error },
    ]),
  );
}

function problemReport(sections: readonly { heading: string; problems: readonly string[] }[]): string {
  const count = sections.reduce((n, section) => n + section.problems.length, 0);
  const lines = sections.filter((section) => section.problems.length > 0).flatMap((section) => [section.heading, ...section.problems.map(bullet)]);
  return [`meshbot cannot start: ${count} configuration problem${count === 1 ? '' : 's'}.`, ...lines].join('\n');
}

/** Continuation lines (a YAML example) are indented under their bullet. */
function bullet(problem: string): string {
  return `  - ${problem.replaceAll('\n', '\n    ')}`;
}
