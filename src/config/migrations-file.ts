import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { checkDnsLabel, checkDnsName, quote } from '../domain/command/token-rules.js';
import { ERROR_CLASS_IDS, isErrorClassId } from '../domain/logs/error-classes.js';
import { err, ok, type Result } from '../domain/result.js';
import { parseDurationMs, parseDurationOrZeroMs } from './duration.js';
import { DEFAULT_LATENCY_FLOOR_MS, DEFAULT_LATENCY_P99_RATIO, DEFAULT_MIN_REQUESTS } from '../domain/rates/analysis-settings.js';
import type { Migration, MigrationsConfig } from './types.js';
import { IANAZone } from 'luxon';
import { WEEKDAYS } from '../domain/policy/change-windows.js';

export type { GcpBackendApi, Migration, MigrationsConfig, MirrorField, RollbackOn } from './types.js';

const DEFAULT_GCP_BACKEND_API = { group: 'networking.gke.io', version: 'v1', plural: 'gcpbackends' };
const DEFAULT_STEPS = [10, 25, 50, 100];
const DEFAULT_DRIFT_CHECK = '5m';

const MINIMAL_EXAMPLE = `migrations:
  - name: cr-gcpbackend-migration
    namespace: payments
    virtualService: cr-gcpbackend-migration
    from: cr-service-entry.com
    to: cr-gcpbackend.com
    channel: C0PAYMENTS
    approvers: [U0ALICE]`;
const NO_MIGRATIONS = `must list the migrations; a minimal file:\n${MINIMAL_EXAMPLE}`;

/** The migration called `name`, if configured. */
export function findMigration(config: MigrationsConfig, name: string): Migration | undefined {
  return config.migrations.find((m) => m.name === name);
}

/** The migrations `/mesh` may act on in this channel. */
export function migrationsForChannel(config: MigrationsConfig, channelId: string): Migration[] {
  return config.migrations.filter((m) => m.channel === channelId);
}

/** Reads and checks the migrations file; a missing file names MESHBOT_CONFIG, which points at it. */
export async function loadMigrationsFile(path: string): Promise<Result<MigrationsConfig, string[]>> {
  try {
    return parseMigrationsFile(await readFile(path, 'utf8'), path);
  } catch (error) {
    return err([unreadableFileMessage(path, error as NodeJS.ErrnoException)]);
  }
}

/** Parses and checks the migrations file. Pure. Every problem names the file and the key path. */
export function parseMigrationsFile(text: string, fileName: string): Result<MigrationsConfig, string[]> {
  const data = parseYaml(text);
  if (!data.ok) return err(data.error.map((problem) => `${fileName}: ${problem}`));
  if (data.value === null || data.value === undefined) return err([`${fileName}: is empty; it ${NO_MIGRATIONS}`]);
  if (!isRecord(data.value)) return err([`${fileName}: must be a mapping with a "migrations" key; a minimal file:\n${MINIMAL_EXAMPLE}`]);
  const parsed = fileSchema.safeParse(data.value, { error: genericMessage, reportInput: true });
  const problems = [...(parsed.success ? [] : parsed.error.issues.map(describeIssue)), ...crossCheck(data.value.migrations)];
  if (problems.length > 0 || !parsed.success) return err(problems.map((problem) => `${fileName}: ${problem}`));
  const { driftCheck } = parsed.data;
  return ok({ gcpBackendApi: parsed.data.gcpBackendApi, migrations: parsed.data.migrations.map((m) => withChangePolicy(toMigration(m, driftCheck), parsed.data)) });
}

function unreadableFileMessage(path: string, error: NodeJS.ErrnoException): string {
  const where = resolve(path) === path ? '' : ` (${resolve(path)})`;
  if (error.code === 'ENOENT') return `${path}: no such file${where}; set MESHBOT_CONFIG to the path of the migrations file.`;
  if (error.code === 'EISDIR') return `${path}: is a directory${where}; set MESHBOT_CONFIG to the migrations file inside it, like ${path.replace(/\/$/, '')}/meshbot.yaml.`;
  return `${path}: cannot read the migrations file${where} (${error.code ?? error.message}); check MESHBOT_CONFIG and the file's permissions.`;
}

function parseYaml(text: string): Result<unknown, string[]> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    return err(
      doc.errors.map((e) => {
        const { line, col } = lines.linePos(e.pos[0]);
        const reason = e.code === 'MULTIPLE_DOCS' ? 'holds more than one YAML document (a second ---); keep everything in one' : e.message;
        return `line ${line}, column ${col}: not valid YAML: ${reason}`;
      }),
    );
  }
  try {
    return ok(doc.toJS() as unknown);
  } catch (error) {
    return err([`not valid YAML: ${(error as Error).message}`]);
  }
}

// ---- the schema: zod checks shape and each value; messages say what would be right ----

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list, like [a, b]',
  object: 'a mapping of keys to values',
};

/** Messages for what the schema below leaves to zod: missing keys, wrong types, enums. */
function genericMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required';
    if (issue.input === null) return 'is empty: give a value or remove the key';
    return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
  }
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`;
  return undefined;
}

/** A strict mapping: an unknown key (often a typo) is named, with the keys allowed there. */
function mapping<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const allowed = Object.keys(shape);
  return z.strictObject(shape, { error: (issue) => (issue.code === 'unrecognized_keys' ? unknownKeysMessage(issue.keys, allowed) : undefined) });
}

/** Text checked by a rule returning a Result; the rule's message already shows the value. */
function checkedText<T>(check: (text: string) => Result<T, string>, notText?: string) {
  const text = notText === undefined ? z.string() : z.string({ error: (issue) => (issue.input === undefined || issue.input === null ? undefined : notText) });
  return text.transform((value, context) => {
    const result = check(value);
    if (result.ok) return result.value;
    context.issues.push({ code: 'custom', message: result.error.replace(/\.$/, ''), input: undefined });
    return z.NEVER;
  });
}

const nonEmptyText = z.string().refine((text) => text.trim() !== '', 'must not be empty');
const dnsLabel = (what: string) => checkedText((text) => checkDnsLabel(text, what));
const host = (what: string) => checkedText((text) => checkDnsName(text, what));
const objectName = (what: string) => checkedText((text) => checkObjectName(text, what));
const duration = checkedText(parseDurationMs, 'must be a duration with its unit, like 30s, 10m or 1h30m');
/** `bake: 0s` turns bakes off: the step is done once applied. */
const durationOrNone = checkedText(parseDurationOrZeroMs, 'must be a duration with its unit, like 30s, 10m or 1h30m');
const channelId = checkedText(checkChannelId);

const rollbackOnSchema = mapping({
  // Unset: no count rule while metrics judge the bake; LOG_ONLY_ERRORS when it is judged on logs alone.
  errors: z.number().refine((n) => Number.isInteger(n) && n >= 1, 'must be a whole number of errors, at least 1').optional(),
  errorRate: z.number().refine((x) => x > 0 && x <= 1, 'must be a fraction above 0 and at most 1, like 0.02 for 2%').default(0.02),
  minRequests: z.number().refine((n) => Number.isInteger(n) && n >= 1, 'must be a whole number of requests to the new host, at least 1, like 100').default(DEFAULT_MIN_REQUESTS),
  latencyP99Ratio: z.number().refine((x) => x > 1, "must be a ratio above 1, like 1.5 (the new host's p99 may be 1.5 × the old host's)").default(DEFAULT_LATENCY_P99_RATIO),
  latencyFloorMs: z.number().refine((n) => n >= 0 && Number.isFinite(n), 'must be milliseconds, 0 or more, like 25').default(DEFAULT_LATENCY_FLOOR_MS),
  classes: z.array(z.string().refine(isErrorClassId, `is not an error class; known classes: ${ERROR_CLASS_IDS.join(', ')}`)).default(['td-permission-denied']),
});

const analysisSchema = mapping({
  metrics: z.enum(['auto', 'off']).default('auto'),
  metricsDelay: duration.prefault('3m'),
  maxBake: duration.optional(),
  fromService: nonEmptyText.optional(),
  toService: nonEmptyText.optional(),
  window: duration.refine((ms) => ms % 1000 === 0, 'must be whole seconds').prefault('1m'),
  callerNamespace: dnsLabel('caller namespace').optional(),
});

const stepsSchema = z
  .array(z.number().refine((n) => Number.isInteger(n) && n >= 1 && n <= 100, 'must be a whole percentage from 1 to 100'))
  .refine((steps) => steps.every((step, i) => i === 0 || step > (steps[i - 1] ?? 0)), `must increase strictly, like [${DEFAULT_STEPS.join(', ')}]`)
  .refine((steps) => steps.at(-1) === 100, 'must end at 100, where all traffic goes to the GCPBackend host')
  .default(DEFAULT_STEPS);

// ---- change policy: approvals, change windows, freezes, break-glass approvers ----

const wholeAtLeastOne = (what: string) => z.number().refine((n) => Number.isInteger(n) && n >= 1, `must be a whole number of ${what}, at least 1`);
const clockTime = z.string().regex(/^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be a 24-hour time HH:MM, like "09:00"');
const timeZone = checkedText(checkTimeZone);

const changeWindowSchema = mapping({
  days: z.array(z.enum(WEEKDAYS)).min(1, `must list at least one day, like [${WEEKDAYS.slice(0, 5).join(', ')}]`),
  from: clockTime,
  to: clockTime,
  timeZone,
}).refine((w) => w.from !== w.to, { message: 'from and to must differ (a "to" earlier than "from" ends the next day)', path: ['to'] });

const freezeSchema = mapping({
  from: checkedText((text) => checkFreezeTime(text, 'from')),
  to: checkedText((text) => checkFreezeTime(text, 'to')),
  reason: nonEmptyText.optional(),
}).refine((f) => Date.parse(f.to) > Date.parse(f.from), { message: 'must be later than from', path: ['to'] });

const changeWindowsSchema = z.array(changeWindowSchema);
const freezesSchema = z.array(freezeSchema);

const migrationSchema = mapping({
  name: dnsLabel('migration name'),
  namespace: dnsLabel('namespace'),
  virtualService: objectName('VirtualService name'),
  from: host('ServiceEntry host'),
  to: host('GCPBackend host'),
  gcpBackend: objectName('GCPBackend name').optional(),
  channel: channelId,
  approvers: z.array(checkedText(checkApproverId)).min(1, 'must list at least one Slack user (U…) or user group (S…) id'),
  requesters: z.array(checkedText(checkUserId)).default([]),
  allowSelfApproval: z.boolean().default(false),
  approvals: wholeAtLeastOne('approvals').optional(),
  stepApprovals: z.record(z.string(), wholeAtLeastOne('approvals')).optional(),
  breakGlassApprovers: z.array(checkedText(checkApproverId)).min(1, 'must list at least one Slack user (U…) or user group (S…) id, or be left out (then the approvers approve break-glass requests)').optional(),
  changeWindows: changeWindowsSchema.optional(),
  freezes: freezesSchema.optional(),
  incidentChannel: channelId.optional(),
  steps: stepsSchema,
  bake: durationOrNone.prefault('10m'),
  approvalTimeout: duration.prefault('30m'),
  mirrorField: z.enum(['mirror', 'mirrors']).default('mirror'),
  toPort: z.number().refine((n) => Number.isInteger(n) && n >= 1 && n <= 65535, 'must be a port number from 1 to 65535').optional(),
  context: nonEmptyText.optional(),
  autoAdvance: z.boolean().default(false),
  logFilter: nonEmptyText.optional(),
  rollbackOn: rollbackOnSchema.prefault({}),
  analysis: analysisSchema.prefault({}),
  validateImage: checkedText(checkImageReference).optional(),
  gitops: z.enum(['warn', 'refuse', 'suspend-flux']).default('warn'),
  driftCheck: duration.optional(),
});

const fileSchema = mapping({
  changeWindows: changeWindowsSchema.default([]),
  freezes: freezesSchema.default([]),
  gcpBackendApi: mapping({
    group: nonEmptyText.default(DEFAULT_GCP_BACKEND_API.group),
    version: nonEmptyText.default(DEFAULT_GCP_BACKEND_API.version),
    plural: nonEmptyText.default(DEFAULT_GCP_BACKEND_API.plural),
  }).prefault({}),
  driftCheck: duration.prefault(DEFAULT_DRIFT_CHECK),
  migrations: z.array(migrationSchema, { error: (issue) => (issue.input === undefined ? NO_MIGRATIONS : undefined) }).min(1, NO_MIGRATIONS),
});

type ParsedMigration = z.infer<typeof migrationSchema>;

/** A migration's own changeWindows and freezes replace the file's; breakGlassApprovers split like approvers. */
function withChangePolicy(m: Migration & Pick<ParsedMigration, 'breakGlassApprovers'>, file: Pick<z.infer<typeof fileSchema>, 'changeWindows' | 'freezes'>): Migration {
  const breakGlass = m.breakGlassApprovers;
  return {
    ...m,
    changeWindows: m.changeWindows ?? file.changeWindows,
    freezes: m.freezes ?? file.freezes,
    ...(breakGlass ? { breakGlassUsers: breakGlass.filter((id) => !isGroupId(id)), breakGlassGroups: breakGlass.filter(isGroupId) } : {}),
  };
}

function toMigration({ bake, approvalTimeout, analysis, driftCheck, ...m }: ParsedMigration, defaultDriftCheckMs: number): Migration {
  const { metricsDelay, maxBake, window, ...rest } = analysis;
  return {
    ...m,
    analysis: { ...rest, metricsDelayMs: metricsDelay, windowMs: window, ...(maxBake === undefined ? {} : { maxBakeMs: maxBake }) },
    users: m.approvers.filter((id) => !isGroupId(id)),
    groups: m.approvers.filter(isGroupId),
    bakeMs: bake,
    approvalTimeoutMs: approvalTimeout,
    driftCheckMs: driftCheck ?? defaultDriftCheckMs,
  };
}

// ---- value rules ----

const isGroupId = (id: string): boolean => id.startsWith('S');

function checkChannelId(text: string): Result<string, string> {
  if (/^[CG][A-Z0-9]{2,}$/.test(text)) return ok(text);
  return err(`${quote(text)} is not a Slack channel id: use the id (C… or G…, at the bottom of the channel's details), not its #name`);
}

function checkApproverId(text: string): Result<string, string> {
  if (/^[UWS][A-Z0-9]{2,}$/.test(text)) return ok(text);
  return err(`${quote(text)} is not a Slack user (U…/W…) or user group (S…) id: copy it from the profile or group ("Copy member ID"), not the @name`);
}

function checkUserId(text: string): Result<string, string> {
  if (/^[UW][A-Z0-9]{2,}$/.test(text)) return ok(text);
  return err(`${quote(text)} is not a Slack user id (U… or W…)${isGroupId(text) ? ': user groups may approve, but requesters are listed one by one' : ''}`);
}

/** A container image reference, like curlimages/curl:8.11.1 or registry.example.com:5000/tools/curl@sha256:…. */
function checkImageReference(text: string): Result<string, string> {
  const image = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::\w[\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
  if (text.length <= 255 && image.test(text)) return ok(text);
  return err(`${quote(text)} is not a container image reference: write it as kubectl would take it, like curlimages/curl:8.11.1 (the probe runs curl from it)`);
}

/** A Kubernetes object name: a DNS-1123 subdomain. */
function checkObjectName(text: string, what: string): Result<string, string> {
  if (text.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(text)) return ok(text);
  return err(`${quote(text)} is not a valid ${what}: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, at most 253 characters`);
}

function checkTimeZone(text: string): Result<string, string> {
  if (IANAZone.isValidZone(text)) return ok(text);
  return err(`${quote(text)} is not an IANA time zone: use a name like Europe/Berlin, America/New_York or UTC`);
}

/** A freeze's end: an ISO 8601 date-time with its offset, or a date, which stands for its whole day in UTC. */
function checkFreezeTime(text: string, end: 'from' | 'to'): Result<string, string> {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))) {
    const start = new Date(`${text}T00:00:00Z`);
    return ok(new Date(end === 'from' ? start.getTime() : start.getTime() + 86_400_000).toISOString());
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/.test(text) && !Number.isNaN(Date.parse(text))) return ok(text);
  return err(`${quote(text)} is not a date-time with its offset, like 2026-12-20T00:00:00+01:00, or a date, like 2026-12-20 (a whole day, UTC)`);
}

// ---- checks across migrations, on the raw data so they show up beside the schema's ----

function crossCheck(migrations: unknown): string[] {
  if (!Array.isArray(migrations)) return [];
  return [...duplicateNames(migrations), ...sameFromAndTo(migrations), ...migrations.flatMap(approvalProblems)];
}

function duplicateNames(migrations: readonly unknown[]): string[] {
  const names = migrations.map((m) => (isRecord(m) && typeof m.name === 'string' ? m.name : undefined));
  return names.flatMap((name, i) => {
    const earlier = names.flatMap((other, j) => (j < i && other === name && name !== undefined ? [`migrations[${j}]`] : []));
    return earlier.length === 0 ? [] : [`migrations[${i}].name "${name}" is used ${earlier.length === 1 ? 'twice' : `${earlier.length + 1} times`} (also ${earlier.join(', ')})`];
  });
}

function sameFromAndTo(migrations: readonly unknown[]): string[] {
  return migrations.flatMap((m, i) =>
    isRecord(m) && typeof m.from === 'string' && m.from === m.to ? [`migrations[${i}].to: must differ from "from" (both are "${m.from}"): traffic moves from the ServiceEntry host to the GCPBackend host`] : [],
  );
}

// ---- zod issues → messages ----

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  return `${path === '' ? '' : `${path}: `}${issue.message}${shownInput(issue)}`;
}

/** `migrations[0].rollbackOn.errorRate` */
function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}

/** ` (got 2)`: what was written, when it is short enough to repeat. */
function shownInput(issue: z.core.$ZodIssue): string {
  const input: unknown = issue.input;
  const isShort = ['string', 'number', 'boolean'].includes(typeof input) || (Array.isArray(input) && input.length > 0 && input.every((v) => typeof v !== 'object'));
  const shown = isShort && !issue.message.includes('\n') ? showValue(input) : '';
  return shown === '' || shown.length > 80 ? '' : ` (got ${shown})`;
}

function showValue(value: unknown): string {
  return Array.isArray(value) ? `[${value.map(showValue).join(', ')}]` : JSON.stringify(value);
}

function unknownKeysMessage(keys: readonly string[], allowed: readonly string[]): string {
  const named = keys.map((key) => {
    const near = closestKey(key, allowed);
    return `"${key}"${near === undefined ? '' : ` (did you mean "${near}"?)`}`;
  });
  return `unknown key${keys.length > 1 ? 's' : ''} ${named.join(', ')}; allowed keys: ${allowed.join(', ')}`;
}

/** The allowed key a typo most likely meant: at most two edits away. */
function closestKey(key: string, allowed: readonly string[]): string | undefined {
  const ranked = allowed.map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) })).sort((a, b) => a.distance - b.distance);
  const best = ranked[0];
  return best !== undefined && best.distance <= 2 ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** stepApprovals name configured steps, and a migration of named users only has enough of them to approve. */
function approvalProblems(m: unknown, i: number): string[] {
  if (!isRecord(m)) return [];
  const steps = Array.isArray(m.steps) ? m.steps : DEFAULT_STEPS;
  const stepApprovals = isRecord(m.stepApprovals) ? m.stepApprovals : {};
  const unknownSteps = Object.keys(stepApprovals).filter((key) => !steps.includes(Number(key)));
  const problems = unknownSteps.map((key) => `migrations[${i}].stepApprovals.${key}: is not one of the steps [${steps.join(', ')}] (finalize counts as 100)`);
  const approvers = Array.isArray(m.approvers) ? m.approvers.filter((id): id is string => typeof id === 'string') : [];
  const needed = Math.max(typeof m.approvals === 'number' ? m.approvals : 1, ...Object.values(stepApprovals).filter((n): n is number => typeof n === 'number'));
  if (approvers.length > 0 && !approvers.some(isGroupId) && needed > approvers.length) {
    problems.push(`migrations[${i}].approvals: ${needed} approvals are needed but only ${approvers.length} approver${approvers.length === 1 ? ' is' : 's are'} listed; list more approvers (or a user group) or lower approvals/stepApprovals`);
  }
  return problems;
}
