import { createRequire } from 'node:module';
import type * as grpc from '@grpc/grpc-js';
import { googleServiceDefinition } from '../google-protos.js';

/**
 * google.monitoring.v3.MetricService from the protos of @google-cloud/monitoring, which come
 * before google-gax's: google-gax carries an older google/monitoring.
 */
export function metricServiceDefinition(): grpc.ServiceDefinition {
  return googleServiceDefinition({
    protosPackageManifest: createRequire(import.meta.url).resolve('@google-cloud/monitoring/package.json'),
    file: 'google/monitoring/v3/metric_service.proto',
    service: 'google.monitoring.v3.MetricService',
  });
}
