/**
 * Starts bench/bare-bolt-app.ts as a process of its own (as `meshbot bot` runs in bench/ack.ts),
 * with the bot token and signing secret the stack's meshbot has and the stack's Slack server.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, waitForHttp } from '../test/support/meshbot-process.js';
import { BOT_TOKEN, SIGNING_SECRET } from '../test/support/meshbot-stack.js';

const ROOT = join(import.meta.dirname, '..');
const APP = join(import.meta.dirname, 'bare-bolt-app.ts');

export interface BareBolt {
  readonly pid: number;
  /** Where Slack posts slash commands and clicks. */
  readonly eventsUrl: string;
  /** SIGTERM, SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export async function startBareBolt(slackApiUrl: string): Promise<BareBolt> {
  const port = await freePort();
  const env = { PATH: process.env.PATH ?? '', SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slackApiUrl, PORT: String(port) };
  // tsx compiles the file once at load; the requests run Bolt's own JavaScript, as in meshbot's built bin.
  const child = spawn(process.execPath, ['--import', 'tsx', APP], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const exitedEarly = exited.then((code) => {
    throw new Error(`the bare Bolt app exited with ${String(code)} before it was ready:\n${output}`);
  });
  try {
    await Promise.race([waitForHttp(`http://127.0.0.1:${port}/healthz`, 30_000), exitedEarly]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  exitedEarly.catch(() => undefined);
  return {
    pid: child.pid as number,
    eventsUrl: `http://127.0.0.1:${port}/slack/events`,
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    },
  };
}
