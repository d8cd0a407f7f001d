/**
 * meshbot as operators run it (the built `meshbot bot|worker|all` bin, one process each),
 * wired to a stack's redis-server and local Slack/Kubernetes/Cloud Logging servers; and the
 * RSS of such a process, read from /proc.
 */
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { MigrationSettings } from '../src/app/deps.js';
import { BIN, freePort, spawnMeshbot, waitForHttp } from '../test/support/meshbot-process.js';
import { BOT_TOKEN, SIGNING_SECRET, type Stack } from '../test/support/meshbot-stack.js';

export interface ChildExit {
  readonly verb: string;
  readonly pid: number;
  readonly exitedByItself: boolean;
  readonly exitCode: number | null;
  readonly ms: number;
}

export interface ChildMeshbot {
  readonly pid: number;
  readonly port: number;
  /** Where Slack posts slash commands and clicks (bot and all only). */
  readonly eventsUrl: string;
  readonly output: () => string;
  /**
   * SIGTERM, then waits for the exit (running jobs finish or are handed over); SIGKILL after
   * `graceMs`. Says whether the process exited by itself, and how long that took.
   */
  stop(graceMs?: number): Promise<ChildExit>;
}

/** The migrations file equivalent to these settings (what startStack hands the in-process meshbot), but for durations: see `seconds`. */
export function migrationsYaml(migrations: readonly MigrationSettings[]): string {
  return stringify({
    migrations: migrations.map((m) => ({
      name: m.name,
      namespace: m.namespace,
      virtualService: m.virtualService,
      from: m.from,
      to: m.to,
      ...(m.gcpBackend ? { gcpBackend: m.gcpBackend } : {}),
      channel: m.channel,
      approvers: [...m.users, ...m.groups],
      requesters: [...m.requesters],
      allowSelfApproval: m.allowSelfApproval,
      ...(m.incidentChannel ? { incidentChannel: m.incidentChannel } : {}),
      steps: [...m.steps],
      bake: seconds(m.bakeMs),
      approvalTimeout: seconds(m.approvalTimeoutMs),
      rollbackOn: { errors: m.rollbackOn.errors, errorRate: m.rollbackOn.errorRate, classes: [...m.rollbackOn.classes] },
      autoAdvance: m.autoAdvance,
    })),
  });
}

/** The file takes whole seconds, at least 1 (a bake of 0 cannot be written: it becomes 1s). */
const seconds = (ms: number): string => `${Math.max(1, Math.round(ms / 1000))}s`;

export interface ChildOptions {
  /** Where the process finds the Slack Web API, if not at the stack's Slack server (e.g. through a proxy). */
  readonly slackApiUrl?: string;
  /** NODE_OPTIONS of the process, e.g. `--max-old-space-size=256` to size the heap as in a container. */
  readonly nodeOptions?: string;
  /** More environment variables for the process (e.g. MESHBOT_STALLED_INTERVAL_MS=2000); they win over the ones above. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Starts `meshbot <verb>` on the stack's servers and queue prefix; resolves once /healthz answers. */
export async function startChildMeshbot(verb: 'bot' | 'worker' | 'all', stack: Stack, migrations: readonly MigrationSettings[], options: ChildOptions = {}): Promise<ChildMeshbot> {
  await access(BIN).catch(() => {
    throw new Error(`${BIN} is missing: build meshbot first (npm run build)`);
  });
  const dir = await mkdtemp(join(tmpdir(), `meshbot-${verb}-`));
  await stack.kube.writeKubeconfig(join(dir, 'kubeconfig'));
  await writeFile(join(dir, 'meshbot.yaml'), migrationsYaml(migrations));
  const port = await freePort();
  const child = spawnMeshbot(verb, {
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: options.slackApiUrl ?? stack.slack.apiUrl,
    REDIS_URL: stack.redis.url,
    KUBECONFIG: join(dir, 'kubeconfig'),
    GCP_PROJECT: stack.logs.projectId,
    LOGGING_API_ENDPOINT: stack.logs.endpoint,
    MESHBOT_CONFIG: join(dir, 'meshbot.yaml'),
    MESHBOT_QUEUE_PREFIX: stack.queuePrefix,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    ...(options.nodeOptions ? { NODE_OPTIONS: options.nodeOptions } : {}),
    ...options.env,
  });
  const exitedEarly = child.exited.then((code) => {
    throw new Error(`meshbot ${verb} exited with ${String(code)} before it was ready:\n${child.output()}`);
  });
  await Promise.race([waitForHttp(`http://127.0.0.1:${port}/healthz`, 30_000), exitedEarly]);
  exitedEarly.catch(() => undefined);
  return {
    pid: child.child.pid as number,
    port,
    eventsUrl: `http://127.0.0.1:${port}/slack/events`,
    output: child.output,
    async stop(graceMs = 20_000) {
      const started = Date.now();
      if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const exitCode = await Promise.race([child.exited, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)))]);
      clearTimeout(timer);
      if (exitCode === 'timeout') {
        child.child.kill('SIGKILL');
        await child.exited;
      }
      await rm(dir, { recursive: true, force: true });
      return { verb, pid: child.child.pid as number, exitedByItself: exitCode !== 'timeout', exitCode: exitCode === 'timeout' ? null : exitCode, ms: Date.now() - started };
    },
  };
}

/** Resident set size of a process in MiB (Linux /proc). */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb) / 1024;
}

/** Samples a process's RSS every `everyMs` until stopped; reports the baseline (first sample) and the peak. */
export function sampleRss(pid: number, everyMs = 20): { stop(): Promise<{ baselineMb: number; peakMb: number; samples: number }> } {
  let baselineMb: number | undefined;
  let peakMb = 0;
  let samples = 0;
  let reading = Promise.resolve();
  const read = () => {
    reading = rssMb(pid).then(
      (mb) => {
        baselineMb ??= mb;
        peakMb = Math.max(peakMb, mb);
        samples++;
      },
      () => undefined,
    );
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await reading;
      read();
      await reading;
      return { baselineMb: baselineMb ?? Number.NaN, peakMb, samples };
    },
  };
}
