/**
 * Evaluates a parsed filter against a log entry in the API's JSON shape (camelCase fields,
 * RFC 3339 timestamps, severity names, jsonPayload as a plain object). Semantics follow
 * Cloud Logging: `=` is exact, `:` is a case-insensitive substring test (`FIELD:*` tests
 * presence), repeated fields match when any element does, and a missing field matches
 * nothing except the negations `!=`, `!~` and NOT.
 */
import { parseFilter, isTimeField, SEVERITY_FIELD } from './filter-parser.js';
import type { Comparison, FilterNode } from './filter-parser.js';
import { compareTimestamps, parseDuration, parseTimestamp } from './timestamps.js';

/** A log entry in the API JSON shape; any object works. */
export type FilterableEntry = object;
export type EntryPredicate = (entry: FilterableEntry) => boolean;

const SEVERITY_LEVELS: Record<string, number> = {
  DEFAULT: 0,
  DEBUG: 100,
  INFO: 200,
  NOTICE: 300,
  WARNING: 400,
  ERROR: 500,
  CRITICAL: 600,
  ALERT: 700,
  EMERGENCY: 800,
};

/** Parses once; throws FilterSyntaxError for an invalid filter. */
export function compileFilter(filter: string): EntryPredicate {
  const node = parseFilter(filter);
  return (entry) => matchesFilter(node, entry);
}

export function matchesFilter(node: FilterNode, entry: FilterableEntry): boolean {
  switch (node.kind) {
    case 'all':
      return true;
    case 'and':
      return node.operands.every((operand) => matchesFilter(operand, entry));
    case 'or':
      return node.operands.some((operand) => matchesFilter(operand, entry));
    case 'not':
      return !matchesFilter(node.operand, entry);
    case 'global':
      return leafTexts(entry).some((text) => containsIgnoringCase(text, node.value));
    case 'compare':
      return matchesComparison(node, resolveField(entry, node.path));
  }
}

function matchesComparison(comparison: Comparison, candidates: unknown[]): boolean {
  switch (comparison.op) {
    case '!=':
      return !candidates.some((candidate) => testCandidate({ ...comparison, op: '=' }, candidate));
    case '!~':
      return !candidates.some((candidate) => testCandidate({ ...comparison, op: '=~' }, candidate));
    default:
      return candidates.some((candidate) => testCandidate(comparison, candidate));
  }
}

function testCandidate(comparison: Comparison, candidate: unknown): boolean {
  const { op, value } = comparison;
  switch (op) {
    case ':':
      return (value === '*' && !comparison.quoted) || leafTexts(candidate).some((text) => containsIgnoringCase(text, value));
    case '=~':
      return leafTexts(candidate).some((text) => comparison.regex!.test(text));
    case '=':
      return isPlainValue(candidate) && compareValues(comparison.path, candidate, value) === 0;
    default: {
      const order = isPlainValue(candidate) ? compareValues(comparison.path, candidate, value) : undefined;
      return order !== undefined && satisfiesOrdering(op, order);
    }
  }
}

function satisfiesOrdering(op: Comparison['op'], order: number): boolean {
  switch (op) {
    case '>':
      return order > 0;
    case '<':
      return order < 0;
    case '>=':
      return order >= 0;
    case '<=':
      return order <= 0;
    default:
      return false;
  }
}

/** Sign of (field value − literal), or undefined when the two cannot be compared. */
function compareValues(path: readonly string[], candidate: PlainValue, literal: string): number | undefined {
  if (isTimeField(path)) return compareAsTimes(candidate, literal);
  if (path.length === 1 && path[0] === SEVERITY_FIELD) return compareAsSeverities(candidate, literal);
  if (candidate === null) return literal === 'NULL_VALUE' ? 0 : undefined;
  if (typeof candidate === 'number') return compareAsNumbers(String(candidate), literal);
  if (typeof candidate === 'boolean') return String(candidate) === literal.toLowerCase() ? 0 : undefined;
  return compareAsNumbers(candidate, literal) ?? compareAsDurations(candidate, literal) ?? compareStrings(candidate, literal);
}

function compareAsTimes(candidate: PlainValue, literal: string): number | undefined {
  const field = typeof candidate === 'string' ? parseTimestamp(candidate) : undefined;
  const bound = parseTimestamp(literal);
  return field && bound ? Math.sign(compareTimestamps(field, bound)) : undefined;
}

function compareAsSeverities(candidate: PlainValue, literal: string): number | undefined {
  const field = severityLevel(candidate);
  const bound = severityLevel(literal);
  return field !== undefined && bound !== undefined ? Math.sign(field - bound) : undefined;
}

function severityLevel(value: PlainValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  return SEVERITY_LEVELS[value.toUpperCase()];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function compareAsNumbers(candidate: string, literal: string): number | undefined {
  if (!NUMBER.test(candidate) || !NUMBER.test(literal)) return undefined;
  return Math.sign(Number(candidate) - Number(literal));
}

function compareAsDurations(candidate: string, literal: string): number | undefined {
  const field = /s$/.test(candidate) ? parseDuration(candidate) : undefined;
  const bound = /s$/.test(literal) ? parseDuration(literal) : undefined;
  return field && bound ? Math.sign(compareTimestamps(field, bound)) : undefined;
}

function compareStrings(candidate: string, literal: string): number {
  if (candidate === literal) return 0;
  return candidate < literal ? -1 : 1;
}

type PlainValue = string | number | boolean | null;

function isPlainValue(value: unknown): value is PlainValue {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** The values at a path; arrays on the way fan out. Empty when the field is missing. */
export function resolveField(entry: FilterableEntry, path: readonly string[]): unknown[] {
  let current: unknown[] = [entry];
  for (const segment of path) {
    current = current.flatMap((value) => flatten(childOf(value, segment)));
  }
  return current.flatMap(flatten);
}

function childOf(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

function flatten(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.flatMap(flatten) : [value];
}

function leafTexts(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'object') return Object.values(value).flatMap(leafTexts);
  return [String(value)];
}

function containsIgnoringCase(text: string, part: string): boolean {
  return text.toLowerCase().includes(part.toLowerCase());
}
