import { setDefaultHighWaterMark } from 'node:stream';
import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../observability/logger.js';
import { startMeshbot, type Roles, type RuntimeSettings } from '../runtime/start-meshbot.js';
import { ListenError } from '../runtime/listen-error.js';
import type { Config } from '../config/load-config.js';
import { UsageError, type CliIo } from './cli-io.js';

const ROLES: Record<string, Roles> = { bot: { bot: true, worker: false }, worker: { bot: false, worker: true }, all: { bot: true, worker: true } };

/**
 * Object-mode streams buffer 16 objects by default; a TailLogEntries response can hold a
 * thousand entries, so while the log watch pauses its stream to write a batch, each stage of the
 * gRPC client held up to 16 of them (tens of MB in a burst). Two is enough to keep it busy.
 */
const OBJECT_STREAM_BUFFER = 2;

const FAILED_START_EXIT_MS = 1000;

/** `meshbot bot|worker|all`: runs until SIGTERM or SIGINT, then stops taking work, finishes or hands over jobs, and exits 0. */
export function serveVerb(role: keyof typeof ROLES) {
  return async (args: string[], io: CliIo): Promise<void> => {
    if (args.length > 0) throw new UsageError(`meshbot ${role} takes no arguments; configure it with environment variables (see the README).`);
    const config = await loadConfig(io.env);
    if (!config.ok) throw new UsageError(config.error);
    const logger = createLogger(config.value.env.logLevel);
    if (ROLES[role]?.worker) setDefaultHighWaterMark(true, OBJECT_STREAM_BUFFER);
    // A promise some library rejects with nobody listening must not take the bot down with every job it holds; say so loudly instead.
    process.on('unhandledRejection', (reason) => logger.error({ err: { message: reason instanceof Error ? reason.message : String(reason) } }, 'unhandled promise rejection (ignored; please report it)'));
    const running = await startMeshbot(runtimeSettings(config.value), ROLES[role] as Roles, logger).catch((error: unknown) => {
      exitSoonAfterFailedStart();
      throw error instanceof ListenError ? new UsageError(error.message) : error;
    });
    io.stderr(`meshbot ${role} running${running.port === undefined ? '' : ` on port ${running.port}`}\n`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info({ signal }, 'shutting down: no new work, finishing or handing over running jobs');
        void running.close().finally(resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  };
}

/**
 * A start that failed has closed what it opened, but Bolt's constructor has already called
 * auth.test: with Slack unreachable, its retries would hold the process for minutes. Exit with the
 * status already set once the message is out, if nothing else has ended the process by then.
 */
function exitSoonAfterFailedStart(): void {
  setTimeout(() => process.exit(), FAILED_START_EXIT_MS).unref();
}

export function runtimeSettings(config: Config): RuntimeSettings {
  const { env, file } = config;
  return {
    slack: env.slack,
    port: env.port,
    redisUrl: env.redisUrl,
    queuePrefix: env.queuePrefix,
    stalledIntervalMs: env.stalledIntervalMs,
    kubeconfig: env.kubeconfig,
    migrations: file.migrations,
    gcpBackendApi: file.gcpBackendApi,
    logging: { projectId: env.gcpProject, endpoint: env.loggingEndpoint },
    monitoring: { projectId: env.gcpProject, endpoint: env.monitoringEndpoint },
    logWatch: { maxSessions: env.logWatchMaxSessions, readQuotaPerMinute: env.loggingReadQuota },
  };
}
