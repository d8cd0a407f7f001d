import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run-cli.js';
import { FROM, TO } from '../../support/virtual-services.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/cli');

async function cli(args: string[], stdin = '') {
  let stdout = '';
  let stderr = '';
  const status = await runCli(args, {
    readFile: async (path) => readFileSync(join(FIXTURES, path), 'utf8'),
    readStdin: async () => stdin,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: {},
  });
  return { status, stdout, stderr };
}

const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const shiftArgs = (file: string, percent: string, ...more: string[]) => ['shift', '--file', file, '--from', FROM, '--to', TO, '--percent', percent, ...more];

describe('meshbot shift', () => {
  it('shifts the seed example 90/10 to 75/25 and keeps comments', async () => {
    const { status, stdout, stderr } = await cli(shiftArgs('seed.yaml', '25'));
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    const weights = parse(stdout).spec.http[0].route.map((r: { weight: number }) => r.weight);
    expect(weights).toEqual([25, 75]);
    expect(stdout).toContain('# the GCPBackend host');
  });

  it('changes only the VirtualServices that hold the host and passes other documents through byte for byte', async () => {
    const input = fixture('multi.yaml');
    const { status, stdout } = await cli(shiftArgs('multi.yaml', '50'));
    expect(status).toBe(0);
    const inDocs = input.split(/^---$/m);
    const outDocs = stdout.split(/^---$/m);
    expect(outDocs).toHaveLength(inDocs.length);
    expect(outDocs[0]).toBe(inDocs[0]);
    expect(outDocs[2]).toBe(inDocs[2]);
    expect(outDocs[1]).not.toBe(inDocs[1]);
    expect(parseAllDocuments(stdout)[1]?.toJS().spec.http[0].route).toEqual([
      { destination: { host: FROM }, weight: 50 },
      { destination: { host: TO }, weight: 50 },
    ]);
  });

  it('reads standard input with --file -', async () => {
    const { status, stdout } = await cli(shiftArgs('-', '100'), fixture('seed.yaml'));
    expect(status).toBe(0);
    expect(parse(stdout).spec.http[0].route.map((r: { weight: number }) => r.weight)).toEqual([100, 0]);
  });

  it('prints JSON with --output json', async () => {
    const { stdout } = await cli(shiftArgs('seed.yaml', '25', '--output', 'json'));
    expect(JSON.parse(stdout).spec.http[0].route[1]).toEqual({ destination: { host: FROM }, weight: 75 });
  });

  it('prints a List for several documents with --output json', async () => {
    const { stdout } = await cli(shiftArgs('multi.yaml', '25', '-o', 'json'));
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'List', items: [{ kind: 'ServiceEntry' }, { kind: 'VirtualService' }, { kind: 'DestinationRule' }] });
  });

  it('prints a readable before/after with --output diff', async () => {
    const { stdout } = await cli(shiftArgs('seed.yaml', '25', '--output', 'diff'));
    expect(stdout).toBe(`VirtualService payments/cr-gcpbackend-migration\n  http[0]  ${FROM} 90 → 75, ${TO} 10 → 25  ███████████████░░░░░\n`);
  });

  it.each([
    [['shift', '--file', 'seed.yaml', '--from', FROM, '--to', TO], 'missing --percent'],
    [shiftArgs('seed.yaml', '250'), '--percent 250 is not a percentage between 0 and 100'],
    [shiftArgs('seed.yaml', '12.5'), 'is not a whole percentage'],
    [shiftArgs('missing.yaml', '10'), 'cannot read --file missing.yaml: no such file'],
    [shiftArgs('seed.yaml', '10', '--output', 'xml'), '--output xml is not a format: use yaml, json or diff'],
    [shiftArgs('seed.yaml', '10', '--bogus'), "Unknown option '--bogus'"],
    [shiftArgs('not-yaml.yaml', '10'), 'document 1 is not valid YAML'],
    [shiftArgs('no-vs.yaml', '10'), 'the input holds no VirtualService (kinds found: ServiceEntry)'],
    [shiftArgs('ambiguous.yaml', '10'), 'more than once'],
    [shiftArgs('invalid-vs.yaml', '10'), 'against the Istio CRD schema'],
    [['shift', '--file', 'seed.yaml', '--from', 'nope.example.com', '--to', TO, '--percent', '10'], 'nope.example.com is not a destination of any http route'],
    [['shift', '--file', 'seed.yaml', '--from', FROM, '--to', FROM, '--percent', '10'], `from and to are both ${FROM}`],
    [['launch'], "'launch' is not a command"],
  ])('refuses %j with status 2, a message and no output', async (args, message) => {
    const { status, stdout, stderr } = await cli(args);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a YAML alias bomb instead of expanding it', async () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n');
    const { status, stderr } = await cli(shiftArgs('-', '10'), bomb);
    expect(status).toBe(2);
    expect(stderr).toContain('document 1');
  });
});

describe('meshbot mirror', () => {
  it('mirrors a share to the GCPBackend host and removes it with --off', async () => {
    const on = await cli(['mirror', '--file', 'seed.yaml', '--from', FROM, '--to', TO, '--percent', '10']);
    expect(parse(on.stdout).spec.http[0]).toMatchObject({ mirror: { host: TO }, mirrorPercentage: { value: 10 } });
    const off = await cli(['mirror', '--file', '-', '--from', FROM, '--to', TO, '--off'], on.stdout);
    expect(parse(off.stdout)).toEqual(parse(fixture('seed.yaml')));
  });

  it('writes mirrors[] with --field mirrors', async () => {
    const { stdout } = await cli(['mirror', '--file', 'seed.yaml', '--from', FROM, '--to', TO, '--percent', '5', '--field', 'mirrors']);
    expect(parse(stdout).spec.http[0].mirrors).toEqual([{ destination: { host: TO }, percentage: { value: 5 } }]);
  });

  it.each([
    [['mirror', '--file', 'seed.yaml', '--from', FROM, '--to', TO], 'missing --percent'],
    [['mirror', '--file', 'seed.yaml', '--from', FROM, '--to', TO, '--off', '--percent', '5'], 'either --percent or --off'],
    [['mirror', '--file', 'seed.yaml', '--from', FROM, '--to', TO, '--percent', '5', '--field', 'mirroring'], '--field mirroring is not a mirror field'],
  ])('refuses %j', async (args, message) => {
    const { status, stdout, stderr } = await cli(args);
    expect({ status, stdout }).toEqual({ status: 2, stdout: '' });
    expect(stderr).toContain(message);
  });
});

describe('meshbot help', () => {
  it('prints usage with status 0', async () => {
    const { status, stdout } = await cli(['--help']);
    expect(status).toBe(0);
    expect(stdout).toContain('meshbot shift --file');
  });
});
