export type SlackMode = 'socket' | 'http';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface SlackEnv {
  readonly botToken: string;
  /** Set in HTTP mode (required there); may also be set in Socket Mode, where it is unused. */
  readonly signingSecret?: string | undefined;
  /** Set exactly in Socket Mode. */
  readonly appToken?: string | undefined;
  /** Ends with `/`; unset means Slack's own. */
  readonly apiUrl?: string | undefined;
}

/** meshbot's environment variables, checked and with defaults filled (see DESIGN.md, "Configuration"). */
export interface EnvConfig {
  readonly slack: SlackEnv;
  readonly slackMode: SlackMode;
  readonly port: number;
  readonly redisUrl: string;
  readonly kubeconfig?: string | undefined;
  readonly gcpProject?: string | undefined;
  readonly loggingEndpoint?: string | undefined;
  /** The migrations file (MESHBOT_CONFIG). */
  readonly configPath: string;
  readonly queuePrefix: string;
  readonly logLevel: LogLevel;
}

/** Where the GCPBackend custom resource lives in the Kubernetes API. */
export interface GcpBackendApi {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

export interface RollbackOn {
  readonly errors: number;
  readonly errorRate: number;
  /** Error class ids; checked against the classifier's table by its users, not here. */
  readonly classes: readonly string[];
}

export type MirrorField = 'mirror' | 'mirrors';

/** One entry of the migrations file with every default filled in. */
export interface Migration {
  readonly name: string;
  readonly namespace: string;
  readonly virtualService: string;
  /** The ServiceEntry host traffic moves away from. */
  readonly from: string;
  /** The GCPBackend host traffic moves to. */
  readonly to: string;
  readonly gcpBackend?: string | undefined;
  readonly channel: string;
  /** As written: user ids (U…/W…) and user group ids (S…). */
  readonly approvers: readonly string[];
  /** The user ids among the approvers. */
  readonly users: readonly string[];
  /** The user group ids among the approvers. */
  readonly groups: readonly string[];
  /** Empty means anyone in the channel may request. */
  readonly requesters: readonly string[];
  readonly allowSelfApproval: boolean;
  readonly incidentChannel?: string | undefined;
  readonly steps: readonly number[];
  readonly bakeMs: number;
  readonly approvalTimeoutMs: number;
  readonly mirrorField: MirrorField;
  readonly toPort?: number | undefined;
  readonly context?: string | undefined;
  readonly autoAdvance: boolean;
  readonly logFilter?: string | undefined;
  /** The `/mesh validate` probe image; unset means curlimages/curl:8.11.1. */
  readonly validateImage?: string | undefined;
  readonly rollbackOn: RollbackOn;
}

export interface MigrationsConfig {
  readonly gcpBackendApi: GcpBackendApi;
  readonly migrations: readonly Migration[];
}

export interface Config {
  readonly env: EnvConfig;
  readonly file: MigrationsConfig;
}
