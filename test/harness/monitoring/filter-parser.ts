/**
 * Parser for the Cloud Monitoring filter language as ListTimeSeries accepts it: comparisons
 * `SELECTOR OP VALUE` on metric.type, metric.labels.KEY (or metric.label.KEY), resource.type,
 * resource.labels.KEY (or resource.label.KEY) and project; operators = != < > <= >= and `:`
 * (has substring); values are quoted strings (backslash escapes), numbers, true/false or, after
 * `=` / `!=`, the functions one_of, starts_with, ends_with, has_substring and
 * monitoring.regex.full_match. `AND`, `OR`, `NOT` (upper case), parentheses and juxtaposition
 * (an implicit AND). NOT binds tightest, then AND, then OR: `a OR b AND c` is `a OR (b AND c)`.
 */
import { FilterError, FilterScanner } from '../../../src/domain/logs/filter/filter-scanner.js';
import type { ScannerRules } from '../../../src/domain/logs/filter/filter-scanner.js';

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

export class MonitoringFilterError extends FilterError {
  override readonly name = 'MonitoringFilterError';
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

const SCANNER_RULES: ScannerRules = {
  error: MonitoringFilterError,
  endsKeyword: (char) => !WORD.test(char),
  lineComments: false,
  danglingEscapeAt: 'string-start',
};

class Parser extends FilterScanner {
  constructor(text: string) {
    super(text, SCANNER_RULES);
  }

  parseAll(): FilterNode {
    this.skipSpace();
    if (this.atEnd()) this.fail('empty filter');
    const node = this.parseDisjunction();
    this.expectEnd();
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
    return this.parseOperand(
      'a comparison',
      () => this.parseDisjunction(),
      () => this.parseComparison(),
    );
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
      this.failAt(`${value.name}() can only follow '=' or '!='`, valueStart);
    }
    return { kind: 'compare', selector, op, value, position };
  }

  private parseSelector(): Selector {
    const start = this.pos;
    const word = this.readWhile(WORD);
    if (word === '') this.fail(`expected a selector, found '${this.peek()}'`);
    const selector = selectorOf(word);
    if (!selector) this.failAt(`unknown selector '${word}'`, start);
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
    this.failAt(`expected a quoted string, a number or a function, found '${word}'`, start);
  }

  private parseFunction(name: string, start: number): FilterValue {
    if (!FUNCTIONS.has(name)) this.failAt(`unknown function '${name}'`, start);
    this.pos++;
    const args = this.parseArguments();
    const expected = name === 'one_of' ? args.length >= 1 : args.length === 1;
    if (!expected) this.failAt(`wrong number of arguments to ${name}()`, start);
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

  private expect(char: string): void {
    this.skipSpace();
    if (this.peek() !== char) this.fail(`expected '${char}'`);
    this.pos++;
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
