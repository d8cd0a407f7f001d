import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { MigrationSettings } from '../app/deps.js';
import { err, ok, type Result } from '../domain/result.js';
import type { ResourceType } from '../kube/custom-objects.js';
import { isErrorClassId } from '../domain/logs/error-classes.js';

export interface MigrationsConfig {
  readonly gcpBackendApi: ResourceType;
  readonly migrations: readonly MigrationSettings[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DURATION = /^(\d+h)?(\d+m)?(\d+s)?$/;
const SLACK_CHANNEL = /^[CG][A-Z0-9]{2,}$/;
const SLACK_APPROVER = /^[UWS][A-Z0-9]{2,}$/;

const duration = z.string().regex(DURATION, 'must be a duration like 30s, 10m or 1h30m').refine((d) => d !== '', 'must not be empty');
const channel = z.string().regex(SLACK_CHANNEL, 'must be a Slack channel id like C0123ABCD (not a #name)');

const migrationSchema = z
  .object({
    name: z.string().regex(DNS_LABEL, 'must be lowercase letters, digits and "-" (a DNS label, at most 63 characters)'),
    namespace: z.string().regex(DNS_LABEL, 'must be a Kubernetes namespace name'),
    virtualService: z.string().regex(DNS_SUBDOMAIN, 'must be a Kubernetes object name'),
    from: z.string().regex(DNS_SUBDOMAIN, 'must be a host name (the ServiceEntry host)'),
    to: z.string().regex(DNS_SUBDOMAIN, 'must be a host name (the GCPBackend host)'),
    gcpBackend: z.string().regex(DNS_SUBDOMAIN, 'must be the GCPBackend resource name').optional(),
    channel,
    approvers: z.array(z.string().regex(SLACK_APPROVER, 'must be a Slack user id (U…/W…) or user group id (S…)')).min(1, 'must list at least one Slack user (U…) or user group (S…) id'),
    requesters: z.array(z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id (U…/W…)')).default([]),
    allowSelfApproval: z.boolean().default(false),
    incidentChannel: channel.optional(),
    steps: z
      .array(z.number().int('must be whole percentages').min(1).max(100))
      .min(1)
      .default([10, 25, 50, 100])
      .refine((s) => s.every((v, i) => i === 0 || v > (s[i - 1] as number)), 'must increase step by step')
      .refine((s) => s[s.length - 1] === 100, 'must end at 100'),
    bake: duration.default('10m'),
    approvalTimeout: duration.default('30m'),
    mirrorField: z.enum(['mirror', 'mirrors']).default('mirror'),
    toPort: z.number().int().min(1).max(65535).optional(),
    context: z.string().min(1).optional(),
    autoAdvance: z.boolean().default(false),
    logFilter: z.string().min(1).max(5000).optional(),
    rollbackOn: z
      .object({
        errors: z.number().int().min(1).default(20),
        errorRate: z.number().gt(0).max(1).default(0.02),
        classes: z.array(z.string().refine(isErrorClassId, 'is not an error class (see the README: td-permission-denied, no-healthy-upstream, …)')).default(['td-permission-denied']),
      })
      .strict()
      .default({ errors: 20, errorRate: 0.02, classes: ['td-permission-denied'] }),
  })
  .strict()
  .refine((m) => m.from !== m.to, { message: 'from and to must be different hosts', path: ['to'] });

const fileSchema = z
  .object({
    gcpBackendApi: z
      .object({ group: z.string().min(1).default('networking.gke.io'), version: z.string().min(1).default('v1'), plural: z.string().min(1).default('gcpbackends') })
      .strict()
      .default({ group: 'networking.gke.io', version: 'v1', plural: 'gcpbackends' }),
    migrations: z.array(migrationSchema),
  })
  .strict();

const EXAMPLE = `migrations:
  - name: cr-gcpbackend-migration
    namespace: payments
    virtualService: cr-gcpbackend-migration
    from: cr-service-entry.com
    to: cr-gcpbackend.com
    channel: C0PAYMENTS
    approvers: [U0ALICE]`;

/** Parses and checks the migrations file; every problem names the file and the key. Pure. */
export function parseMigrationsFile(text: string, fileName: string): Result<MigrationsConfig, string[]> {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) return err(doc.errors.map((e) => `${fileName}: not valid YAML: ${e.message.split('\n')[0]}`));
  const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (data === null || data === undefined || (typeof data === 'object' && !('migrations' in data))) {
    return err([`${fileName}: no migrations list. A minimal file:\n${EXAMPLE}`]);
  }
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) return err(parsed.error.issues.map((issue) => `${fileName}: ${describeIssue(issue)}`));
  const problems = duplicateNames(parsed.data.migrations.map((m) => m.name)).map((d) => `${fileName}: ${d}`);
  if (problems.length > 0) return err(problems);
  return ok({ gcpBackendApi: parsed.data.gcpBackendApi, migrations: parsed.data.migrations.map(toSettings) });
}

export async function loadMigrationsFile(path: string): Promise<Result<MigrationsConfig, string[]>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return err([`${path}: cannot read the migrations file (${code === 'ENOENT' ? 'no such file' : String((error as Error).message)}). Set MESHBOT_CONFIG to its path.`]);
  }
  return parseMigrationsFile(text, path);
}

type ParsedMigration = z.infer<typeof migrationSchema>;

function toSettings(m: ParsedMigration): MigrationSettings {
  return {
    name: m.name,
    namespace: m.namespace,
    virtualService: m.virtualService,
    from: m.from,
    to: m.to,
    gcpBackend: m.gcpBackend,
    channel: m.channel,
    users: m.approvers.filter((a) => !a.startsWith('S')),
    groups: m.approvers.filter((a) => a.startsWith('S')),
    requesters: m.requesters,
    allowSelfApproval: m.allowSelfApproval,
    incidentChannel: m.incidentChannel,
    approvalTimeoutMs: durationMs(m.approvalTimeout),
    mirrorField: m.mirrorField,
    toPort: m.toPort,
    context: m.context,
    steps: m.steps,
    bakeMs: durationMs(m.bake),
    rollbackOn: m.rollbackOn,
    autoAdvance: m.autoAdvance,
    logFilter: m.logFilter,
  };
}

export function durationMs(text: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  const [, h = '0', m = '0', s = '0'] = match ?? [];
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
  if (issue.code === 'unrecognized_keys') return `${path ? `${path}: ` : ''}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (a typo?)`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${path}: is required`;
  return `${path || '(top level)'}: ${issue.message}`;
}

function duplicateNames(names: readonly string[]): string[] {
  return names.flatMap((name, i) => {
    const first = names.indexOf(name);
    return first < i ? [`migrations[${i}].name "${name}" is used twice (also migrations[${first}])`] : [];
  });
}
