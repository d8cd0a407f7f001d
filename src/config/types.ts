import type { MigrationSettings } from '../app/deps.js';
import type { SlackSettings } from '../slack/bolt-app.js';

export type SlackMode = 'socket' | 'http';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The Slack settings the bot takes: botToken; signingSecret (HTTP mode); appToken (set exactly in Socket Mode); apiUrl (ends with `/`, unset means Slack's own). */
export type SlackEnv = SlackSettings;

/** meshbot's environment variables, checked and with defaults filled (see DESIGN.md, "Configuration"). */
export interface EnvConfig {
  readonly slack: SlackEnv;
  readonly slackMode: SlackMode;
  readonly port: number;
  readonly redisUrl: string;
  readonly kubeconfig?: string | undefined;
  readonly gcpProject?: string | undefined;
  readonly loggingEndpoint?: string | undefined;
  /** MONITORING_API_ENDPOINT: Cloud Monitoring (rates for bakes); unset means Google's. */
  readonly monitoringEndpoint?: string | undefined;
  /** The migrations file (MESHBOT_CONFIG). */
  readonly configPath: string;
  readonly queuePrefix: string;
  /** MESHBOT_STALLED_INTERVAL_MS: how soon a dead worker's jobs are resumed (BullMQ lock and stalled check); unset = 30 s. */
  readonly stalledIntervalMs?: number | undefined;
  /** LOG_WATCH_MAX_SESSIONS: the most TailLogEntries sessions the project's log watch opens; unset = 2. */
  readonly logWatchMaxSessions?: number | undefined;
  /** LOGGING_READ_QUOTA: the project's ListLogEntries quota per minute; unset = 60 (Cloud Logging's). */
  readonly loggingReadQuota?: number | undefined;
  readonly logLevel: LogLevel;
}

/** Where the GCPBackend custom resource lives in the Kubernetes API. */
export interface GcpBackendApi {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

export type RollbackOn = MigrationSettings['rollbackOn'];

export type MirrorField = MigrationSettings['mirrorField'];

/** One entry of the migrations file with every default filled in: what the use cases need, plus the approvers as written. */
export interface Migration extends MigrationSettings {
  /** As written: user ids (U…/W…) and user group ids (S…); `users` and `groups` split them. */
  readonly approvers: readonly string[];
}

export interface MigrationsConfig {
  readonly gcpBackendApi: GcpBackendApi;
  readonly migrations: readonly Migration[];
}

export interface Config {
  readonly env: EnvConfig;
  readonly file: MigrationsConfig;
}
