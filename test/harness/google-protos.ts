import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export interface GoogleServiceProto {
  /** Resolved path of the package.json of the package whose build/protos holds `file`. */
  protosPackageManifest: string;
  /** The service's .proto, relative to build/protos: 'google/logging/v2/logging.proto'. */
  file: string;
  /** Fully qualified service name: 'google.logging.v2.LoggingServiceV2'. */
  service: string;
}

const loaded = new Map<string, grpc.ServiceDefinition>();

/**
 * A Google API service from the .proto files that ship with its client package, imports
 * resolving from that package's google-gax (after the package's own copies); messages in
 * snake_case (keepCase), enums as names, int64 as numbers. Loaded once per service.
 */
export function googleServiceDefinition(proto: GoogleServiceProto): grpc.ServiceDefinition {
  let definition = loaded.get(proto.service);
  if (!definition) {
    definition = loadServiceDefinition(proto);
    loaded.set(proto.service, definition);
  }
  return definition;
}

function loadServiceDefinition({ protosPackageManifest, file, service }: GoogleServiceProto): grpc.ServiceDefinition {
  const gaxEntry = createRequire(protosPackageManifest).resolve('google-gax');
  const packageDefinition = protoLoader.loadSync(file, {
    includeDirs: [join(dirname(protosPackageManifest), 'build', 'protos'), join(dirname(gaxEntry), '..', 'protos')],
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const definition = packageDefinition[service];
  if (!definition || 'format' in definition) throw new Error(`${file} defines no service ${service}`);
  return definition as grpc.ServiceDefinition;
}
