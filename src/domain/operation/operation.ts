import { describeMeshObjectRequest, type MeshObjectRequest } from '../mesh-objects.js';
import type { MirrorChange, WeightChange } from '../route-change.js';
import type { AnnotationChange } from '../gitops/flux-suspension.js';
import type { Approval } from './approval-tally.js';

/**
 * One requested change to one migration's VirtualService, from request to outcome. Stored in
 * Redis as the audit trail: who asked, who decided, what the weights were before and after.
 */
export type OperationKind = 'shift' | 'mirror' | 'rollback' | 'finalize' | 'export' | 'register';

/** Kinds that write Istio objects of their own (`meshObject`) instead of editing the migration's routes. */
export const MESH_OBJECT_KINDS: readonly OperationKind[] = ['export', 'register'];
export const isMeshObjectKind = (kind: OperationKind): kind is 'export' | 'register' => MESH_OBJECT_KINDS.includes(kind);

export type OperationState =
  | 'requested'
  | 'awaiting-approval'
  | 'approved'
  | 'applying'
  | 'applied'
  | 'rejected'
  | 'expired'
  | 'aborted'
  | 'failed'
  | 'rolled-back';

export const TERMINAL_STATES: readonly OperationState[] = ['applied', 'rejected', 'expired', 'aborted', 'failed', 'rolled-back'];

export type Changes = { readonly kind: 'weights'; readonly changes: readonly WeightChange[] } | { readonly kind: 'mirror'; readonly changes: readonly MirrorChange[] };

/** One check made before a step is offered for approval, shown in its thread. */
export interface PreflightCheck {
  readonly label: string;
  readonly ok: boolean;
  readonly detail?: string;
  /** Worth knowing but not wrong (shown ⚠️, not ❌): a new host with no series yet, say. */
  readonly warning?: boolean;
}

/** What a bake is judged on: Cloud Monitoring rates (with the log rules), or logs alone and why. */
export interface BakeJudging {
  readonly mode: 'metrics' | 'logs';
  readonly why?: string | undefined;
  /** The destination_service_name values the callers sent to when the bake began (discovery). */
  readonly seen?: readonly string[] | undefined;
}

/** `reverted`: the cluster no longer held the step (a GitOps controller or a hand edit undid it), so it was not judged. */
export type BakeEnd = 'healthy' | 'breached' | 'inconclusive' | 'interrupted' | 'reverted';

/** What undid a step while it baked: when, which field manager, and the routes' states in words. */
export interface Reversion {
  readonly at: string;
  readonly by: string | undefined;
  readonly now: string;
  readonly applied: string;
}

/** The watch after a step: Envoy sidecar errors counted and rates judged for the bake window, then a verdict. */
export interface BakeState {
  readonly status: 'running' | BakeEnd;
  readonly startedAt: string;
  /** When the bake ends; moved on (up to analysis.maxBake) while the evidence is too thin. */
  readonly deadline: string;
  readonly judging?: BakeJudging;
  /** The rate verdict it ended on (domain/rates RateVerdict, as stored). */
  readonly verdict?: unknown;
  /** Newest log entry time counted: a worker taking over resumes from here. */
  readonly resumeFrom?: string;
  /** The domain/logs tally, as stored (plain JSON). */
  readonly tally?: unknown;
  readonly reasons?: readonly string[];
  readonly reverted?: Reversion;
}

export interface HistoryEntry {
  readonly at: string;
  readonly state: OperationState;
  readonly by?: string;
  readonly note?: string;
}

export interface Operation {
  readonly id: string;
  readonly migration: string;
  readonly kind: OperationKind;
  /** Target share for shift/mirror; for a rollback, the share being restored (display only). */
  readonly percent: number | 'off';
  readonly state: OperationState;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly expiresAt: string;
  readonly channel: string;
  readonly threadTs?: string;
  readonly decidedBy?: string;
  readonly decidedAt?: string;
  /** What the step will change, computed when it was requested (shown in the thread). */
  readonly planned?: Changes;
  readonly preflight?: readonly PreflightCheck[];
  /** What the apply really changed, with the weights before it: the basis of a rollback. */
  readonly applied?: Changes;
  /** The operation a rollback undoes. */
  readonly rollsBack?: string;
  /** For an automatic rollback: when the breach was seen (detection-to-rollback latency). */
  readonly detectedAt?: string;
  readonly bake?: BakeState;
  /** Set once the API server accepted the step's PATCH: from then on the step is in, verified or not. */
  readonly patched?: { readonly at: string; readonly resourceVersion?: string | undefined };
  /** Requested by `/mesh run`: a healthy bake moves the run on to the next step. */
  readonly viaRun?: boolean;
  /** A run's step under an `autoAdvance` policy: approved by meshbot as soon as it is posted. */
  readonly autoApprove?: boolean;
  /** Distinct approvals the request needs before it applies (absent: 1). */
  readonly approvalsNeeded?: number;
  /** Approvals so far, in click order: the tally shown on the request and kept as the audit trail. */
  readonly approvals?: readonly Approval[];
  /** A break-glass request (`--override "reason"`): change windows and freezes do not hold it back. */
  readonly override?: { readonly reason: string };
  /** A run's step requested outside the change windows: posted for approval when the next one opens (the prepare job is delayed to then). */
  readonly notBefore?: { readonly at: string; readonly timeZone: string };
  readonly reason?: string;
  /** The step also suspends Flux's reconciliation of the VirtualService (`gitops: suspend-flux`), or lifts meshbot's suspension; shown in its diff. */
  readonly annotations?: readonly AnnotationChange[];
  /** For export and register: what to write (the migration only lends its approvers and its cluster). */
  readonly meshObject?: MeshObjectRequest;
  /** Optimistic-concurrency counter: every stored update must name the version it read. */
  readonly version: number;
  readonly history: readonly HistoryEntry[];
}

/** The user id meshbot records for what it does by itself (automatic rollbacks, autoAdvance approvals). */
export const MESHBOT_ACTOR = 'meshbot';

/** How a user appears in a Slack message: a mention, or "meshbot" for meshbot itself. */
export function mention(userId: string | undefined): string {
  if (userId === undefined) return 'someone';
  return userId === MESHBOT_ACTOR ? 'meshbot' : `<@${userId}>`;
}

export function isTerminal(state: OperationState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** Operations that hold their VirtualService (including an applied step still baking): nothing else may start until they end. */
export function isInFlight(op: Operation): boolean {
  return !isTerminal(op.state) || op.bake?.status === 'running';
}

export function describeOperation(op: Pick<Operation, 'kind' | 'percent' | 'migration'> & { readonly meshObject?: MeshObjectRequest | undefined }): string {
  if (op.meshObject) return describeMeshObjectRequest(op.meshObject);
  if (op.kind === 'export' || op.kind === 'register') return `${op.kind} for ${op.migration}`;
  if (op.kind === 'rollback') return `rollback of ${op.migration}`;
  if (op.kind === 'finalize') return `finalize ${op.migration}`;
  if (op.kind === 'mirror') return op.percent === 'off' ? `mirror off for ${op.migration}` : `mirror ${op.percent}% for ${op.migration}`;
  return `shift ${op.percent}% for ${op.migration}`;
}
