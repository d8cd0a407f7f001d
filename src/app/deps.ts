import type { CustomObjects, ResourceType } from '../kube/custom-objects.js';
import type { ObjectWatcher } from '../kube/watch-object.js';
import type { DriftStore } from '../store/drift-store.js';
import type { GitopsPolicy } from '../domain/gitops/gitops-policy.js';
import type { CoreObjects } from '../kube/core-objects.js';
import type { OperationStore } from '../store/operation-store.js';
import type { JobName } from '../queue/queues.js';
import type { Block } from '../slack/blocks/block-kit.js';
import type { LogSource } from '../logging/log-source.js';
import type { LogFeed } from '../logging/log-feed.js';
import type { MeshbotMetrics } from '../observability/metrics.js';
import type { AnalysisKeys, RateRuleKeys } from '../domain/rates/analysis-settings.js';
import type { RateSource } from '../metrics/rate-source.js';
import type { ChangeWindow, Freeze } from '../domain/policy/change-windows.js';

/** What the use cases need to know of a migration (the config module's Migration satisfies it). */
export interface MigrationSettings {
  readonly name: string;
  readonly namespace: string;
  readonly virtualService: string;
  readonly from: string;
  readonly to: string;
  readonly gcpBackend?: string | undefined;
  readonly channel: string;
  readonly users: readonly string[];
  readonly groups: readonly string[];
  readonly requesters: readonly string[];
  readonly allowSelfApproval: boolean;
  readonly incidentChannel?: string | undefined;
  readonly approvalTimeoutMs: number;
  readonly mirrorField: 'mirror' | 'mirrors';
  readonly toPort?: number | undefined;
  readonly context?: string | undefined;
  /** The plan: shares of traffic for `to`, e.g. [10, 25, 50, 100]. */
  readonly steps: readonly number[];
  /** How long each applied step is watched before it is called healthy. */
  readonly bakeMs: number;
  /** What rolls a bake back. `errors` unset: no count rule when metrics judge, LOG_ONLY_ERRORS on logs alone. */
  readonly rollbackOn: RateRuleKeys & { readonly errors?: number | undefined; readonly classes: readonly string[] };
  /** How a bake is judged on Cloud Monitoring rates (defaults in analysisOf). */
  readonly analysis?: AnalysisKeys | undefined;
  readonly autoAdvance: boolean;
  /** Distinct approvers a step needs (default 1); `stepApprovals` raises it for some steps (finalize is the 100 % step). */
  readonly approvals?: number | undefined;
  readonly stepApprovals?: Readonly<Record<string, number>> | undefined;
  /** When changes may be made (none: any time) and when not at all; the file's top-level lists unless the migration has its own. */
  readonly changeWindows?: readonly ChangeWindow[] | undefined;
  readonly freezes?: readonly Freeze[] | undefined;
  /** Who approves a `--override` (break-glass) request; unset: the approvers. */
  readonly breakGlassUsers?: readonly string[] | undefined;
  readonly breakGlassGroups?: readonly string[] | undefined;
  /** Extra Cloud Logging filter ANDed to the migration's own. */
  readonly logFilter?: string | undefined;
  /** The image of the `/mesh validate` probe pod (default curlimages/curl:8.11.1). */
  readonly validateImage?: string | undefined;
  /** What a request does when a GitOps controller owns the VirtualService (default warn). */
  readonly gitops?: GitopsPolicy | undefined;
  /** How often live weights are compared with what the last step left, outside bakes (default 5 minutes). */
  readonly driftCheckMs?: number | undefined;
}


export interface Notifier {
  /** Posts a message (in a thread when `threadTs` is given) and returns its ts. */
  post(message: { channel: string; threadTs?: string | undefined; text: string; blocks?: readonly Block[] }): Promise<string>;
  update(message: { channel: string; ts: string; text: string; blocks?: readonly Block[] }): Promise<void>;
}

export interface GroupDirectory {
  /** Which of `groups` (Slack user group ids) the user belongs to. */
  groupsOf(userId: string, groups: readonly string[]): Promise<string[]>;
}

export interface JobQueue {
  enqueue(job: JobName, operationId: string, options?: { delayMs?: number }): Promise<void>;
}

export interface AppDeps {
  readonly migrations: readonly MigrationSettings[];
  readonly gcpBackendApi: ResourceType;
  readonly store: OperationStore;
  readonly jobs: JobQueue;
  /** The Kubernetes API of a migration's cluster (its kubeconfig context). */
  readonly kube: (migration: MigrationSettings) => CustomObjects;
  /** What the drift check found per migration (shown by /mesh status); absent where nothing reads it. */
  readonly drift?: DriftStore | undefined;
  /** Watches of objects in a migration's cluster (bakes watch their VirtualService); absent where nothing bakes. */
  readonly watcher?: ((migration: MigrationSettings) => ObjectWatcher) | undefined;
  /** Core objects (Pods, Services) of a migration's cluster; absent where nothing needs them. */
  readonly core?: ((migration: MigrationSettings) => CoreObjects) | undefined;
  readonly notifier: Notifier;
  readonly groups: GroupDirectory;
  readonly now: () => Date;
  readonly newId: () => string;
  /** Envoy sidecar logs read on demand (reports), within the project's shared read quota; absent where nothing reads logs. */
  readonly logs?: LogSource | undefined;
  /** What the project's one log watch writes for each bake and sentinel (workers); absent where nothing bakes. */
  readonly logFeed?: LogFeed | undefined;
  /** Request rates from Cloud Monitoring (workers); absent where nothing reads metrics. */
  readonly rates?: RateSource | undefined;
  /** Aborted when the process shuts down: long jobs (bakes) save their place and hand over. */
  readonly shutdown?: AbortSignal | undefined;
  readonly metrics?: MeshbotMetrics | undefined;
}

/** What the Slack user who typed the command or clicked the button is told, privately. */
export interface Reply {
  readonly text: string;
}

export interface Actor {
  readonly userId: string;
  readonly channelId: string;
}

export const lockOf = (m: MigrationSettings): string => `${m.context ?? 'default'}/${m.namespace}/${m.virtualService}`;
export const vsLabel = (m: MigrationSettings): string => `${m.namespace}/${m.virtualService}`;
/** Which cluster a migration acts on, for messages: `context gke_p_r_c` or `the current context`. */
export const clusterLabel = (m: Pick<MigrationSettings, 'context'>): string => (m.context ? `context ${m.context}` : 'the current context');
