/**
 * Parser for the Cloud Monitoring filter language as ListTimeSeries accepts it: comparisons
 * `SELECTOR OP VALUE` on metric.type, metric.labels.KEY (or metric.label.KEY), resource.type,
 * resource.labels.KEY (or resource.label.KEY) and project; operators = != < > <= >= and `:`
 * (has substring); values are quoted strings (backslash escapes), numbers, true/false or, after
 * `=` / `!=`, the functions one_of, starts_with, ends_with, has_substring and
 * monitoring.regex.full_match. `AND`, `OR`, `NOT` (upper case), parentheses and juxtaposition
 * (an implicit AND). NOT binds tightest, then AND, then OR: `a OR b AND c` is `a OR (b AND c)`.
 */

export type ComparisonOperator = '=' | '!=' | '<' | '>' | '<=' | '>=' | ':';

export type Selector =
  | { object: 'metric' | 'resource'; field: 'type' }
  | { object: 'metric' | 'resource'; field: 'label'; key: string }
  | { object: 'project'; field: 'id' };

export type FilterFunctionName = 'one_of' | 'starts_with' | 'ends_with' | 'has_substring' | 'monitoring.regex.full_match';

export type FilterValue =
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'function'; name: FilterFunctionName; args: string[]; regex?: RegExp };

export interface Comparison {
  kind: 'compare';
  selector: Selector;
  op: ComparisonOperator;
  value: FilterValue;
  position: number;
}

export type FilterNode =
  | { kind: 'and'; operands: FilterNode[] }
  | { kind: 'or'; operands: FilterNode[] }
  | { kind: 'not'; operand: FilterNode }
  | Comparison;

export class MonitoringFilterError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'MonitoringFilterError';
  }
}

// Longest first so that `>=` is not read as `>`.
const OPERATORS: readonly ComparisonOperator[] = ['>=', '<=', '!=', '=', '<', '>', ':'];
const FUNCTIONS: ReadonlySet<string> = new Set<FilterFunctionName>(['one_of', 'starts_with', 'ends_with', 'has_substring', 'monitoring.regex.full_match']);
const WORD = /[A-Za-z0-9_.]/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const KEYWORDS = new Set(['AND', 'OR', 'NOT']);

export function parseFilter(text: string): FilterNode {
  return new Parser(text).parseAll();
}

class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parseAll(): FilterNode {
    this.skipSpace();
    if (this.atEnd()) this.fail('empty filter');
    const node = this.parseDisjunction();
    this.skipSpace();
    if (!this.atEnd()) this.fail(`unexpected '${this.peek()}'`);
    return node;
  }

  private parseDisjunction(): FilterNode {
    const operands = [this.parseConjunction()];
    while (this.acceptKeyword('OR')) operands.push(this.parseConjunction());
    return operands.length === 1 ? operands[0]! : { kind: 'or', operands };
  }

  private parseConjunction(): FilterNode {
    const operands = [this.parseUnary()];
    for (;;) {
      this.skipSpace();
      if (this.atEnd() || this.peek() === ')' || this.atKeyword('OR')) break;
      this.acceptKeyword('AND');
      operands.push(this.parseUnary());
    }
    return operands.length === 1 ? operands[0]! : { kind: 'and', operands };
  }

  private parseUnary(): FilterNode {
    if (this.acceptKeyword('NOT')) return { kind: 'not', operand: this.parseUnary() };
    return this.parsePrimary();
  }

  private parsePrimary(): FilterNode {
    this.skipSpace();
    if (this.atEnd()) this.fail('expected a comparison');
    if (this.peek() === '(') return this.parseParenthesized();
    if (this.peek() === ')') this.fail("unexpected ')'");
    if (this.atKeyword('AND') || this.atKeyword('OR')) this.fail('expected a comparison before the operator');
    return this.parseComparison();
  }

  private parseParenthesized(): FilterNode {
    const open = this.pos++;
    this.skipSpace();
    if (this.peek() === ')') this.fail('empty parentheses');
    const node = this.parseDisjunction();
    this.skipSpace();
    if (this.peek() !== ')') throw new MonitoringFilterError("unbalanced '('", open);
    this.pos++;
    return node;
  }

  private parseComparison(): Comparison {
    const position = this.pos;
    const selector = this.parseSelector();
    this.skipSpace();
    const op = OPERATORS.find((candidate) => this.text.startsWith(candidate, this.pos));
    if (!op) this.fail('expected one of = != < > <= >= :');
    this.pos += op.length;
    this.skipSpace();
    const valueStart = this.pos;
    const value = this.parseValue();
    if (value.kind === 'function' && op !== '=' && op !== '!=') {
      throw new MonitoringFilterError(`${value.name}() can only follow '=' or '!='`, valueStart);
    }
    return { kind: 'compare', selector, op, value, position };
  }

  private parseSelector(): Selector {
    const start = this.pos;
    const word = this.readWhile(WORD);
    if (word === '') this.fail(`expected a selector, found '${this.peek()}'`);
    const selector = selectorOf(word);
    if (!selector) throw new MonitoringFilterError(`unknown selector '${word}'`, start);
    return selector;
  }

  private parseValue(): FilterValue {
    if (this.atEnd()) this.fail('expected a value');
    if (this.peek() === '"') return { kind: 'string', text: this.parseQuoted() };
    const start = this.pos;
    if (this.peek() === '-' || this.peek() === '+') this.pos++;
    const word = this.text.slice(start, this.pos) + this.readWhile(WORD);
    if (word === '') this.fail(`expected a value, found '${this.peek()}'`);
    this.skipSpace();
    if (this.peek() === '(') return this.parseFunction(word, start);
    if (word === 'true' || word === 'false') return { kind: 'bool', value: word === 'true' };
    if (NUMBER.test(word)) return { kind: 'number', text: word };
    throw new MonitoringFilterError(`expected a quoted string, a number or a function, found '${word}'`, start);
  }

  private parseFunction(name: string, start: number): FilterValue {
    if (!FUNCTIONS.has(name)) throw new MonitoringFilterError(`unknown function '${name}'`, start);
    this.pos++;
    const args = this.parseArguments();
    const expected = name === 'one_of' ? args.length >= 1 : args.length === 1;
    if (!expected) throw new MonitoringFilterError(`wrong number of arguments to ${name}()`, start);
    const value: FilterValue = { kind: 'function', name: name as FilterFunctionName, args };
    if (name === 'monitoring.regex.full_match') value.regex = compileFullMatch(args[0]!, start);
    return value;
  }

  private parseArguments(): string[] {
    const args: string[] = [];
    this.skipSpace();
    while (this.peek() !== ')') {
      if (args.length > 0) this.expect(',');
      this.skipSpace();
      if (this.peek() !== '"') this.fail('expected a quoted string argument');
      args.push(this.parseQuoted());
      this.skipSpace();
      if (this.atEnd()) this.fail("expected ')'");
    }
    this.pos++;
    return args;
  }

  private parseQuoted(): string {
    const start = this.pos++;
    let value = '';
    while (!this.atEnd()) {
      const char = this.text[this.pos++]!;
      if (char === '"') return value;
      value += char === '\\' ? this.readEscape(start) : char;
    }
    throw new MonitoringFilterError('unterminated string', start);
  }

  private readEscape(stringStart: number): string {
    const char = this.text[this.pos++];
    switch (char) {
      case undefined:
        throw new MonitoringFilterError('unterminated string', stringStart);
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'u':
        return this.readUnicodeEscape();
      default:
        // \" and \\ stand for themselves; so does any other escaped character (e.g. in a regex).
        return char === '"' || char === '\\' ? char : `\\${char}`;
    }
  }

  private readUnicodeEscape(): string {
    const hex = this.text.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape');
    this.pos += 4;
    return String.fromCharCode(parseInt(hex, 16));
  }

  private expect(char: string): void {
    this.skipSpace();
    if (this.peek() !== char) this.fail(`expected '${char}'`);
    this.pos++;
  }

  private readWhile(pattern: RegExp): string {
    const start = this.pos;
    while (!this.atEnd() && pattern.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private skipSpace(): void {
    while (!this.atEnd() && /\s/.test(this.peek())) this.pos++;
  }

  private atKeyword(keyword: string): boolean {
    if (!this.text.startsWith(keyword, this.pos)) return false;
    const next = this.text[this.pos + keyword.length];
    return next === undefined || !WORD.test(next);
  }

  private acceptKeyword(keyword: string): boolean {
    this.skipSpace();
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
    throw new MonitoringFilterError(message, this.pos);
  }
}

function selectorOf(word: string): Selector | undefined {
  if (KEYWORDS.has(word)) return undefined;
  if (word === 'project') return { object: 'project', field: 'id' };
  const [object, field, ...rest] = word.split('.');
  if (object !== 'metric' && object !== 'resource') return undefined;
  if (field === 'type' && rest.length === 0) return { object, field: 'type' };
  const key = rest.join('.');
  if ((field === 'labels' || field === 'label') && rest.length === 1 && key !== '') return { object, field: 'label', key };
  return undefined;
}

/** RE2 full match; the patterns Monitoring filters use read the same in JS. */
function compileFullMatch(pattern: string, position: number): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (error) {
    throw new MonitoringFilterError(`invalid regular expression: ${(error as Error).message}`, position);
  }
}
