import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const METRIC_SERVICE_PROTO = 'google/monitoring/v3/metric_service.proto';

/** The .proto files that ship with @google-cloud/monitoring; imports resolve from google-gax. */
function protoIncludeDirs(): string[] {
  const require = createRequire(import.meta.url);
  const monitoringManifest = require.resolve('@google-cloud/monitoring/package.json');
  const gaxEntry = createRequire(monitoringManifest).resolve('google-gax');
  // The monitoring package's own copy comes first: google-gax carries an older google/monitoring.
  return [join(dirname(monitoringManifest), 'build', 'protos'), join(dirname(gaxEntry), '..', 'protos')];
}

let serviceDefinition: grpc.ServiceDefinition | undefined;

/** google.monitoring.v3.MetricService, messages in snake_case (keepCase), enums as names, int64 as numbers. */
export function metricServiceDefinition(): grpc.ServiceDefinition {
  serviceDefinition ??= loadServiceDefinition();
  return serviceDefinition;
}

function loadServiceDefinition(): grpc.ServiceDefinition {
  const packageDefinition = protoLoader.loadSync(METRIC_SERVICE_PROTO, {
    includeDirs: protoIncludeDirs(),
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as {
    google: { monitoring: { v3: { MetricService: grpc.ServiceClientConstructor } } };
  };
  return loaded.google.monitoring.v3.MetricService.service;
}
