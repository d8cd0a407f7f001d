/**
 * What the demo does about redis-server, decided from facts about the machine alone (no I/O
 * here; scripts/ensure-redis.ts gathers the facts and carries the plan out): use the one on the
 * PATH, install it with the system's package manager when that can run unattended, or tell the
 * user the exact command to run.
 */

export interface HostFacts {
  /** process.platform: 'linux', 'darwin', … */
  readonly platform: string;
  /** The ID and ID_LIKE words of /etc/os-release, lower-case (empty where there is none). */
  readonly distro: readonly string[];
  /** Which of redis-server, apt-get, sudo and brew are on the PATH. */
  readonly onPath: ReadonlySet<string>;
  readonly isRoot: boolean;
  /** `sudo -n true` succeeded: sudo runs without asking for a password. */
  readonly sudoWithoutPassword: boolean;
}

export type RedisPlan =
  | { readonly kind: 'use' }
  /** `steps` are run one after the other; `command` is what to run by hand should they fail. */
  | { readonly kind: 'install'; readonly manager: 'apt-get' | 'brew'; readonly steps: readonly (readonly string[])[]; readonly command: string }
  | { readonly kind: 'tell'; readonly reason: string; readonly command?: string };

const APT_STEPS = [
  ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update', '-qq'],
  ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', 'redis-server'],
];
const BREW_COMMAND = 'brew install redis';
const OR_REDIS_URL = ' (or set REDIS_URL to a Redis you run).';

export function planRedisServer(facts: HostFacts): RedisPlan {
  const has = (tool: string) => facts.onPath.has(tool);
  if (has('redis-server')) return { kind: 'use' };
  const apt = isDebianLike(facts);
  const sudo = !facts.isRoot && has('sudo') && facts.sudoWithoutPassword;
  if (apt && has('apt-get') && (facts.isRoot || sudo)) {
    const steps = APT_STEPS.map((step) => (facts.isRoot ? step : ['sudo', '-n', ...step]));
    return { kind: 'install', manager: 'apt-get', steps, command: aptCommand(facts.isRoot) };
  }
  if (has('brew') && !facts.isRoot) return { kind: 'install', manager: 'brew', steps: [BREW_COMMAND.split(' ')], command: BREW_COMMAND };
  if (apt) return { kind: 'tell', reason: whyAptCannotRun(facts), command: aptCommand(facts.isRoot) };
  if (facts.platform === 'darwin') {
    const reason = has('brew') ? 'Homebrew does not run as root' : 'Homebrew (brew) is not on the PATH; install it from https://brew.sh first';
    return { kind: 'tell', reason, command: BREW_COMMAND };
  }
  return { kind: 'tell', reason: `the demo knows no package manager to install it with on this system (${systemName(facts)})` };
}

/** Debian, Ubuntu and their derivatives, or any system with apt-get on the PATH. */
function isDebianLike(facts: HostFacts): boolean {
  if (facts.platform !== 'linux') return false;
  return facts.onPath.has('apt-get') || facts.distro.some((word) => word === 'debian' || word === 'ubuntu');
}

function whyAptCannotRun(facts: HostFacts): string {
  if (!facts.onPath.has('apt-get')) return 'apt-get is not on the PATH';
  if (!facts.onPath.has('sudo')) return 'this user is not root and sudo is not on the PATH';
  return 'sudo asks for a password (`sudo -n true` failed)';
}

function aptCommand(isRoot: boolean): string {
  const sudo = isRoot ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}apt-get install -y redis-server`;
}

function systemName(facts: HostFacts): string {
  return facts.distro.length > 0 ? `${facts.platform}, ${facts.distro.join(' ')}` : facts.platform;
}

/** The ID and ID_LIKE words of an /etc/os-release file's text. */
export function distroWords(osRelease: string): string[] {
  const words: string[] = [];
  for (const line of osRelease.split('\n')) {
    const match = /^(?:ID|ID_LIKE)=(.*)$/.exec(line.trim());
    if (match?.[1]) words.push(...match[1].replace(/^["']|["']$/g, '').toLowerCase().split(/\s+/).filter(Boolean));
  }
  return words;
}

/** What the demo says before it installs: the commands as a person would type them. */
export function installingMessage(plan: Extract<RedisPlan, { kind: 'install' }>): string {
  return `redis-server is not on the PATH; installing it with ${plan.manager}: ${plan.steps.map((step) => step.join(' ')).join(' && ')}`;
}

/** What the demo says when it cannot install redis-server itself: the step to take, exactly. */
export function tellMessage(plan: Extract<RedisPlan, { kind: 'tell' }>): string {
  const step = plan.command ? `Run:\n\n  ${plan.command}\n\nthen` : 'Install Redis with the system\'s package manager so that `redis-server` is on the PATH, then run';
  return `the demo needs redis-server, which is not on the PATH, and cannot install it here: ${plan.reason}. ${step} \`npm run demo\` again${OR_REDIS_URL}`;
}

/** What the demo says when the package manager ran but redis-server is still missing. */
export function installFailedMessage(plan: Extract<RedisPlan, { kind: 'install' }>, failure: string): string {
  return `could not install redis-server with ${plan.manager}: ${failure}. Run:\n\n  ${plan.command}\n\nthen \`npm run demo\` again${OR_REDIS_URL}`;
}
