/**
 * Evaluates a parsed Monitoring filter against a series header, and finds the one metric type
 * that a ListTimeSeries filter must name. Label values are strings: a quoted literal compares as
 * a string, a bare number compares numerically when the label reads as a number. A comparison
 * on a label the series does not have is false, and so `!=` on it is true.
 */
import { parseFilter } from './filter-parser.js';
import type { Comparison, ComparisonOperator, FilterNode, FilterValue } from './filter-parser.js';
import type { SeriesHeader } from './series.js';

export type HeaderPredicate = (header: Pick<SeriesHeader, 'metric' | 'resource'>) => boolean;

export interface CompiledFilter {
  metricType: string;
  matches: HeaderPredicate;
}

/** Thrown when a filter parses but cannot select time series. */
export class MetricTypeError extends Error {
  override name = 'MetricTypeError';
}

/** Parses once; throws MonitoringFilterError for bad syntax, MetricTypeError without exactly one metric type. */
export function compileTimeSeriesFilter(filter: string): CompiledFilter {
  const node = parseFilter(filter);
  return { metricType: singleMetricType(node), matches: (header) => matchesFilter(node, header) };
}

/** ListTimeSeries needs exactly one `metric.type = "…"`, and every series must satisfy it. */
export function singleMetricType(node: FilterNode): string {
  const restrictions = comparisons(node).filter((comparison) => comparison.selector.object === 'metric' && comparison.selector.field === 'type');
  if (restrictions.length === 0) throw new MetricTypeError('A time series filter must specify a metric type (metric.type = "...")');
  if (restrictions.length > 1) throw new MetricTypeError('A time series filter must specify exactly one metric type; it names several');
  const [restriction] = restrictions as [Comparison];
  if (restriction.op !== '=' || restriction.value.kind !== 'string') {
    throw new MetricTypeError('The metric type must be restricted with metric.type = "..." and a single string');
  }
  if (!topLevelConjuncts(node).includes(restriction)) {
    throw new MetricTypeError('The metric type restriction must apply to the whole filter, not inside OR or NOT');
  }
  return restriction.value.text;
}

function comparisons(node: FilterNode): Comparison[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.operands.flatMap(comparisons);
    case 'not':
      return comparisons(node.operand);
    case 'compare':
      return [node];
  }
}

function topLevelConjuncts(node: FilterNode): FilterNode[] {
  return node.kind === 'and' ? node.operands.flatMap(topLevelConjuncts) : [node];
}

export function matchesFilter(node: FilterNode, header: Pick<SeriesHeader, 'metric' | 'resource'>): boolean {
  switch (node.kind) {
    case 'and':
      return node.operands.every((operand) => matchesFilter(operand, header));
    case 'or':
      return node.operands.some((operand) => matchesFilter(operand, header));
    case 'not':
      return !matchesFilter(node.operand, header);
    case 'compare': {
      const actual = selectedValue(node, header);
      if (actual === undefined) return node.op === '!=';
      return node.op === '!=' ? !matchesValue('=', actual, node.value) : matchesValue(node.op, actual, node.value);
    }
  }
}

function selectedValue({ selector }: Comparison, header: Pick<SeriesHeader, 'metric' | 'resource'>): string | undefined {
  if (selector.object === 'project') return header.resource.labels['project_id'];
  const object = header[selector.object];
  return selector.field === 'type' ? object.type : object.labels[selector.key];
}

function matchesValue(op: Exclude<ComparisonOperator, '!='>, actual: string, value: FilterValue): boolean {
  switch (value.kind) {
    case 'function':
      return matchesFunction(value, actual);
    case 'bool':
      return op === '=' && actual === String(value.value);
    case 'number':
      return compareOrdered(op, compareNumbers(actual, value.text) ?? compareStrings(actual, value.text), actual, value.text);
    case 'string':
      return compareOrdered(op, compareStrings(actual, value.text), actual, value.text);
  }
}

function compareOrdered(op: Exclude<ComparisonOperator, '!='>, order: number, actual: string, literal: string): boolean {
  switch (op) {
    case '=':
      return order === 0;
    case ':':
      return actual.includes(literal);
    case '<':
      return order < 0;
    case '>':
      return order > 0;
    case '<=':
      return order <= 0;
    case '>=':
      return order >= 0;
  }
}

function matchesFunction(value: Extract<FilterValue, { kind: 'function' }>, actual: string): boolean {
  const [first = ''] = value.args;
  switch (value.name) {
    case 'one_of':
      return value.args.includes(actual);
    case 'starts_with':
      return actual.startsWith(first);
    case 'ends_with':
      return actual.endsWith(first);
    case 'has_substring':
      return actual.includes(first);
    case 'monitoring.regex.full_match':
      return value.regex!.test(actual);
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function compareNumbers(actual: string, literal: string): number | undefined {
  return NUMBER.test(actual) ? Math.sign(Number(actual) - Number(literal)) : undefined;
}

function compareStrings(actual: string, literal: string): number {
  if (actual === literal) return 0;
  return actual < literal ? -1 : 1;
}
