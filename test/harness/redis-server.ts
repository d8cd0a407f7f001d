import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Launches a real, throwaway `redis-server` on 127.0.0.1 with its own data directory. */
export interface RedisOptions {
  /** Persist every write to an append-only file, so data survives restart() and kill(). Default false. */
  appendonly?: boolean;
  /** Path of the redis-server binary. Default: $REDIS_SERVER_BIN, then PATH, then the usual install locations. */
  redisServerPath?: string;
  /** How long to wait for PING to answer. Default 10 s. */
  startTimeoutMs?: number;
  /** More `--option value` arguments for redis-server. */
  extraArgs?: string[];
}

export interface RedisInstance {
  /** redis://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** The data directory (removed by stop()). */
  readonly dir: string;
  /** Shuts redis down and removes its directory; the instance cannot be restarted afterwards. */
  stop(): Promise<void>;
  /** Shuts redis down cleanly and starts it again on the same port and directory. */
  restart(): Promise<void>;
  /** SIGKILLs redis (a crash); restart() brings it back, stop() cleans up. */
  kill(): Promise<void>;
}

const INSTALL_HINT = 'install it with `apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS), or set REDIS_SERVER_BIN';
const FALLBACK_LOCATIONS = ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/opt/homebrew/bin/redis-server'];
const PORT_ATTEMPTS = 5;

export async function startRedis(options: RedisOptions = {}): Promise<RedisInstance> {
  const binary = findRedisServer(options.redisServerPath);
  const dir = await mkdtemp(join(tmpdir(), 'meshbot-redis-'));
  liveDirs.add(dir);
  try {
    const { child, port } = await launchOnFreePort(binary, dir, options);
    return new RedisProcess(binary, dir, port, child, options);
  } catch (error) {
    liveDirs.delete(dir);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

class RedisProcess implements RedisInstance {
  private stopped = false;

  constructor(
    private readonly binary: string,
    readonly dir: string,
    readonly port: number,
    private child: ChildProcess | undefined,
    private readonly options: RedisOptions,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.terminate('SIGTERM');
    liveDirs.delete(this.dir);
    await rm(this.dir, { recursive: true, force: true });
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error('redis harness: cannot restart a stopped instance (stop() removed its directory)');
    await this.terminate('SIGTERM');
    this.child = await launchOnSamePort(this.binary, this.dir, this.port, this.options);
  }

  async kill(): Promise<void> {
    await this.terminate('SIGKILL');
  }

  private async terminate(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child) await stopChild(child, signal);
  }
}

/** Looks in $REDIS_SERVER_BIN, PATH (like `which`), then the usual install locations. */
function findRedisServer(explicit: string | undefined): string {
  const requested = explicit ?? process.env.REDIS_SERVER_BIN;
  if (requested) {
    if (isExecutable(requested)) return requested;
    throw new Error(`redis harness: ${requested} is not an executable redis-server; ${INSTALL_HINT}`);
  }
  const onPath = (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'redis-server'));
  const found = [...onPath, ...FALLBACK_LOCATIONS].find(isExecutable);
  if (!found) throw new Error(`redis harness: redis-server not found on PATH or in ${FALLBACK_LOCATIONS.join(', ')}; ${INSTALL_HINT}`);
  return found;
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

class PortInUseError extends Error {}

/** A port picked by binding to 0 may be taken again before redis binds it: pick another then. */
async function launchOnFreePort(binary: string, dir: string, options: RedisOptions): Promise<{ child: ChildProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return { child: await launch(binary, dir, port, options), port };
    } catch (error) {
      if (!(error instanceof PortInUseError) || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

/** restart() must keep its port, so wait for whoever holds it for a while instead. */
async function launchOnSamePort(binary: string, dir: string, port: number, options: RedisOptions): Promise<ChildProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(binary, dir, port, options);
    } catch (error) {
      if (!(error instanceof PortInUseError) || attempt >= PORT_ATTEMPTS) throw error;
      await sleep(200 * attempt);
    }
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('redis harness: could not pick a free port');
  return address.port;
}

async function launch(binary: string, dir: string, port: number, options: RedisOptions): Promise<ChildProcess> {
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--appendonly', options.appendonly ? 'yes' : 'no',
    '--protected-mode', 'no',
    '--daemonize', 'no',
    '--logfile', '',
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  const output = captureOutput(child);
  try {
    await waitUntilReady(child, port, options.startTimeoutMs ?? 10_000, output);
    return child;
  } catch (error) {
    await stopChild(child, 'SIGKILL');
    throw error;
  }
}

async function waitUntilReady(child: ChildProcess, port: number, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = output();
      const message = `redis harness: redis-server exited (${child.exitCode ?? child.signalCode}) on port ${port}:\n${log}`;
      throw /Address already in use/i.test(log) ? new PortInUseError(message) : new Error(message);
    }
    if (await answersPing(port)) return;
    await sleep(20);
  }
  throw new Error(`redis harness: redis-server did not answer PING on port ${port} within ${timeoutMs} ms:\n${output()}`);
}

/** A raw RESP PING; a server still loading its data answers -LOADING, which is not ready. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const finish = (ready: boolean): void => {
      socket.destroy();
      resolve(ready);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => finish(data.toString('utf8').startsWith('+PONG')));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
  });
}

function captureOutput(child: ChildProcess): () => string {
  let log = '';
  const append = (chunk: Buffer): void => {
    log = (log + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => log;
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** No redis outlives the test process, and no directory either, even if a test forgets stop(). */
const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  // The launcher must never be what keeps a test process alive; the exit hook kills the child.
  child.unref();
  (child.stdout as Socket | null)?.unref();
  (child.stderr as Socket | null)?.unref();
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const live of liveChildren) live.kill('SIGKILL');
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  });
}
