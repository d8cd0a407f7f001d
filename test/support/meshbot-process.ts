import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BOT_TOKEN, SIGNING_SECRET } from './meshbot-stack.js';

const ROOT = join(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'dist/src/cli/meshbot.js');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

export interface MeshbotProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Runs the built `meshbot` bin as a child process, as operators run it. */
export function spawnMeshbot(verb: string, env: Record<string, string>): MeshbotProcess {
  const child = spawn(process.execPath, [BIN, verb], { env: { PATH: process.env.PATH ?? '', METADATA_SERVER_DETECTION: 'none', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

export async function waitForHttp(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

export interface LocalParts {
  readonly slackApiUrl: string;
  readonly redisUrl: string;
  readonly logs: { readonly projectId: string; readonly endpoint: string };
  /** The folder holding `kubeconfig` and `meshbot.yaml`. */
  readonly dir: string;
}

/** The environment a meshbot process needs to talk to the local servers, as an operator would set it. */
export function meshbotEnv(parts: LocalParts, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: parts.slackApiUrl,
    REDIS_URL: parts.redisUrl,
    KUBECONFIG: join(parts.dir, 'kubeconfig'),
    GCP_PROJECT: parts.logs.projectId,
    LOGGING_API_ENDPOINT: parts.logs.endpoint,
    MESHBOT_CONFIG: join(parts.dir, 'meshbot.yaml'),
    ...extra,
  };
}
