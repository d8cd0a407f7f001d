import { ApiException } from '@kubernetes/client-node';

export type KubeErrorKind = 'not-found' | 'forbidden' | 'conflict' | 'invalid' | 'unavailable' | 'unauthorized';

/** A failed Kubernetes call, classified, with the API server's own message. */
export class KubeError extends Error {
  override readonly name = 'KubeError';
  constructor(
    readonly kind: KubeErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }

  /** Worth trying again later (server or network trouble), as opposed to a definite answer. */
  get transient(): boolean {
    return this.kind === 'unavailable';
  }
}

const KIND_BY_STATUS: Record<number, KubeErrorKind> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not-found', 409: 'conflict', 422: 'invalid' };

export function toKubeError(error: unknown): KubeError {
  if (error instanceof KubeError) return error;
  if (error instanceof ApiException) {
    const status = error.code;
    return new KubeError(KIND_BY_STATUS[status] ?? 'unavailable', statusMessage(error.body) ?? `HTTP ${status}`, status);
  }
  return new KubeError('unavailable', error instanceof Error ? error.message : String(error));
}

/** The `message` of a Kubernetes Status body; client-node hands it over as a raw string. */
function statusMessage(body: unknown): string | undefined {
  try {
    const parsed = typeof body === 'string' ? (JSON.parse(body) as unknown) : body;
    const message = (parsed as { message?: unknown } | null)?.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return typeof body === 'string' && body.length > 0 ? body.slice(0, 300) : undefined;
  }
}

/** One Kubernetes API call: given up after `timeoutMs`, any failure turned into a classified KubeError. */
export async function kubeCall<T>(what: string, request: () => Promise<T>, timeoutMs: number): Promise<T> {
  try {
    return await withTimeout(request(), timeoutMs, what);
  } catch (error) {
    throw toKubeError(error);
  }
}

/** client-node has no per-request timeout: give up waiting after `ms` (the request may still land). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KubeError('unavailable', `${what}: no answer from the Kubernetes API within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
