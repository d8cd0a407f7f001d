import { MetricServiceClient } from '@google-cloud/monitoring';
import { endpointOptions } from '../google/grpc-endpoint.js';

export interface MonitoringSettings {
  /** The metrics scope: GCP_PROJECT. */
  readonly projectId?: string | undefined;
  /** MONITORING_API_ENDPOINT: `host:port` or a host; loopback means plaintext. */
  readonly endpoint?: string | undefined;
}

/** The real @google-cloud/monitoring client, pointed at Google or at a local MetricService. */
export function createMonitoringClient(settings: MonitoringSettings): MetricServiceClient {
  return new MetricServiceClient({ ...(settings.projectId ? { projectId: settings.projectId } : {}), ...endpointOptions(settings.endpoint) });
}

export type { MetricServiceClient };
