import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findMigration, loadMigrationsFile, migrationsForChannel, parseMigrationsFile } from '../../../src/config/migrations-file.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/config');
const EXAMPLE = readFileSync(join(FIXTURES, 'example.yaml'), 'utf8');
const MINIMAL = readFileSync(join(FIXTURES, 'minimal.yaml'), 'utf8');
const MINIMAL_ENTRY = MINIMAL.replace('migrations:\n', '');

const parse = (text: string) => parseMigrationsFile(text, 'meshbot.yaml');
const withKeys = (lines: string) => `${MINIMAL}${lines}\n`;

function problems(text: string): string[] {
  const result = parse(text);
  if (result.ok) throw new Error('expected problems');
  return result.error;
}

function firstMigration(text: string) {
  const result = parse(text);
  if (!result.ok) throw new Error(result.error.join('\n'));
  return result.value.migrations[0];
}

describe('parseMigrationsFile', () => {
  it('parses the full example to every value it sets', () => {
    expect(parse(EXAMPLE)).toEqual({
      ok: true,
      value: {
        gcpBackendApi: { group: 'networking.gke.io', version: 'v1', plural: 'gcpbackends' },
        migrations: [
          {
            name: 'cr-gcpbackend-migration',
            namespace: 'payments',
            virtualService: 'cr-gcpbackend-migration',
            from: 'cr-service-entry.com',
            to: 'cr-gcpbackend.com',
            gcpBackend: 'cr-gcpbackend',
            channel: 'C0PAYMENTS',
            approvers: ['U0ALICE', 'S0SRE'],
            users: ['U0ALICE'],
            groups: ['S0SRE'],
            requesters: ['U0BOB'],
            allowSelfApproval: false,
            incidentChannel: 'C0INCIDENTS',
            steps: [10, 25, 50, 100],
            bakeMs: 600_000,
            approvalTimeoutMs: 1_800_000,
            gitops: 'warn',
            driftCheckMs: 300_000,
            mirrorField: 'mirror',
            toPort: 443,
            context: 'gke_proj_region_cluster',
            autoAdvance: false,
            changeWindows: [],
            freezes: [],
            logFilter: 'resource.labels.cluster_name="prod"',
            rollbackOn: { errors: 20, errorRate: 0.02, minRequests: 100, latencyP99Ratio: 1.5, latencyFloorMs: 25, classes: ['td-permission-denied'] },
            analysis: { metrics: 'auto', metricsDelayMs: 180_000, maxBakeMs: 1_800_000, fromService: 'cr-service-entry.com', toService: 'cr-gcpbackend.com', windowMs: 60_000, callerNamespace: 'checkout' },
          },
        ],
      },
    });
  });

  it('fills every default', () => {
    const result = parse(MINIMAL);
    expect(result.ok && result.value.gcpBackendApi).toEqual({ group: 'networking.gke.io', version: 'v1', plural: 'gcpbackends' });
    expect(firstMigration(MINIMAL)).toStrictEqual({
      name: 'checkout',
      namespace: 'payments',
      virtualService: 'checkout',
      from: 'checkout.internal',
      to: 'checkout-gcp.internal',
      channel: 'C0CHECKOUT',
      approvers: ['U0ALICE'],
      users: ['U0ALICE'],
      groups: [],
      requesters: [],
      allowSelfApproval: false,
      steps: [10, 25, 50, 100],
      bakeMs: 600_000,
      approvalTimeoutMs: 1_800_000,
      gitops: 'warn',
      driftCheckMs: 300_000,
      mirrorField: 'mirror',
      autoAdvance: false,
      changeWindows: [],
      freezes: [],
      rollbackOn: { errorRate: 0.02, minRequests: 100, latencyP99Ratio: 1.5, latencyFloorMs: 25, classes: ['td-permission-denied'] },
      analysis: { metrics: 'auto', metricsDelayMs: 180_000, windowMs: 60_000 },
    });
  });

  it('fills what a partial rollbackOn or gcpBackendApi leaves out', () => {
    const result = parse(`gcpBackendApi: { version: v1beta1 }\n${withKeys('    rollbackOn: { errors: 5 }')}`);
    expect(result.ok && result.value.gcpBackendApi).toEqual({ group: 'networking.gke.io', version: 'v1beta1', plural: 'gcpbackends' });
    expect(result.ok && result.value.migrations[0]?.rollbackOn).toEqual({ errors: 5, errorRate: 0.02, minRequests: 100, latencyP99Ratio: 1.5, latencyFloorMs: 25, classes: ['td-permission-denied'] });
  });

  it('takes the other allowed values', () => {
    const migration = firstMigration(withKeys('    mirrorField: mirrors\n    bake: 1h30m\n    approvalTimeout: 45s\n    steps: [5, 100]\n    approvers: [W0ADMIN, S0SRE, U0ALICE]\n    autoAdvance: true\n    allowSelfApproval: true').replace('    approvers: [U0ALICE]\n', ''));
    expect(migration).toMatchObject({ mirrorField: 'mirrors', bakeMs: 5_400_000, approvalTimeoutMs: 45_000, steps: [5, 100], users: ['W0ADMIN', 'U0ALICE'], groups: ['S0SRE'], autoAdvance: true, allowSelfApproval: true });
  });

  it.each([
    ['    aprovers: [U0BOB]', 'meshbot.yaml: migrations[0]: unknown key "aprovers" (did you mean "approvers"?); allowed keys: name, namespace, virtualService, from, to, gcpBackend, channel, approvers, requesters, allowSelfApproval, approvals, stepApprovals, breakGlassApprovers, changeWindows, freezes, incidentChannel, steps, bake, approvalTimeout, mirrorField, toPort, context, autoAdvance, logFilter, rollbackOn, analysis, validateImage'],
    ['    rollbackOn: { clases: [] }', 'meshbot.yaml: migrations[0].rollbackOn: unknown key "clases" (did you mean "classes"?); allowed keys: errors, errorRate, minRequests, latencyP99Ratio, latencyFloorMs, classes'],
    ['    colour: blue\n    size: 3', 'meshbot.yaml: migrations[0]: unknown keys "colour", "size"; allowed keys: name,'],
    ['    gcpBackend: Bad_Name', "meshbot.yaml: migrations[0].gcpBackend: 'Bad_Name' is not a valid GCPBackend name: use lowercase letters, digits, '-' and '.'"],
    ['    incidentChannel: incidents', "meshbot.yaml: migrations[0].incidentChannel: 'incidents' is not a Slack channel id"],
    ['    requesters: [S0SRE]', "meshbot.yaml: migrations[0].requesters[0]: 'S0SRE' is not a Slack user id (U… or W…): user groups may approve, but requesters are listed one by one"],
    ['    allowSelfApproval: yes', 'meshbot.yaml: migrations[0].allowSelfApproval: must be true or false (got "yes")'],
    ['    steps: [10, 50, 25, 100]', 'meshbot.yaml: migrations[0].steps: must increase strictly, like [10, 25, 50, 100] (got [10, 50, 25, 100])'],
    ['    steps: [10, 10, 100]', 'meshbot.yaml: migrations[0].steps: must increase strictly'],
    ['    steps: [10, 25, 50]', 'meshbot.yaml: migrations[0].steps: must end at 100, where all traffic goes to the GCPBackend host (got [10, 25, 50])'],
    ['    steps: []', 'meshbot.yaml: migrations[0].steps: must end at 100'],
    ['    steps: [0, 100]', 'meshbot.yaml: migrations[0].steps[0]: must be a whole percentage from 1 to 100 (got 0)'],
    ['    steps: [12.5, 100]', 'meshbot.yaml: migrations[0].steps[0]: must be a whole percentage from 1 to 100 (got 12.5)'],
    ['    steps: 10', 'meshbot.yaml: migrations[0].steps: must be a list, like [a, b] (got 10)'],
    ['    bake: ten minutes', 'meshbot.yaml: migrations[0].bake: "ten minutes" is not a duration: write it like 30s, 10m, 1h or 1h30m'],
    ['    bake: 600', 'meshbot.yaml: migrations[0].bake: must be a duration with its unit, like 30s, 10m or 1h30m (got 600)'],
    ['    approvalTimeout: 0m', 'meshbot.yaml: migrations[0].approvalTimeout: "0m" is no time at all: give at least 1s'],
    ['    mirrorField: both', 'meshbot.yaml: migrations[0].mirrorField: must be one of mirror, mirrors (got "both")'],
    ['    toPort: 70000', 'meshbot.yaml: migrations[0].toPort: must be a port number from 1 to 65535 (got 70000)'],
    ['    toPort: "443"', 'meshbot.yaml: migrations[0].toPort: must be a number (got "443")'],
    ['    context: ""', 'meshbot.yaml: migrations[0].context: must not be empty'],
    ['    autoAdvance: 1', 'meshbot.yaml: migrations[0].autoAdvance: must be true or false (got 1)'],
    ['    logFilter:', 'meshbot.yaml: migrations[0].logFilter: is empty: give a value or remove the key'],
    ['    rollbackOn: { errors: 0 }', 'meshbot.yaml: migrations[0].rollbackOn.errors: must be a whole number of errors, at least 1 (got 0)'],
    ['    rollbackOn: { errors: 2.5 }', 'meshbot.yaml: migrations[0].rollbackOn.errors: must be a whole number of errors, at least 1 (got 2.5)'],
    ['    rollbackOn: { errorRate: 2 }', 'meshbot.yaml: migrations[0].rollbackOn.errorRate: must be a fraction above 0 and at most 1, like 0.02 for 2% (got 2)'],
    ['    rollbackOn: { errorRate: 0 }', 'meshbot.yaml: migrations[0].rollbackOn.errorRate: must be a fraction above 0 and at most 1'],
    ['    rollbackOn: { minRequests: 0 }', 'meshbot.yaml: migrations[0].rollbackOn.minRequests: must be a whole number of requests to the new host, at least 1, like 100 (got 0)'],
    ['    rollbackOn: { latencyP99Ratio: 0.9 }', "meshbot.yaml: migrations[0].rollbackOn.latencyP99Ratio: must be a ratio above 1, like 1.5"],
    ['    analysis: { metrics: on }', 'meshbot.yaml: migrations[0].analysis.metrics: must be one of auto, off (got "on")'],
    ['    analysis: { metricsDelay: 3 }', 'meshbot.yaml: migrations[0].analysis.metricsDelay: must be a duration with its unit, like 30s, 10m or 1h30m (got 3)'],
    ['    analysis: { toservice: x }', 'meshbot.yaml: migrations[0].analysis: unknown key "toservice" (did you mean "toService"?)'],
    ['    rollbackOn: { classes: td-permission-denied }', 'meshbot.yaml: migrations[0].rollbackOn.classes: must be a list, like [a, b] (got "td-permission-denied")'],
  ])('refuses %j, naming the file and the key', (lines, message) => {
    expect(problems(withKeys(lines))).toContainEqual(expect.stringContaining(message));
  });

  it.each([
    ['approvers: [U0ALICE]', 'approvers: []', 'meshbot.yaml: migrations[0].approvers: must list at least one Slack user (U…) or user group (S…) id'],
    ['approvers: [U0ALICE]', 'approvers: U0ALICE', 'meshbot.yaml: migrations[0].approvers: must be a list, like [a, b] (got "U0ALICE")'],
    ['approvers: [U0ALICE]', 'approvers: ["@alice"]', "meshbot.yaml: migrations[0].approvers[0]: '@alice' is not a Slack user (U…/W…) or user group (S…) id"],
    ['channel: C0CHECKOUT', 'channel: "#checkout"', "meshbot.yaml: migrations[0].channel: '#checkout' is not a Slack channel id: use the id (C… or G…, at the bottom of the channel's details), not its #name"],
    ['name: checkout', 'name: Checkout', "meshbot.yaml: migrations[0].name: 'Checkout' is not a valid migration name: use lowercase letters, digits and '-'"],
    ['namespace: payments', 'namespace: pay.ments', "meshbot.yaml: migrations[0].namespace: 'pay.ments' is not a valid namespace"],
    ['virtualService: checkout', 'virtualService: Checkout_VS', "meshbot.yaml: migrations[0].virtualService: 'Checkout_VS' is not a valid VirtualService name"],
    ['from: checkout.internal', 'from: http://checkout', "meshbot.yaml: migrations[0].from: 'http://checkout' is not a valid ServiceEntry host: use a DNS name"],
    ['to: checkout-gcp.internal', 'to: checkout_gcp', "meshbot.yaml: migrations[0].to: 'checkout_gcp' is not a valid GCPBackend host"],
    ['to: checkout-gcp.internal', 'to: checkout.internal', 'meshbot.yaml: migrations[0].to: must differ from "from" (both are "checkout.internal")'],
    ['    namespace: payments\n', '', 'meshbot.yaml: migrations[0].namespace: is required'],
  ])('refuses %j → %j', (from, to, message) => {
    expect(problems(MINIMAL.replace(from, to))).toContainEqual(expect.stringContaining(message));
  });

  it('refuses a rollbackOn class that does not exist (it would never trigger)', () => {
    const text = `${MINIMAL}    rollbackOn: { classes: [td-permision-denied] }\n`;
    expect(problems(text)).toEqual([expect.stringContaining('meshbot.yaml: migrations[0].rollbackOn.classes[0]: is not an error class; known classes: td-permission-denied,')]);
  });

  it('names a migration name used twice, and where it was first', () => {
    const text = `${MINIMAL}${MINIMAL_ENTRY.replace('name: checkout', 'name: payments')}${MINIMAL_ENTRY.replace('name: checkout', 'name: payments')}`;
    expect(problems(text)).toEqual(['meshbot.yaml: migrations[2].name "payments" is used twice (also migrations[1])']);
  });

  it('refuses unknown keys at the top and in gcpBackendApi', () => {
    expect(problems(`gcpBackendApi: { versoin: v1 }\nmigraitons: []\n${MINIMAL}`)).toEqual([
      'meshbot.yaml: gcpBackendApi: unknown key "versoin" (did you mean "version"?); allowed keys: group, version, plural',
      'meshbot.yaml: unknown key "migraitons" (did you mean "migrations"?); allowed keys: changeWindows, freezes, gcpBackendApi, driftCheck, migrations',
    ]);
  });

  it('lists every problem at once, in every migration', () => {
    const text = `${MINIMAL}    bake: soon\n${MINIMAL_ENTRY.replace('name: checkout', 'name: other').replace('channel: C0CHECKOUT', 'channel: general')}`;
    expect(problems(text).map((p) => p.split(':').slice(0, 2).join(':'))).toEqual(['meshbot.yaml: migrations[0].bake', 'meshbot.yaml: migrations[1].channel']);
  });

  it.each([
    ['an empty file', '', 'meshbot.yaml: is empty; it must list the migrations; a minimal file:\nmigrations:\n  - name: cr-gcpbackend-migration\n'],
    ['only comments', '# nothing yet\n', 'meshbot.yaml: is empty; it must list the migrations; a minimal file:\nmigrations:\n'],
    ['no migrations key', 'gcpBackendApi: {}\n', 'meshbot.yaml: migrations: must list the migrations; a minimal file:\nmigrations:\n'],
    ['an empty list', 'migrations: []\n', 'meshbot.yaml: migrations: must list the migrations; a minimal file:\nmigrations:\n'],
    ['a list at the top', '- name: checkout\n', 'meshbot.yaml: must be a mapping with a "migrations" key; a minimal file:\nmigrations:\n'],
  ])('shows a minimal example for %s', (_, text, message) => {
    const [problem] = problems(text);
    expect(problem).toContain(message);
    expect(problem).toContain('approvers: [U0ALICE]');
  });

  it.each([
    ['migrations: [unclosed', 'meshbot.yaml: line 1, column 22: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    [withKeys('    bake: 1m\n    bake: 2m'), 'meshbot.yaml: line 10, column 5: not valid YAML: Map keys must be unique'],
    [`${MINIMAL}---\nmore: 1\n`, 'meshbot.yaml: line 9, column 1: not valid YAML: holds more than one YAML document (a second ---); keep everything in one'],
  ])('names the line of a YAML syntax error: %#', (text, message) => {
    expect(problems(text)).toEqual([message]);
  });
});

describe('findMigration and migrationsForChannel', () => {
  const text = `${MINIMAL}${MINIMAL_ENTRY.replace('name: checkout', 'name: refunds')}${MINIMAL_ENTRY.replace('name: checkout', 'name: search').replace('C0CHECKOUT', 'C0SEARCH')}`;
  const result = parse(text);
  if (!result.ok) throw new Error(result.error.join('\n'));
  const config = result.value;

  it('finds a migration by name', () => {
    expect(findMigration(config, 'refunds')?.name).toBe('refunds');
    expect(findMigration(config, 'nope')).toBeUndefined();
  });

  it('lists the migrations of a channel', () => {
    expect(migrationsForChannel(config, 'C0CHECKOUT').map((m) => m.name)).toEqual(['checkout', 'refunds']);
    expect(migrationsForChannel(config, 'C0OTHER')).toEqual([]);
  });
});

describe('loadMigrationsFile', () => {
  it('reads and checks the file', async () => {
    const result = await loadMigrationsFile(join(FIXTURES, 'example.yaml'));
    expect(result.ok && result.value.migrations.map((m) => m.name)).toEqual(['cr-gcpbackend-migration']);
  });

  it('names the file it read in each message', async () => {
    const result = await loadMigrationsFile(join(FIXTURES, 'empty.yaml'));
    expect(!result.ok && result.error[0]).toMatch(new RegExp(`^${join(FIXTURES, 'empty.yaml')}: is empty`));
  });

  it('names a missing file and MESHBOT_CONFIG', async () => {
    expect(await loadMigrationsFile('/nonexistent/meshbot.yaml')).toEqual({
      ok: false,
      error: ['/nonexistent/meshbot.yaml: no such file; set MESHBOT_CONFIG to the path of the migrations file.'],
    });
  });

  it('shows where a relative path was looked for', async () => {
    const result = await loadMigrationsFile('./no-such-meshbot.yaml');
    expect(!result.ok && result.error[0]).toBe(`./no-such-meshbot.yaml: no such file (${join(process.cwd(), 'no-such-meshbot.yaml')}); set MESHBOT_CONFIG to the path of the migrations file.`);
  });

  it('says when the path is a directory, as when a ConfigMap is mounted whole', async () => {
    const result = await loadMigrationsFile(FIXTURES);
    expect(!result.ok && result.error[0]).toBe(`${FIXTURES}: is a directory; set MESHBOT_CONFIG to the migrations file inside it, like ${FIXTURES}/meshbot.yaml.`);
  });
});
