/** ListLogEntries semantics over the stored entries, without any gRPC plumbing. */
import { pageTokenFields, queryDigest, toPageToken } from '../page-token.js';
import { compileFilter } from '../../../src/domain/logs/filter/filter-match.js';
import { projectOfLogName } from './entries.js';
import type { StoredLogEntry } from './entries.js';
import { invalidArgument } from './rpc-error.js';

/** As decoded by proto-loader (keepCase, defaults): absent fields are '' / 0 / []. */
export interface ListLogEntriesRequest {
  resource_names: string[];
  filter: string;
  order_by: string;
  page_size: number;
  page_token: string;
}

export interface ListPage {
  entries: StoredLogEntry[];
  nextPageToken: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

type Direction = 'asc' | 'desc';
type SortKey = readonly [timestamp: string, insertId: string];

export function listPage(stored: readonly StoredLogEntry[], request: ListLogEntriesRequest): ListPage {
  const inResources = resourceMatcher(request.resource_names);
  const matchesFilter = compileFilter(request.filter);
  const direction = parseOrderBy(request.order_by);
  const pageSize = parsePageSize(request.page_size);
  const after = request.page_token ? decodePageToken(request.page_token, listQueryDigest(request)) : undefined;

  const matching = stored
    .filter((entry) => inResources(entry) && matchesFilter(entry))
    .sort((a, b) => compareInDirection(sortKey(a), sortKey(b), direction));
  const remaining = after ? matching.filter((entry) => compareInDirection(sortKey(entry), after, direction) > 0) : matching;
  const entries = remaining.slice(0, pageSize);
  const last = entries.at(-1);
  const hasMore = remaining.length > pageSize && last !== undefined;
  return { entries, nextPageToken: hasMore ? encodePageToken(sortKey(last), listQueryDigest(request)) : '' };
}

/** Which stored entries belong to the requested projects (only projects hold entries here). */
export function resourceMatcher(resourceNames: readonly string[]): (entry: StoredLogEntry) => boolean {
  if (resourceNames.length === 0) throw invalidArgument('resource_names must name at least one resource');
  const projects = new Set(resourceNames.map(projectOfResourceName).filter((project) => project !== undefined));
  return (entry) => projects.has(projectOfLogName(entry.logName) ?? '');
}

const PROJECT_RESOURCE = /^projects\/([^/]+)(?:\/locations\/[^/]+\/buckets\/[^/]+\/views\/[^/]+)?$/;
const OTHER_PARENT = /^(?:organizations|folders|billingAccounts)\/[^/]+(?:\/locations\/[^/]+\/buckets\/[^/]+\/views\/[^/]+)?$/;

function projectOfResourceName(name: string): string | undefined {
  const project = PROJECT_RESOURCE.exec(name)?.[1];
  if (project === undefined && !OTHER_PARENT.test(name)) throw invalidArgument(`invalid resource name "${name}"`);
  return project;
}

function parseOrderBy(orderBy: string): Direction {
  const normalized = orderBy.trim().replace(/\s+/g, ' ').toLowerCase();
  if (normalized === '' || normalized === 'timestamp' || normalized === 'timestamp asc') return 'asc';
  if (normalized === 'timestamp desc') return 'desc';
  throw invalidArgument(`invalid order_by "${orderBy}": use "timestamp asc" or "timestamp desc"`);
}

function parsePageSize(pageSize: number): number {
  if (pageSize < 0) throw invalidArgument('page_size must not be negative');
  if (pageSize > MAX_PAGE_SIZE) throw invalidArgument(`page_size must be at most ${MAX_PAGE_SIZE}`);
  return pageSize || DEFAULT_PAGE_SIZE;
}

function sortKey(entry: StoredLogEntry): SortKey {
  return [entry.timestamp, entry.insertId];
}

function compareInDirection(a: SortKey, b: SortKey, direction: Direction): number {
  const ascending = compareStrings(a[0], b[0]) || compareStrings(a[1], b[1]);
  return direction === 'asc' ? ascending : -ascending;
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

// The token is a cursor (the last key returned), so entries appended between pages neither
// repeat nor get skipped when they sort after it.
function encodePageToken(after: SortKey, query: string): string {
  return toPageToken({ after, query });
}

function decodePageToken(token: string, query: string): SortKey {
  const { after, query: tokenQuery } = pageTokenFields(token);
  if (!isSortKey(after)) throw invalidArgument('invalid page_token');
  if (tokenQuery !== query) throw invalidArgument('page_token does not match the request (resource_names, filter and order_by must stay the same)');
  return after;
}

function isSortKey(value: unknown): value is SortKey {
  return Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === 'string');
}

function listQueryDigest(request: ListLogEntriesRequest): string {
  return queryDigest([request.resource_names, request.filter, parseOrderBy(request.order_by)]);
}
