/**
 * ListTimeSeries paging. With view FULL page_size counts points, so one series can continue on
 * the next page under the same header; with HEADERS it counts series. The token pins the clock
 * of the first page, so points that become visible while a client pages neither shift nor
 * duplicate what it gets.
 */
import { invalidArgument } from '../logging/rpc-error.js';
import { pageTokenFields, toPageToken } from '../page-token.js';
import type { TimeSeries } from './series.js';

export const MAX_PAGE_SIZE = 100_000;

export interface PageCursor {
  offset: number;
  asOfMs: number;
}

export interface Page {
  series: TimeSeries[];
  nextOffset?: number;
}

export function effectivePageSize(pageSize: number): number {
  if (pageSize < 0) throw invalidArgument(`Field pageSize had an invalid value of "${pageSize}": must not be negative.`);
  return pageSize === 0 ? MAX_PAGE_SIZE : Math.min(pageSize, MAX_PAGE_SIZE);
}

export function pageOfPoints(series: readonly TimeSeries[], offset: number, pageSize: number): Page {
  const page: TimeSeries[] = [];
  let skipped = 0;
  let taken = 0;
  for (const one of series) {
    const skipHere = Math.min(one.points.length, Math.max(0, offset - skipped));
    skipped += skipHere;
    if (skipHere === one.points.length) continue;
    if (taken === pageSize) return { series: page, nextOffset: offset + taken };
    const points = one.points.slice(skipHere, skipHere + pageSize - taken);
    taken += points.length;
    page.push({ ...one, points });
    if (skipHere + points.length < one.points.length) return { series: page, nextOffset: offset + taken };
  }
  return { series: page };
}

export function pageOfHeaders(series: readonly TimeSeries[], offset: number, pageSize: number): Page {
  const page = series.slice(offset, offset + pageSize).map((one) => ({ ...one, points: [] }));
  return offset + pageSize < series.length ? { series: page, nextOffset: offset + pageSize } : { series: page };
}

export function encodePageToken(cursor: PageCursor, digest: string): string {
  return toPageToken({ ...cursor, digest });
}

export function decodePageToken(token: string, digest: string): PageCursor {
  const { offset, asOfMs, digest: tokenDigest } = pageTokenFields(token);
  if (!Number.isInteger(offset) || typeof asOfMs !== 'number' || typeof tokenDigest !== 'string') throw invalidPageToken(token);
  if (tokenDigest !== digest) throw invalidArgument('Field pageToken does not belong to this query: name, filter, interval, aggregation and view must stay the same.');
  return { offset: offset as number, asOfMs };
}

function invalidPageToken(token: string): Error {
  return invalidArgument(`Field pageToken had an invalid value of "${token}": not a token this server returned.`);
}
