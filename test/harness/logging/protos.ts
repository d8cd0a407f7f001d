import { createRequire } from 'node:module';
import type * as grpc from '@grpc/grpc-js';
import { googleServiceDefinition } from '../google-protos.js';

/** google.logging.v2.LoggingServiceV2 from the protos of @google-cloud/logging-api (what @google-cloud/logging builds on). */
export function loggingServiceDefinition(): grpc.ServiceDefinition {
  const require = createRequire(import.meta.url);
  return googleServiceDefinition({
    protosPackageManifest: createRequire(require.resolve('@google-cloud/logging')).resolve('@google-cloud/logging-api/package.json'),
    file: 'google/logging/v2/logging.proto',
    service: 'google.logging.v2.LoggingServiceV2',
  });
}
