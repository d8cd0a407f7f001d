import { status } from '@grpc/grpc-js';

/** Codes worth another try: the service was busy or briefly away. */
const TRANSIENT = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED, status.INTERNAL, status.ABORTED]);

/** Cloud Monitoring could not answer a query: the gRPC code, whether trying again may help, and what to do. */
export class MetricsError extends Error {
  override readonly name = 'MetricsError';
  constructor(
    message: string,
    readonly code: number | undefined,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

/** A client error as a MetricsError whose message says what failed and what would help. */
export function toMetricsError(error: unknown, what: string): MetricsError {
  if (error instanceof MetricsError) return error;
  const code = typeof (error as { code?: unknown })?.code === 'number' ? (error as { code: number }).code : undefined;
  const details = String((error as { details?: unknown })?.details ?? (error as Error)?.message ?? error).slice(0, 300);
  const name = code === undefined ? 'error' : (status[code] ?? String(code));
  return new MetricsError(`Cloud Monitoring ${what} failed (${name}: ${details})${remedy(code, details)}`, code, code !== undefined && TRANSIENT.has(code));
}

function remedy(code: number | undefined, details: string): string {
  if (code === undefined && /credentials/i.test(details)) return ': give meshbot Google credentials (Workload Identity on GKE, or GOOGLE_APPLICATION_CREDENTIALS)';
  if (code === status.PERMISSION_DENIED) return ': grant meshbot\'s Google service account roles/monitoring.viewer on the project (GCP_PROJECT)';
  if (code === status.UNAUTHENTICATED) return ': check the credentials (Workload Identity or GOOGLE_APPLICATION_CREDENTIALS)';
  if (code === status.NOT_FOUND) return ': check GCP_PROJECT, the project whose metrics are read';
  if (code === status.RESOURCE_EXHAUSTED) return ': the project is over its Cloud Monitoring read quota';
  return '';
}
