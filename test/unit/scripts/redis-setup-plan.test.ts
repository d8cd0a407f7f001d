import { describe, expect, it } from 'vitest';
import { distroWords, installFailedMessage, installingMessage, planRedisServer, tellMessage, type HostFacts, type RedisPlan } from '../../../scripts/redis-setup-plan.js';

const DEBIAN = ['debian'];
const UBUNTU = ['ubuntu', 'debian'];

function host(overrides: Partial<Omit<HostFacts, 'onPath'>> & { onPath?: string[] } = {}): HostFacts {
  const { onPath = [], ...rest } = overrides;
  return { platform: 'linux', distro: DEBIAN, isRoot: false, sudoWithoutPassword: false, ...rest, onPath: new Set(onPath) };
}

const APT_UPDATE = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update', '-qq'];
const APT_INSTALL = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', 'redis-server'];
const SUDO_APT = 'sudo apt-get update && sudo apt-get install -y redis-server';
const ROOT_APT = 'apt-get update && apt-get install -y redis-server';

describe('planRedisServer', () => {
  it('uses the redis-server on the PATH, whatever else the machine has', () => {
    expect(planRedisServer(host({ onPath: ['redis-server', 'apt-get'], isRoot: true }))).toEqual({ kind: 'use' });
    expect(planRedisServer(host({ platform: 'darwin', distro: [], onPath: ['redis-server'] }))).toEqual({ kind: 'use' });
  });

  it('installs with apt-get directly as root on Debian, updating the package lists first', () => {
    expect(planRedisServer(host({ onPath: ['apt-get'], isRoot: true }))).toEqual({ kind: 'install', manager: 'apt-get', steps: [APT_UPDATE, APT_INSTALL], command: ROOT_APT });
  });

  it('installs with apt-get through passwordless sudo on Ubuntu', () => {
    const plan = planRedisServer(host({ distro: UBUNTU, onPath: ['apt-get', 'sudo'], sudoWithoutPassword: true }));
    expect(plan).toEqual({ kind: 'install', manager: 'apt-get', steps: [['sudo', '-n', ...APT_UPDATE], ['sudo', '-n', ...APT_INSTALL]], command: SUDO_APT });
  });

  it('takes apt-get on the PATH for a Debian derivative os-release does not name', () => {
    expect(planRedisServer(host({ distro: ['linuxmint'], onPath: ['apt-get'], isRoot: true }))).toMatchObject({ kind: 'install', manager: 'apt-get' });
  });

  it('tells the sudo command when sudo asks for a password', () => {
    expect(planRedisServer(host({ onPath: ['apt-get', 'sudo'] }))).toEqual({ kind: 'tell', reason: 'sudo asks for a password (`sudo -n true` failed)', command: SUDO_APT });
  });

  it('tells the sudo command when the user is not root and there is no sudo', () => {
    expect(planRedisServer(host({ onPath: ['apt-get'], sudoWithoutPassword: true }))).toEqual({ kind: 'tell', reason: 'this user is not root and sudo is not on the PATH', command: SUDO_APT });
  });

  it('tells the apt-get command, without sudo for root, when apt-get is not on the PATH of a Debian machine', () => {
    expect(planRedisServer(host({ isRoot: true }))).toEqual({ kind: 'tell', reason: 'apt-get is not on the PATH', command: ROOT_APT });
    expect(planRedisServer(host({ onPath: ['sudo'], sudoWithoutPassword: true }))).toEqual({ kind: 'tell', reason: 'apt-get is not on the PATH', command: SUDO_APT });
  });

  it('installs with brew on macOS when brew is on the PATH', () => {
    expect(planRedisServer(host({ platform: 'darwin', distro: [], onPath: ['brew'] }))).toEqual({ kind: 'install', manager: 'brew', steps: [['brew', 'install', 'redis']], command: 'brew install redis' });
  });

  it('tells macOS without Homebrew to install it and then brew install redis', () => {
    expect(planRedisServer(host({ platform: 'darwin', distro: [] }))).toEqual({ kind: 'tell', reason: 'Homebrew (brew) is not on the PATH; install it from https://brew.sh first', command: 'brew install redis' });
  });

  it('never runs brew as root, which Homebrew refuses', () => {
    expect(planRedisServer(host({ platform: 'darwin', distro: [], onPath: ['brew'], isRoot: true }))).toEqual({ kind: 'tell', reason: 'Homebrew does not run as root', command: 'brew install redis' });
  });

  it('prefers a usable apt-get to brew on Linux, and uses brew where apt-get cannot run', () => {
    expect(planRedisServer(host({ onPath: ['apt-get', 'sudo', 'brew'], sudoWithoutPassword: true }))).toMatchObject({ kind: 'install', manager: 'apt-get' });
    expect(planRedisServer(host({ onPath: ['apt-get', 'sudo', 'brew'] }))).toMatchObject({ kind: 'install', manager: 'brew' });
    expect(planRedisServer(host({ distro: ['fedora'], onPath: ['brew'] }))).toMatchObject({ kind: 'install', manager: 'brew' });
  });

  it('names the system and no guessed command where it knows no package manager', () => {
    expect(planRedisServer(host({ distro: ['fedora'], onPath: ['sudo'], sudoWithoutPassword: true }))).toEqual({ kind: 'tell', reason: 'the demo knows no package manager to install it with on this system (linux, fedora)' });
    expect(planRedisServer(host({ platform: 'win32', distro: [] }))).toEqual({ kind: 'tell', reason: 'the demo knows no package manager to install it with on this system (win32)' });
  });

  it('does not treat apt-get as usable off Linux', () => {
    expect(planRedisServer(host({ platform: 'freebsd', distro: [], onPath: ['apt-get'], isRoot: true }))).toMatchObject({ kind: 'tell' });
  });
});

describe('distroWords', () => {
  it('reads ID and ID_LIKE, quoted or not, lower-cased', () => {
    const ubuntu = 'PRETTY_NAME="Ubuntu 24.04 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=noble\n';
    expect(distroWords(ubuntu)).toEqual(['ubuntu', 'debian']);
    expect(distroWords('ID="rocky"\nID_LIKE="rhel centos Fedora"\nVERSION_ID="9.4"')).toEqual(['rocky', 'rhel', 'centos', 'fedora']);
  });

  it('finds nothing in an empty or unrelated file', () => {
    expect(distroWords('')).toEqual([]);
    expect(distroWords('VERSION_ID=12\nIDENTITY=x\n')).toEqual([]);
  });
});

describe('messages', () => {
  const install = planRedisServer(host({ onPath: ['apt-get', 'sudo'], sudoWithoutPassword: true })) as Extract<RedisPlan, { kind: 'install' }>;

  it('says what it runs before installing', () => {
    expect(installingMessage(install)).toBe(
      'redis-server is not on the PATH; installing it with apt-get: sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server',
    );
  });

  it('names the exact command to run when it cannot install', () => {
    const tell = planRedisServer(host({ onPath: ['apt-get', 'sudo'] })) as Extract<RedisPlan, { kind: 'tell' }>;
    expect(tellMessage(tell)).toBe(
      'the demo needs redis-server, which is not on the PATH, and cannot install it here: sudo asks for a password (`sudo -n true` failed). Run:\n\n  sudo apt-get update && sudo apt-get install -y redis-server\n\nthen `npm run demo` again (or set REDIS_URL to a Redis you run).',
    );
  });

  it('names the missing step where there is no command to give', () => {
    const tell = planRedisServer(host({ platform: 'win32', distro: [] })) as Extract<RedisPlan, { kind: 'tell' }>;
    expect(tellMessage(tell)).toBe(
      'the demo needs redis-server, which is not on the PATH, and cannot install it here: the demo knows no package manager to install it with on this system (win32). Install Redis with the system\'s package manager so that `redis-server` is on the PATH, then run `npm run demo` again (or set REDIS_URL to a Redis you run).',
    );
  });

  it('gives the command to run by hand when the install failed', () => {
    expect(installFailedMessage(install, '`sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -qq` exited with 100')).toBe(
      'could not install redis-server with apt-get: `sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -qq` exited with 100. Run:\n\n  sudo apt-get update && sudo apt-get install -y redis-server\n\nthen `npm run demo` again (or set REDIS_URL to a Redis you run).',
    );
  });
});
