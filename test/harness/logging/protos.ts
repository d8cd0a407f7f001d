import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const LOGGING_PROTO = 'google/logging/v2/logging.proto';

/** The .proto files that ship with @google-cloud/logging; imports resolve from google-gax. */
function protoIncludeDirs(): string[] {
  const require = createRequire(import.meta.url);
  const loggingApiManifest = createRequire(require.resolve('@google-cloud/logging')).resolve('@google-cloud/logging-api/package.json');
  const gaxEntry = createRequire(loggingApiManifest).resolve('google-gax');
  return [join(dirname(loggingApiManifest), 'build', 'protos'), join(dirname(gaxEntry), '..', 'protos')];
}

let serviceDefinition: grpc.ServiceDefinition | undefined;

/** google.logging.v2.LoggingServiceV2, messages in snake_case (keepCase), enums as names. */
export function loggingServiceDefinition(): grpc.ServiceDefinition {
  serviceDefinition ??= loadServiceDefinition();
  return serviceDefinition;
}

function loadServiceDefinition(): grpc.ServiceDefinition {
  const packageDefinition = protoLoader.loadSync(LOGGING_PROTO, {
    includeDirs: protoIncludeDirs(),
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as {
    google: { logging: { v2: { LoggingServiceV2: grpc.ServiceClientConstructor } } };
  };
  return loaded.google.logging.v2.LoggingServiceV2.service;
}
