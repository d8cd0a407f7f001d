import type * as grpc from '@grpc/grpc-js';

/** The error a gRPC client call fails with; throws if it succeeds. */
export async function rejection(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error('expected the call to fail');
}
