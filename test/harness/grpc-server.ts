/**
 * What the local Google API servers (logging-server, monitoring-server) share: a grpc-js server
 * on 127.0.0.1 at a free port without TLS, unary methods answered by async functions, injected
 * faults and delays, and a shutdown that lets calls in flight finish for a while, then forces.
 */
import * as grpc from '@grpc/grpc-js';
import { RpcError, toStatus } from './logging/rpc-error.js';

export interface LocalGrpcServer {
  /** `127.0.0.1:PORT`, for a grpc client; the Node clients want apiEndpoint + port. */
  readonly endpoint: string;
  readonly port: number;
  /** Graceful shutdown, forced after SHUTDOWN_GRACE_MS; the same promise on every call. */
  shutDown(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 1000;

export async function startLocalGrpcServer(service: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): Promise<LocalGrpcServer> {
  const server = new grpc.Server();
  server.addService(service, implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
  });
  let closing: Promise<void> | undefined;
  return { endpoint: `127.0.0.1:${port}`, port, shutDown: () => (closing ??= shutDown(server)) };
}

function shutDown(server: grpc.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, SHUTDOWN_GRACE_MS);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

/** A unary method answered by `answer`; what it throws goes back as a status (see toStatus). */
export function unaryMethod<Request>(answer: (request: Request) => Promise<unknown>): grpc.handleUnaryCall<Request, unknown> {
  return (call, callback) => {
    void answer(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toStatus(error)),
    );
  };
}

export interface RpcFault {
  code: grpc.status;
  details: string;
}

/** Faults and a delay injected into one method's calls. */
export class FaultQueue {
  /** Every call is held this long before its answer (0: none). */
  delayMs = 0;
  /** Answers every call once the queued faults are used up, until stopFailing(). */
  persistent: RpcFault | undefined;
  private readonly queued: RpcFault[] = [];

  /** Answers the next `times` calls with this fault. */
  add(times: number, fault: RpcFault): void {
    for (let i = 0; i < times; i++) this.queued.push(fault);
  }

  stopFailing(): void {
    this.queued.length = 0;
    this.persistent = undefined;
  }

  /** Forgets the faults and the delay. */
  reset(): void {
    this.stopFailing();
    this.delayMs = 0;
  }

  /** Before answering a call: waits out the delay, then throws the next fault as an RpcError. */
  async hold(): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const fault = this.queued.shift() ?? this.persistent;
    if (fault) throw new RpcError(fault.code, fault.details);
  }
}
