import { Logging, type Entry, type LoggingOptions } from '@google-cloud/logging';
import { endpointOptions } from '../google/grpc-endpoint.js';

export interface LoggingSettings {
  readonly projectId?: string | undefined;
  /** `host:port`, or a host; a loopback `host:port` is spoken to in plaintext (local servers and tests). */
  readonly endpoint?: string | undefined;
}

/** The real @google-cloud/logging client, pointed at Google or at a local endpoint. */
export function createLoggingClient(settings: LoggingSettings): Logging {
  const options: LoggingOptions = { ...(settings.projectId ? { projectId: settings.projectId } : {}), ...endpointOptions(settings.endpoint) };
  return new Logging(options);
}

export async function closeLoggingClient(client: Logging): Promise<void> {
  await (client.loggingService as unknown as { close?: () => Promise<void> }).close?.();
}

export type { Entry, Logging };
