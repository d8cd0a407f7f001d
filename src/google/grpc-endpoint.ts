import { credentials, type ChannelCredentials } from '@grpc/grpc-js';

/** How a Google API client is pointed at an endpoint: `apiEndpoint`, `port`, and plaintext for loopback. */
export interface ClientEndpointOptions {
  apiEndpoint?: string;
  port?: number;
  sslCreds?: ChannelCredentials;
}

/**
 * `host:port` or a host → client options; a loopback host (local servers, tests, the demo) is
 * spoken to in plaintext. Example: endpointOptions('127.0.0.1:8086') → {apiEndpoint: '127.0.0.1', port: 8086, sslCreds: insecure}.
 */
export function endpointOptions(endpoint: string | undefined): ClientEndpointOptions {
  if (!endpoint) return {};
  const [host, port] = splitHostPort(endpoint);
  return { apiEndpoint: host, ...(port === undefined ? {} : { port }), ...(isLoopback(host) ? { sslCreds: credentials.createInsecure() } : {}) };
}

export function isLoopbackEndpoint(endpoint: string | undefined): boolean {
  return endpoint !== undefined && isLoopback(splitHostPort(endpoint)[0]);
}

function splitHostPort(endpoint: string): [string, number | undefined] {
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(endpoint.trim());
  if (!match) return [endpoint, undefined];
  return [match[1] as string, match[2] === undefined ? undefined : Number(match[2])];
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
