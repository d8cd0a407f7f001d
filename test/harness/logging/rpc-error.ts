import { status } from '@grpc/grpc-js';
import type { StatusObject } from '@grpc/grpc-js';
import { FilterSyntaxError } from '../../../src/domain/logs/filter/filter-parser.js';

/** An error that the server answers with a gRPC status. */
export class RpcError extends Error {
  constructor(
    readonly code: status,
    readonly details: string,
  ) {
    super(details);
    this.name = 'RpcError';
  }
}

export function invalidArgument(details: string): RpcError {
  return new RpcError(status.INVALID_ARGUMENT, details);
}

export function toStatus(error: unknown): Pick<StatusObject, 'code' | 'details'> {
  if (error instanceof RpcError) return { code: error.code, details: error.details };
  if (error instanceof FilterSyntaxError) return { code: status.INVALID_ARGUMENT, details: `invalid filter: ${error.message}` };
  return { code: status.INTERNAL, details: error instanceof Error ? error.message : String(error) };
}
