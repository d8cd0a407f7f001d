import type { MigrationsConfig } from './migrations-file.js';
import { loadMigrationsFile } from './migrations-file.js';
import { readEnv, type EnvConfig } from './read-env.js';
import { err, ok, type Result } from '../domain/result.js';

export interface Config {
  readonly env: EnvConfig;
  readonly file: MigrationsConfig;
}

/** The environment and the migrations file, checked; one message listing every problem. */
export async function loadConfig(env: Readonly<Record<string, string | undefined>>): Promise<Result<Config, string>> {
  const environment = readEnv(env);
  if (!environment.ok) return err(['meshbot cannot start; fix the environment:', ...environment.error.map((p) => `  - ${p}`)].join('\n'));
  const file = await loadMigrationsFile(environment.value.configPath);
  if (!file.ok) return err(['meshbot cannot start; fix the migrations file:', ...file.error.map((p) => `  - ${p}`)].join('\n'));
  return ok({ env: environment.value, file: file.value });
}
