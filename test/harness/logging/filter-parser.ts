/**
 * Parser for a subset of the Cloud Logging query language: comparisons `FIELD OP VALUE`,
 * global restrictions (a bare value), `AND` / `OR` / `NOT` / leading `-`, parentheses and
 * implicit AND. As in Cloud Logging, OR binds tighter than AND: `a AND b OR c` is
 * `a AND (b OR c)`. Keywords are upper case only; lower-case `and` is a search term.
 */
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

export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'FilterSyntaxError';
  }
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

class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parseAll(): FilterNode {
    this.skipSpace();
    if (this.atEnd()) return { kind: 'all' };
    const node = this.parseConjunction();
    this.skipSpace();
    if (!this.atEnd()) this.fail(`unexpected '${this.text[this.pos]}'`);
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
    while (this.skipSpace(), this.acceptKeyword('OR')) operands.push(this.parseUnary());
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  }

  private parseUnary(): FilterNode {
    this.skipSpace();
    if (this.acceptKeyword('NOT')) return { kind: 'not', operand: this.parseUnary() };
    if (this.peek() === '-') {
      this.pos++;
      return { kind: 'not', operand: this.parseUnary() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): FilterNode {
    this.skipSpace();
    if (this.atEnd()) this.fail('expected a term');
    if (this.peek() === '(') return this.parseParenthesized();
    if (this.peek() === ')') this.fail("unexpected ')'");
    if (this.atKeyword('AND') || this.atKeyword('OR')) this.fail('expected a term before the operator');
    return this.tryParseComparison() ?? { kind: 'global', value: this.parseValue('a search term') };
  }

  private parseParenthesized(): FilterNode {
    const open = this.pos++;
    this.skipSpace();
    if (this.peek() === ')') this.fail('empty parentheses');
    const node = this.parseConjunction();
    this.skipSpace();
    if (this.peek() !== ')') throw new FilterSyntaxError("unbalanced '('", open);
    this.pos++;
    return node;
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
    if (this.peek() === '(') throw new FilterSyntaxError(`unsupported function '${value}'`, start);
    return value;
  }

  private parseQuoted(): string {
    const start = this.pos++;
    let value = '';
    while (!this.atEnd()) {
      const char = this.text[this.pos++]!;
      if (char === '"') return value;
      value += char === '\\' ? this.readEscape() : char;
    }
    throw new FilterSyntaxError('unterminated string', start);
  }

  private readEscape(): string {
    const char = this.text[this.pos++];
    switch (char) {
      case undefined:
        return this.fail('unterminated string');
      case '"':
      case '\\':
        return char;
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'u':
        return this.readUnicodeEscape();
      default:
        // Unknown escapes stay as written so that regex classes like "\d" survive.
        return `\\${char}`;
    }
  }

  private readUnicodeEscape(): string {
    const hex = this.text.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape');
    this.pos += 4;
    return String.fromCharCode(parseInt(hex, 16));
  }

  private readWhile(pattern: RegExp, negate = false): string {
    const start = this.pos;
    while (!this.atEnd() && pattern.test(this.peek()) !== negate) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private skipSpace(): void {
    for (;;) {
      this.readWhile(/\s/);
      if (!this.text.startsWith('--', this.pos)) return;
      // A comment runs to the end of the line.
      while (!this.atEnd() && this.peek() !== '\n') this.pos++;
    }
  }

  private atKeyword(keyword: string): boolean {
    if (!this.text.startsWith(keyword, this.pos)) return false;
    const next = this.text[this.pos + keyword.length];
    return next === undefined || KEYWORD_END.test(next);
  }

  private acceptKeyword(keyword: string): boolean {
    if (!this.atKeyword(keyword)) return false;
    this.pos += keyword.length;
    return true;
  }

  private peek(): string {
    return this.text[this.pos] ?? '';
  }

  private atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  private fail(message: string): never {
    throw new FilterSyntaxError(message, this.pos);
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
