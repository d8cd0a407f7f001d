import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findOnPath } from '../../scripts/ensure-redis.js';

/**
 * The demo on a machine without redis-server: the PATH is a temp dir of links to what the demo
 * needs (Node 24 from the `node` devDependency), plus stand-in `apt-get`/`sudo` where a package
 * manager should be usable. The stand-ins record their arguments and "install" by linking the
 * real redis-server into the PATH, so this machine's packages never change.
 */
const ROOT = join(import.meta.dirname, '../..');
const NODE = join(ROOT, 'node_modules/node/bin/node');
const REAL_REDIS = process.env.REDIS_SERVER_BIN || findOnPath('redis-server') || '/usr/bin/redis-server';
const REAL_ENV = findOnPath('env') ?? '/usr/bin/env';
const IS_ROOT = process.getuid?.() === 0;
const SUDO = IS_ROOT ? '' : 'sudo ';

let bin: string;
let calls: string;

beforeEach(async () => {
  bin = await mkdtemp(join(tmpdir(), 'meshbot-fresh-path-'));
  calls = join(bin, 'calls.log');
  await symlink(NODE, join(bin, 'node'));
});
afterEach(async () => {
  await rm(bin, { recursive: true, force: true });
});

function runDemo(): { status: number | null; stdout: string; output: string } {
  expect(findOnPath('redis-server', bin), 'the PATH the demo gets has no redis-server').toBeUndefined();
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin, REDIS_URL: '' };
  delete env.REDIS_SERVER_BIN;
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/demo.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 85_000, env });
  return { status: run.status, stdout: run.stdout, output: run.stdout + run.stderr };
}

/** A shell script in the PATH dir that appends `name args…` to calls.log, then runs `body`. */
async function standIn(name: string, body: string): Promise<void> {
  const path = join(bin, name);
  await writeFile(path, `#!/bin/sh\necho "${name} $*" >> '${calls}'\n${body}\n`);
  await chmod(path, 0o755);
}

/** apt-get that "installs" redis-server by linking the real one into the PATH; sudo that runs its command (after -n). */
async function workingAptAndSudo(): Promise<void> {
  await standIn('apt-get', `case " $* " in *" install "*) /bin/ln -s '${REAL_REDIS}' '${join(bin, 'redis-server')}' ;; esac`);
  await standIn('sudo', '[ "$1" = "-n" ] && shift\n"$@"');
  await symlink(REAL_ENV, join(bin, 'env'));
}

const recorded = async (tool: string) => (await readFile(calls, 'utf8')).split('\n').filter((line) => line.startsWith(`${tool} `));

describe('npm run demo on a machine without redis-server', () => {
  it('with no package manager usable: exits non-zero at once and names the exact command for this system', { timeout: 30_000 }, () => {
    const run = runDemo();
    expect(run.status).toBe(1);
    expect(run.output).not.toContain('meshbot all is up');
    expect(run.output).toContain(`cannot install it here: ${expectedAdvice()}`);
  });

  it('with apt-get usable: installs redis-server, says so, and plays the demo to the end with exit 0', { timeout: 90_000 }, async () => {
    await workingAptAndSudo();
    const run = runDemo();
    expect(run.output).not.toContain('demo failed');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`redis-server is not on the PATH; installing it with apt-get: ${SUDO ? 'sudo -n ' : ''}env DEBIAN_FRONTEND=noninteractive apt-get update -qq`);
    expect(run.stdout).toContain(`installed redis-server: ${join(bin, 'redis-server')}`);
    expect(run.stdout).toContain('💚 Healthy: shift 10% for cr-gcpbackend-migration baked');
    expect(run.stdout).toContain('Rolled back automatically: cr-gcpbackend.com 10, cr-service-entry.com 90');
    expect(await recorded('apt-get')).toEqual(['apt-get update -qq', 'apt-get install -y -qq redis-server']);
    if (!IS_ROOT) expect((await recorded('sudo'))[0]).toBe('sudo -n true');
  });

  it('when apt-get fails: exits non-zero with the command to run by hand', { timeout: 30_000 }, async () => {
    await workingAptAndSudo();
    await standIn('apt-get', 'echo "E: Could not get lock /var/lib/dpkg/lock-frontend" >&2; exit 100');
    const run = runDemo();
    expect(run.status).toBe(1);
    expect(run.output).toContain('E: Could not get lock');
    expect(run.output).toContain(`could not install redis-server with apt-get: \`${SUDO ? 'sudo -n ' : ''}env DEBIAN_FRONTEND=noninteractive apt-get update -qq\` exited with 100. Run:\n\n  ${SUDO}apt-get update && ${SUDO}apt-get install -y redis-server\n`);
    expect(await recorded('apt-get')).toEqual(['apt-get update -qq']);
  });
});

/** What the demo must say on this machine: the apt-get command on Debian/Ubuntu (CI's system), else the step without a guessed command. */
function expectedAdvice(): string {
  const osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  if (process.platform === 'linux' && /^(ID|ID_LIKE)="?[^\n]*\b(debian|ubuntu)\b/m.test(osRelease)) {
    return `apt-get is not on the PATH. Run:\n\n  ${SUDO}apt-get update && ${SUDO}apt-get install -y redis-server\n\nthen \`npm run demo\` again`;
  }
  return 'the demo knows no package manager to install it with on this system';
}
