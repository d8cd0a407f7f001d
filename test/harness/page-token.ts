/**
 * Page tokens of the local Google API servers: a JSON payload in base64url that carries a digest
 * of its query, so that a token is refused for any other query.
 */
import { createHash } from 'node:crypto';

/** A short digest of the parts of a request that must stay the same from page to page. */
export function queryDigest(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 16);
}

export function toPageToken(payload: object): string {
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/** The fields of a token's payload; none when the token is not base64url JSON. */
export function pageTokenFields(token: string): Record<string, unknown> {
  try {
    return (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) ?? {}) as Record<string, unknown>;
  } catch {
    return {};
  }
}
