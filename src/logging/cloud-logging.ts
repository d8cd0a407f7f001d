import { credentials } from '@grpc/grpc-js';
import { Logging, type Entry, type LoggingOptions } from '@google-cloud/logging';

export interface LoggingSettings {
  readonly projectId?: string | undefined;
  /** `host:port`, or a host; a loopback `host:port` is spoken to in plaintext (local servers and tests). */
  readonly endpoint?: string | undefined;
}

/** The real @google-cloud/logging client, pointed at Google or at a local endpoint. */
export function createLoggingClient(settings: LoggingSettings): Logging {
  const options: LoggingOptions & { sslCreds?: unknown } = settings.projectId ? { projectId: settings.projectId } : {};
  if (settings.endpoint) {
    const [host, port] = splitHostPort(settings.endpoint);
    options.apiEndpoint = host;
    if (port !== undefined) options.port = port;
    if (isLoopback(host)) options.sslCreds = credentials.createInsecure();
  }
  return new Logging(options);
}

export async function closeLoggingClient(client: Logging): Promise<void> {
  await (client.loggingService as unknown as { close?: () => Promise<void> }).close?.();
}

function splitHostPort(endpoint: string): [string, number | undefined] {
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(endpoint.trim());
  if (!match) return [endpoint, undefined];
  return [match[1] as string, match[2] === undefined ? undefined : Number(match[2])];
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export type { Entry, Logging };
