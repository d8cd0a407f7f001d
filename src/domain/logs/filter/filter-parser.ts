/**
 * Parser for a subset of the Cloud Logging query language: comparisons `FIELD OP VALUE`,
 * global restrictions (a bare value), `AND` / `OR` / `NOT` / leading `-`, parentheses and
 * implicit AND. As in Cloud Logging, OR binds tighter than AND: `a AND b OR c` is
 * `a AND (b OR c)`. Keywords are upper case only; lower-case `and` is a search term.
 */
import { FilterError, FilterScanner } from './filter-scanner.js';
import type { ScannerRules } from './filter-scanner.js';
import { parseTimestamp } from './timestamps.js';

export type ComparisonOperator = '=' | '!=' | ':' | '=~' | '!~' | '>' | '<' | '>=' | '<=';

export type FilterNode =
  | { kind: 'all' }
  | { kind: 'and'; operands: FilterNode[] }
  | { kind: 'or'; operands: FilterNode[] }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'global'; value: string }
  | Comparison;

export interface Comparison {
  kind: 'compare';
  /** Field path with snake_case aliases of LogEntry fields already turned into camelCase. */
  path: string[];
  op: ComparisonOperator;
  value: string;
  /** `FIELD:*` (unquoted star) tests presence; `FIELD:"*"` looks for a star. */
  quoted: boolean;
  regex?: RegExp;
}

export class FilterSyntaxError extends FilterError {
  override readonly name = 'FilterSyntaxError';
}

export const TIME_FIELDS = new Set(['timestamp', 'receiveTimestamp']);
export const SEVERITY_FIELD = 'severity';

// Longest first so that `>=` is not read as `>`.
const OPERATORS: readonly ComparisonOperator[] = ['>=', '<=', '!=', '=~', '!~', '=', ':', '>', '<'];
const ORDERING_OPERATORS = new Set<ComparisonOperator>(['>', '<', '>=', '<=', '=', '!=']);
const KEYWORD_END = /[\s()"]/;
const IDENTIFIER = /[A-Za-z0-9_]/;
const BARE_VALUE_END = /[\s()"]/;
const OPERATOR_CHARS = /[=!:<>~]/;
const MAX_FILTER_LENGTH = 20_000;

const TOP_LEVEL_ALIASES: Record<string, string> = {
  log_name: 'logName',
  insert_id: 'insertId',
  http_request: 'httpRequest',
  json_payload: 'jsonPayload',
  text_payload: 'textPayload',
  proto_payload: 'protoPayload',
  receive_timestamp: 'receiveTimestamp',
  source_location: 'sourceLocation',
  span_id: 'spanId',
  trace_sampled: 'traceSampled',
};

export function parseFilter(text: string): FilterNode {
  if (text.length > MAX_FILTER_LENGTH) {
    throw new FilterSyntaxError(`filter longer than ${MAX_FILTER_LENGTH} characters`, MAX_FILTER_LENGTH);
  }
  return new Parser(text).parseAll();
}

const SCANNER_RULES: ScannerRules = {
  error: FilterSyntaxError,
  endsKeyword: (char) => KEYWORD_END.test(char),
  lineComments: true,
  danglingEscapeAt: 'past-end',
};

class Parser extends FilterScanner {
  constructor(text: string) {
    super(text, SCANNER_RULES);
  }

  parseAll(): FilterNode {
    this.skipSpace();
    if (this.atEnd()) return { kind: 'all' };
    const node = this.parseConjunction();
    this.expectEnd();
    return node;
  }

  private parseConjunction(): FilterNode {
    const operands = [this.parseDisjunction()];
    for (;;) {
      this.skipSpace();
      if (this.atEnd() || this.peek() === ')') break;
      this.acceptKeyword('AND');
      operands.push(this.parseDisjunction());
    }
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  }

  private parseDisjunction(): FilterNode {
    const operands = [this.parseUnary()];
    while (this.acceptKeyword('OR')) operands.push(this.parseUnary());
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  }

  private parseUnary(): FilterNode {
    if (this.acceptKeyword('NOT')) return { kind: 'not', operand: this.parseUnary() };
    if (this.peek() === '-') {
      this.pos++;
      return { kind: 'not', operand: this.parseUnary() };
    }
    return this.parseOperand(
      'a term',
      () => this.parseConjunction(),
      () => this.tryParseComparison() ?? { kind: 'global', value: this.parseValue('a search term') },
    );
  }

  private tryParseComparison(): Comparison | undefined {
    const start = this.pos;
    const path = this.tryParsePath();
    this.skipSpace();
    const op = path && this.tryParseOperator();
    if (!path || !op) {
      this.pos = start;
      return undefined;
    }
    this.skipSpace();
    const quoted = this.peek() === '"';
    const valueStart = this.pos;
    const value = this.parseValue(`a value after '${op}'`);
    return buildComparison(normalizePath(path), op, value, quoted, valueStart);
  }

  private tryParsePath(): string[] | undefined {
    const segments: string[] = [];
    for (;;) {
      const segment = this.peek() === '"' ? this.parseQuoted() : this.readWhile(IDENTIFIER);
      if (segment === '') return undefined;
      segments.push(segment);
      if (this.peek() !== '.') return segments;
      this.pos++;
    }
  }

  private tryParseOperator(): ComparisonOperator | undefined {
    const op = OPERATORS.find((candidate) => this.text.startsWith(candidate, this.pos));
    if (op) this.pos += op.length;
    return op;
  }

  private parseValue(expected: string): string {
    if (this.peek() === '"') return this.parseQuoted();
    if (OPERATOR_CHARS.test(this.peek())) this.fail(`unexpected '${this.peek()}'`);
    const start = this.pos;
    const value = this.readWhile(BARE_VALUE_END, true);
    if (value === '') this.fail(`expected ${expected}`);
    if (this.peek() === '(') this.failAt(`unsupported function '${value}'`, start);
    return value;
  }
}

function normalizePath(path: string[]): string[] {
  const [first = '', ...rest] = path;
  const head = TOP_LEVEL_ALIASES[first] ?? first;
  if (head === 'httpRequest') return [head, ...rest.map(snakeToCamel)];
  return [head, ...rest];
}

function snakeToCamel(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

function buildComparison(
  path: string[],
  op: ComparisonOperator,
  value: string,
  quoted: boolean,
  valueStart: number,
): Comparison {
  const comparison: Comparison = { kind: 'compare', path, op, value, quoted };
  if (op === '=~' || op === '!~') comparison.regex = compileRegex(value, valueStart);
  if (isTimeField(path) && ORDERING_OPERATORS.has(op) && !parseTimestamp(value)) {
    throw new FilterSyntaxError(`invalid timestamp "${value}"`, valueStart);
  }
  return comparison;
}

export function isTimeField(path: readonly string[]): boolean {
  return path.length === 1 && TIME_FIELDS.has(path[0]!);
}

/** RE2 patterns mostly read the same in JS; RE2's leading inline flags `(?i)` become JS flags. */
function compileRegex(pattern: string, position: number): RegExp {
  const inlineFlags = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  const flags = inlineFlags?.[1] ?? '';
  if (/[^ims]/.test(flags)) throw new FilterSyntaxError(`unsupported regex flags '${flags}'`, position);
  try {
    return new RegExp(pattern.slice(inlineFlags?.[0].length ?? 0), flags);
  } catch (error) {
    throw new FilterSyntaxError(`invalid regular expression: ${(error as Error).message}`, position);
  }
}
