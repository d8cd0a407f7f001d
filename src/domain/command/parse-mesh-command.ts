import { parsePercentToken } from '../percent.js';
import { err, ok, type Result } from '../result.js';
import { usageLine } from './command-usage.js';
import { COMMAND_VERBS, DEFAULT_ERRORS_SINCE_SECONDS, OVERRIDE_VERBS, type CommandVerb, type MeshCommand, type MigrationVerb } from './mesh-command.js';
import { checkDnsLabel, checkDnsName, parseDuration, parseEndpoint, parseLabel, quote } from './token-rules.js';

export interface CommandError {
  /** The verb whose usage applies, when the verb itself was understood. */
  readonly verb?: CommandVerb;
  /** What was wrong, then what would be right. Safe to show as is. */
  readonly message: string;
}

type Parsed = Result<MeshCommand, CommandError>;

/**
 * Parses the text after `/mesh`. Never throws: any input gives a command or a message.
 *
 * Example: parseMeshCommand('shift 25% payments') → ok({kind: 'shift', percent: 25, migration: 'payments'}).
 */
export function parseMeshCommand(text: string): Parsed {
  const override = extractOverride(text);
  const tokens = tokenize(override.ok ? override.value.rest : text);
  const [first, ...rest] = tokens;
  if (first === undefined) return ok({ kind: 'help' });
  const verb = first.toLowerCase();
  if (!isVerb(verb)) return err({ message: unknownVerbMessage(first) });
  const parsed = withOverride(verb, override, () => parseVerb(verb, rest));
  return parsed.ok ? parsed : err({ verb, message: `${parsed.error} ${usageLine(verb)}` });
}

const OVERRIDE = /(?:^|\s)(?:--|[\u2013\u2014])override(?:=|\s+|$)(?:"([^"]*)"|\u201c([^\u201d]*)\u201d|'([^']*)'|([^\s"\u201c'-]\S*))?/i;
const REASON_MAX = 300;

/** `--override "reason"` taken out before the text is split on spaces: the quoted reason may hold any. */
function extractOverride(text: string): Result<{ rest: string; reason?: string }, string> {
  const match = OVERRIDE.exec(text);
  if (!match) return ok({ rest: text });
  const reason = (match[1] ?? match[2] ?? match[3] ?? match[4] ?? '').trim();
  if (reason === '') return err('--override needs the reason in quotes, like --override "checkout down, INC-123".');
  if (reason.length > REASON_MAX) return err(`The --override reason is ${reason.length} characters; keep it to ${REASON_MAX}.`);
  return ok({ rest: `${text.slice(0, match.index)} ${text.slice(match.index + match[0].length)}`, reason });
}

function withOverride(verb: CommandVerb, override: Result<{ reason?: string }, string>, parse: () => Result<MeshCommand, string>): Result<MeshCommand, string> {
  if (!override.ok) return OVERRIDE_VERBS.includes(verb) ? override : err(`--override is for ${OVERRIDE_VERBS.join(', ')} only.`);
  const reason = override.value.reason;
  if (reason !== undefined && !OVERRIDE_VERBS.includes(verb)) return err(`--override is for ${OVERRIDE_VERBS.join(', ')} only: rollback and the read-only commands are always allowed.`);
  const parsed = parse();
  return parsed.ok && reason !== undefined ? ok({ ...parsed.value, override: reason } as MeshCommand) : parsed;
}

/** Slack sends typographic spaces and dashes as typed; fold them so `—since` works like `--since`. */
function tokenize(text: string): string[] {
  return text
    .replace(/[\u2013\u2014]/g, '--')
    .split(/[\s\u00a0\u2000-\u200b\u3000]+/)
    .filter((t) => t !== '');
}

function parseVerb(verb: CommandVerb, args: string[]): Result<MeshCommand, string> {
  switch (verb) {
    case 'help':
      return parseHelp(args);
    case 'list':
      return args.length === 0 ? ok({ kind: 'list' }) : unexpected(args);
    case 'shift':
      return parseShift(args);
    case 'mirror':
      return parseMirror(args);
    case 'errors':
      return parseErrors(args);
    case 'export':
      return parseExport(args);
    case 'register':
      return parseRegister(args);
    default:
      return parseMigrationOnly(verb, args);
  }
}

function parseHelp(args: string[]): Result<MeshCommand, string> {
  const [topic, ...extra] = args;
  if (topic === undefined) return ok({ kind: 'help' });
  if (extra.length > 0) return unexpected(extra);
  const verb = topic.toLowerCase();
  return isVerb(verb) ? ok({ kind: 'help', topic: verb }) : err(unknownVerbMessage(topic));
}

function parseMigrationOnly(verb: MigrationVerb, args: string[]): Result<MeshCommand, string> {
  const migration = optionalMigration(args);
  return migration.ok ? ok({ kind: verb, ...migration.value }) : migration;
}

function parseShift(args: string[]): Result<MeshCommand, string> {
  const [percentToken, ...rest] = args;
  if (percentToken === undefined) return err('shift needs a percentage.');
  const percent = parsePercentToken(percentToken);
  if (!percent.ok) return percent;
  const migration = optionalMigration(rest);
  return migration.ok ? ok({ kind: 'shift', percent: percent.value, ...migration.value }) : migration;
}

function parseMirror(args: string[]): Result<MeshCommand, string> {
  const [percentToken, ...rest] = args;
  if (percentToken === undefined) return err('mirror needs a percentage or off.');
  const percent = percentToken.toLowerCase() === 'off' ? ok('off' as const) : parsePercentToken(percentToken);
  if (!percent.ok) return percent;
  const migration = optionalMigration(rest);
  return migration.ok ? ok({ kind: 'mirror', percent: percent.value, ...migration.value }) : migration;
}

function parseErrors(args: string[]): Result<MeshCommand, string> {
  const options = readOptions(args, ['since']);
  if (!options.ok) return options;
  const { positional, values } = options.value;
  const migration = optionalMigration(positional);
  if (!migration.ok) return migration;
  const sinceToken = values.since?.[0];
  const since = sinceToken === undefined ? ok(DEFAULT_ERRORS_SINCE_SECONDS) : parseDuration(sinceToken);
  return since.ok ? ok({ kind: 'errors', sinceSeconds: since.value, ...migration.value }) : since;
}

function parseExport(args: string[]): Result<MeshCommand, string> {
  const options = readOptions(args, ['dns-suffix', 'namespace']);
  if (!options.ok) return options;
  const { positional, values } = options.value;
  const [serviceToken, ...extra] = positional;
  if (serviceToken === undefined) return err('export needs the name of the Kubernetes Service.');
  if (extra.length > 0) return unexpected(extra);
  const service = checkDnsLabel(serviceToken, 'Service name');
  if (!service.ok) return service;
  const suffixToken = values['dns-suffix']?.[0];
  if (suffixToken === undefined) return err('export needs --dns-suffix: the DNS suffix Cloud Run clients use for mesh services.');
  const dnsSuffix = checkDnsName(suffixToken, 'DNS suffix');
  if (!dnsSuffix.ok) return dnsSuffix;
  const namespace = optionalNamespace(values.namespace?.[0]);
  if (!namespace.ok) return namespace;
  return ok({ kind: 'export', service: service.value, dnsSuffix: dnsSuffix.value, ...namespace.value });
}

function parseRegister(args: string[]): Result<MeshCommand, string> {
  const options = readOptions(args, ['namespace', 'label']);
  if (!options.ok) return options;
  const { positional, values } = options.value;
  const [nameToken, endpointToken, ...extra] = positional;
  if (nameToken === undefined || endpointToken === undefined) return err('register needs a name and the VM address IP:PORT.');
  if (extra.length > 0) return unexpected(extra);
  const name = checkDnsLabel(nameToken, 'workload name');
  if (!name.ok) return name;
  const address = parseEndpoint(endpointToken);
  if (!address.ok) return address;
  const namespace = optionalNamespace(values.namespace?.[0]);
  if (!namespace.ok) return namespace;
  const labels: Record<string, string> = {};
  for (const token of values.label ?? []) {
    const label = parseLabel(token);
    if (!label.ok) return label;
    labels[label.value[0]] = label.value[1];
  }
  return ok({ kind: 'register', name: name.value, address: address.value, labels, ...namespace.value });
}

function optionalMigration(args: string[]): Result<{ migration?: string }, string> {
  const option = args.find((a) => a.startsWith('--'));
  if (option !== undefined) return err(`${quote(option)} is not an option of this command.`);
  const [token, ...extra] = args;
  if (extra.length > 0) return unexpected(extra);
  if (token === undefined) return ok({});
  const name = checkDnsLabel(token, 'migration name');
  return name.ok ? ok({ migration: name.value }) : name;
}

function optionalNamespace(token: string | undefined): Result<{ namespace?: string }, string> {
  if (token === undefined) return ok({});
  const namespace = checkDnsLabel(token, 'namespace');
  return namespace.ok ? ok({ namespace: namespace.value }) : namespace;
}

interface Options {
  positional: string[];
  values: Partial<Record<string, string[]>>;
}

/** `--name value` and `--name=value`; options may repeat (`--label a=b --label c=d`); single-use options may not. */
function readOptions(args: string[], allowed: string[]): Result<Options, string> {
  const out: Options = { positional: [], values: {} };
  for (let i = 0; i < args.length; i++) {
    const token = args[i] as string;
    if (!token.startsWith('--')) {
      out.positional.push(token);
      continue;
    }
    const [rawName, inline] = splitOnce(token.slice(2), '=');
    const name = rawName.toLowerCase();
    if (!allowed.includes(name)) return err(`${quote(token)} is not an option here; options: ${allowed.map((a) => `--${a}`).join(', ')}.`);
    const value = inline ?? args[++i];
    if (value === undefined || value === '' || value.startsWith('--')) return err(`--${name} needs a value.`);
    const list = (out.values[name] ??= []);
    if (list.length > 0 && name !== 'label') return err(`--${name} is given twice; give it once.`);
    list.push(value);
  }
  return ok(out);
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function unexpected(extra: string[]): Result<never, string> {
  return err(`${quote(extra.join(' '))} is more than this command takes.`);
}

function isVerb(token: string): token is CommandVerb {
  return (COMMAND_VERBS as readonly string[]).includes(token);
}

function unknownVerbMessage(token: string): string {
  const guess = closestVerb(token.toLowerCase());
  const suggestion = guess ? ` Did you mean ${guess}?` : '';
  return `${quote(token)} is not a meshbot command.${suggestion} Commands: ${COMMAND_VERBS.join(', ')}. Try /mesh help.`;
}

function closestVerb(token: string): CommandVerb | undefined {
  let best: { verb: CommandVerb; distance: number } | undefined;
  for (const verb of COMMAND_VERBS) {
    const distance = editDistance(token, verb);
    if (distance <= 2 && (!best || distance < best.distance)) best = { verb, distance };
  }
  return best?.verb;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
