/**
 * The scanning that the Cloud Logging query parser (filter-parser.ts here) and the test
 * harness's Cloud Monitoring filter parser share: the position, peeking, upper-case keywords,
 * quoted strings with backslash escapes, white space, parentheses and errors that name the
 * position. Each parser extends FilterScanner with ScannerRules for what differs between the
 * two languages.
 */

/** A syntax error in a filter: the message ends with `at position N`. */
export abstract class FilterError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
  }
}

export interface ScannerRules {
  /** The parser's own FilterError class. */
  error: new (message: string, position: number) => FilterError;
  /** Whether this character, right after a keyword's letters, ends the keyword (`ANDx` is no AND). */
  endsKeyword(char: string): boolean;
  /** Cloud Logging: `--` starts a comment that runs to the end of the line, and counts as space. */
  lineComments: boolean;
  /**
   * Where a backslash that ends the text inside a string is reported as an unterminated string:
   * at the opening quote, or one past the end of the text (where the scanner stands after it).
   */
  danglingEscapeAt: 'string-start' | 'past-end';
}

export abstract class FilterScanner {
  protected pos = 0;

  protected constructor(
    protected readonly text: string,
    private readonly rules: ScannerRules,
  ) {}

  /**
   * Where an operand starts: `(`, the expression `parseExpression` reads and `)`; or else the
   * leaf that `parseLeaf` reads. `term` ('a term', 'a comparison') names the operand in errors.
   */
  protected parseOperand<T>(term: string, parseExpression: () => T, parseLeaf: () => T): T {
    this.skipSpace();
    if (this.atEnd()) this.fail(`expected ${term}`);
    if (this.peek() === '(') return this.parseParenthesized(parseExpression);
    if (this.peek() === ')') this.fail("unexpected ')'");
    if (this.atKeyword('AND') || this.atKeyword('OR')) this.fail(`expected ${term} before the operator`);
    return parseLeaf();
  }

  /** `(` at the position: the expression `parseInner` reads, then `)`. */
  private parseParenthesized<T>(parseInner: () => T): T {
    const open = this.pos++;
    this.skipSpace();
    if (this.peek() === ')') this.fail('empty parentheses');
    const node = parseInner();
    this.skipSpace();
    if (this.peek() !== ')') this.failAt("unbalanced '('", open);
    this.pos++;
    return node;
  }

  /** After the whole filter: only space may be left. */
  protected expectEnd(): void {
    this.skipSpace();
    if (!this.atEnd()) this.fail(`unexpected '${this.peek()}'`);
  }

  protected parseQuoted(): string {
    const start = this.pos++;
    let value = '';
    while (!this.atEnd()) {
      const char = this.text[this.pos++]!;
      if (char === '"') return value;
      value += char === '\\' ? this.readEscape(start) : char;
    }
    this.failAt('unterminated string', start);
  }

  private readEscape(stringStart: number): string {
    const char = this.text[this.pos++];
    switch (char) {
      case undefined:
        return this.failAt('unterminated string', this.rules.danglingEscapeAt === 'string-start' ? stringStart : this.pos);
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'u':
        return this.readUnicodeEscape();
      default:
        // \" and \\ stand for themselves; unknown escapes stay as written so that regex classes like "\d" survive.
        return char === '"' || char === '\\' ? char : `\\${char}`;
    }
  }

  private readUnicodeEscape(): string {
    const hex = this.text.slice(this.pos, this.pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape');
    this.pos += 4;
    return String.fromCharCode(parseInt(hex, 16));
  }

  /** The characters from the position on that match `pattern` (with `negate`, that do not). */
  protected readWhile(pattern: RegExp, negate = false): string {
    const start = this.pos;
    while (!this.atEnd() && pattern.test(this.peek()) !== negate) this.pos++;
    return this.text.slice(start, this.pos);
  }

  protected skipSpace(): void {
    for (;;) {
      this.readWhile(/\s/);
      if (!this.rules.lineComments || !this.text.startsWith('--', this.pos)) return;
      while (!this.atEnd() && this.peek() !== '\n') this.pos++;
    }
  }

  protected atKeyword(keyword: string): boolean {
    if (!this.text.startsWith(keyword, this.pos)) return false;
    const next = this.text[this.pos + keyword.length];
    return next === undefined || this.rules.endsKeyword(next);
  }

  /** Skips space, then reads `keyword` if it stands at the position. */
  protected acceptKeyword(keyword: string): boolean {
    this.skipSpace();
    if (!this.atKeyword(keyword)) return false;
    this.pos += keyword.length;
    return true;
  }

  protected peek(): string {
    return this.text[this.pos] ?? '';
  }

  protected atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  protected fail(message: string): never {
    this.failAt(message, this.pos);
  }

  protected failAt(message: string, position: number): never {
    throw new this.rules.error(message, position);
  }
}
