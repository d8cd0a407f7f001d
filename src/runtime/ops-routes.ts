import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type { MeshbotMetrics } from '../observability/metrics.js';

export interface OpsRoute {
  readonly path: string;
  readonly method: string[];
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface OpsChecks {
  readonly redis: Redis;
  /** Problems reaching the Kubernetes API servers in use; empty when ready. */
  readonly kubeProblems: () => Promise<string[]>;
  readonly metrics: MeshbotMetrics;
  /** Refreshes gauges (queue depth) before a scrape. */
  readonly beforeScrape?: () => Promise<void>;
}

const REDIS_TIMEOUT_MS = 1000;

/** `/healthz` (process up), `/readyz` (Redis and the Kubernetes API reachable), `/metrics` (Prometheus). */
export function opsRoutes(checks: OpsChecks): OpsRoute[] {
  return [
    { path: '/healthz', method: ['GET'], handler: (_req, res) => send(res, 200, 'text/plain', 'ok\n') },
    { path: '/readyz', method: ['GET'], handler: (_req, res) => void readiness(checks).then((problems) => send(res, problems.length === 0 ? 200 : 503, 'text/plain', problems.length === 0 ? 'ready\n' : `${problems.join('\n')}\n`)) },
    {
      path: '/metrics',
      method: ['GET'],
      handler: (_req, res) =>
        void (async () => {
          await checks.beforeScrape?.().catch(() => undefined);
          send(res, 200, checks.metrics.registry.contentType, await checks.metrics.registry.metrics());
        })(),
    },
  ];
}

async function readiness(checks: OpsChecks): Promise<string[]> {
  const [redis, kube] = await Promise.all([redisProblem(checks.redis), checks.kubeProblems().catch((error: Error) => [`kubernetes: ${error.message}`])]);
  return [...(redis ? [redis] : []), ...kube];
}

async function redisProblem(redis: Redis): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no PONG within ${REDIS_TIMEOUT_MS} ms`)), REDIS_TIMEOUT_MS)));
    await Promise.race([redis.ping(), timeout]);
    return undefined;
  } catch (error) {
    return `redis: ${(error as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType });
  res.end(body);
}

/** For processes without Bolt's HTTP receiver (workers, Socket Mode): the same routes on a plain HTTP server. Rejects when PORT cannot be opened. */
export async function startOpsServer(port: number, routes: readonly OpsRoute[]): Promise<Server> {
  const server = createServer((req, res) => {
    const route = routes.find((r) => r.path === (req.url ?? '').split('?')[0] && r.method.includes(req.method ?? 'GET'));
    if (route) route.handler(req, res);
    else send(res, 404, 'text/plain', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
