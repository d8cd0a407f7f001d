/**
 * The demo's redis-server: the one on the PATH, or one installed now with the system's package
 * manager (apt-get as root or through passwordless sudo, brew), as scripts/redis-setup-plan.ts
 * decides. Where it cannot be installed here, fails with the exact command to run.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { isExecutable } from '../test/harness/redis-server.js';
import { distroWords, installFailedMessage, installingMessage, planRedisServer, tellMessage, type HostFacts } from './redis-setup-plan.js';

const TOOLS = ['redis-server', 'apt-get', 'sudo', 'brew'];

/** The path of a redis-server to run, installing one first where the plan says so; else throws with what to run. */
export function ensureRedisServer(say: (text: string) => void): string {
  if (process.env.REDIS_SERVER_BIN) return process.env.REDIS_SERVER_BIN;
  const plan = planRedisServer(hostFacts());
  if (plan.kind === 'tell') throw new Error(tellMessage(plan));
  if (plan.kind === 'use') return findOnPath('redis-server') ?? 'redis-server';
  say(installingMessage(plan));
  for (const step of plan.steps) {
    const failure = run(step);
    if (failure) throw new Error(installFailedMessage(plan, failure));
  }
  const installed = findOnPath('redis-server');
  if (!installed) throw new Error(installFailedMessage(plan, `${plan.manager} finished but redis-server is still not on the PATH`));
  say(`installed redis-server: ${installed}\n`);
  return installed;
}

function hostFacts(): HostFacts {
  const onPath = new Set(TOOLS.filter((tool) => findOnPath(tool)));
  const isRoot = process.getuid?.() === 0;
  // Only asked where it matters, so a machine that needs no sudo never runs it.
  const sudoWithoutPassword = !isRoot && !onPath.has('redis-server') && onPath.has('sudo') && onPath.has('apt-get') && run(['sudo', '-n', 'true'], 'ignore') === undefined;
  return { platform: process.platform, distro: process.platform === 'linux' ? distroWords(readOsRelease()) : [], onPath, isRoot, sudoWithoutPassword };
}

function readOsRelease(): string {
  try {
    return readFileSync('/etc/os-release', 'utf8');
  } catch {
    return '';
  }
}

/** Runs a command to its end, its output the user's to see; undefined on success, else what went wrong. */
function run(argv: readonly string[], output: 'inherit' | 'ignore' = 'inherit'): string | undefined {
  const [command = '', ...args] = argv;
  const result = spawnSync(command, args, { stdio: ['ignore', output, output] });
  if (result.error) return `${command} did not start: ${result.error.message}`;
  if (result.status !== 0) return `\`${argv.join(' ')}\` exited with ${result.status ?? result.signal}`;
  return undefined;
}

/** Like `which`: the first executable of that name in a PATH directory. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  return path.split(delimiter).filter(Boolean).map((dir) => join(dir, name)).find(isExecutable);
}
