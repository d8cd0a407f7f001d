import { compileLogFilter, FilterSyntaxError } from '../domain/logs/filter/compile-log-filter.js';
import { err, ok, type Result } from '../domain/result.js';
import { migrationsPath, readEnv } from './env.js';
import { loadMigrationsFile } from './migrations-file.js';
import type { Config, MigrationsConfig } from './types.js';
import { isLoopbackEndpoint } from '../google/grpc-endpoint.js';

export type { Config } from './types.js';

/**
 * The environment and the migrations file, checked together so one message lists every
 * problem: the file is read even when other variables are wrong.
 */
export async function loadConfig(env: Readonly<Record<string, string | undefined>>): Promise<Result<Config, string>> {
  const environment = readEnv(env);
  const path = environment.ok ? environment.value.configPath : migrationsPath(env);
  const file = await loadMigrationsFile(path);
  const filters = file.ok ? logFilterProblems(file.value) : [];
  const together = environment.ok && file.ok ? windowProblems(file.value, environment.value.monitoringEndpoint) : [];
  if (environment.ok && file.ok && filters.length === 0 && together.length === 0) return ok({ env: environment.value, file: file.value });
  return err(
    problemReport([
      { heading: 'Environment variables:', problems: environment.ok ? [] : environment.error },
      { heading: `Migrations file (MESHBOT_CONFIG=${path}):`, problems: file.ok ? [...filters, ...together] : file.error },
    ]),
  );
}

/**
 * Cloud Monitoring aligns at 60 s at least: a shorter `analysis.window` is refused unless the
 * metrics come from a local MetricService (MONITORING_API_ENDPOINT on loopback: the demo, tests).
 */
function windowProblems(file: MigrationsConfig, monitoringEndpoint: string | undefined): string[] {
  if (isLoopbackEndpoint(monitoringEndpoint)) return [];
  return file.migrations.flatMap((m, i) => {
    const windowMs = m.analysis?.windowMs ?? 60_000;
    return windowMs < 60_000 ? [`migrations[${i}].analysis.window: must be at least 1m: Cloud Monitoring aligns metrics at 60 s at least (got ${windowMs / 1000}s); shorter windows work only against a local MetricService (MONITORING_API_ENDPOINT on 127.0.0.1)`] : [];
  });
}

/**
 * A migration's `logFilter` is also evaluated by meshbot itself, on the entries a shared log
 * watch fans out to the migrations, so it must parse: refused at start, naming where it goes wrong.
 */
function logFilterProblems(file: MigrationsConfig): string[] {
  return file.migrations.flatMap((m, i) => {
    if (m.logFilter === undefined) return [];
    try {
      compileLogFilter(m.logFilter);
      return [];
    } catch (error) {
      if (!(error instanceof FilterSyntaxError)) throw error;
      const shown = JSON.stringify(m.logFilter);
      return [`migrations[${i}].logFilter (migration "${m.name}"): is not a Cloud Logging query meshbot can read: ${error.message} of the filter${shown.length <= 80 ? ` (got ${shown})` : ''}`];
    }
  });
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
