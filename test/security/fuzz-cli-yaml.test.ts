import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { validateIstioObject } from '../../src/schema/istio-schema.js';

/**
 * `meshbot shift --file -` reads whatever is piped to it. Whatever that is, it must end with
 * status 0 and valid VirtualServices on stdout, or status 2 and one plain message on stderr —
 * never a throw, never status 1, never a stack trace.
 */

const FROM = 'cr-service-entry.com';
const TO = 'cr-gcpbackend.com';
const FIXTURES = join(import.meta.dirname, '../fixtures/cli');
const SEED = readFileSync(join(FIXTURES, 'seed.yaml'), 'utf8');
const MULTI = readFileSync(join(FIXTURES, 'multi.yaml'), 'utf8');
const SHIFT = (...extra: string[]) => ['shift', '--file', '-', '--from', FROM, '--to', TO, '--percent', '25', ...extra];
/**
 * A V8 stack frame: `    at fn (file:///x.js:1:2)`, `    at node:internal/…:1:2`. (Not just
 * /\n\s+at /: YAML errors quote the offending input line, which may well start with "at".)
 */
const STACK_FRAME = /^\s+at (?:async )?(?:[^\n(]+ \()?(?:file:\/\/|node:|\/|[A-Za-z]:\\)[^\n]*:\d+:\d+\)?$/m;

interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

async function shift(stdin: string, ...extra: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io = {
    readFile: () => Promise.reject(new Error('the fuzz test reads standard input only')),
    readStdin: () => Promise.resolve(stdin),
    stdout: (t: string) => void (stdout += t),
    stderr: (t: string) => void (stderr += t),
    env: {},
  };
  let status: number;
  try {
    status = await runCli(SHIFT(...extra), io);
  } catch (error) {
    throw new Error(`runCli threw instead of returning a status: ${String(error)}`, { cause: error });
  }
  return { status, stdout, stderr };
}

function preview(value: unknown): string {
  try {
    return JSON.stringify(value).slice(0, 300);
  } catch {
    return String(value);
  }
}

const isVirtualService = (o: unknown): o is Record<string, unknown> =>
  typeof o === 'object' && o !== null && (o as { kind?: unknown }).kind === 'VirtualService' && String((o as { apiVersion?: unknown }).apiVersion).startsWith('networking.istio.io/');

/** The property: 0 with valid VirtualServices (YAML and JSON output agreeing), or 2 with one plain message. */
async function expectCleanOutcome(stdin: string): Promise<void> {
  const run = await shift(stdin);
  const shown = `status ${run.status}, stderr ${JSON.stringify(run.stderr.slice(0, 300))}`;
  expect([0, 2], shown).toContain(run.status);
  if (run.status === 2) {
    expect(run.stdout, shown).toBe('');
    expect(run.stderr.startsWith('meshbot shift: '), shown).toBe(true);
    expect(run.stderr.endsWith('\n'), shown).toBe(true);
    expect(run.stderr.match(/meshbot shift:/g), shown).toHaveLength(1);
    expect(run.stderr, shown).not.toMatch(STACK_FRAME);
    expect(run.stderr, shown).not.toMatch(/unexpected failure/);
    return;
  }
  expect(run.stderr).toBe('');
  const docs = parseAllDocuments(run.stdout);
  const objects = (Array.isArray(docs) ? docs : []).map((doc) => {
    expect(doc.errors.map((e) => e.message), 'stdout is valid YAML').toEqual([]);
    return doc.toJS({ maxAliasCount: 100 }) as unknown;
  });
  const virtualServices = objects.filter(isVirtualService);
  expect(virtualServices.length, 'stdout holds a VirtualService').toBeGreaterThan(0);
  for (const vs of virtualServices) expect(validateIstioObject(vs), preview(vs)).toEqual([]);
  // The YAML edit (node by node, comments kept) must say the same as the computed object.
  // (!!binary values turn into index maps on the JSON side, so those inputs are not compared.)
  if (stdin.includes('!!binary')) return;
  const json = await shift(stdin, '--output', 'json');
  // Another document that refers to itself through an alias has no JSON form: refused plainly.
  if (json.status === 2 && json.stderr.includes('cannot be shown as JSON')) return;
  expect(json.status, json.stderr).toBe(0);
  const parsed = JSON.parse(json.stdout) as { kind?: string; items?: unknown[] };
  const jsonObjects = parsed.kind === 'List' && Array.isArray(parsed.items) ? parsed.items : [parsed];
  expect(JSON.parse(JSON.stringify(virtualServices))).toEqual(jsonObjects.filter(isVirtualService));
}

// ── inputs ───────────────────────────────────────────────────────────────────────────────

const THREE_WAY = `apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata:
  name: three-way
  namespace: payments
spec:
  hosts: [${FROM}]
  http:
  - name: primary
    match:
    - uri: {prefix: /api}
    route:
    - destination: {host: ${FROM}, port: {number: 443}}
      weight: 60
    - destination: {host: other.example.com}
      weight: 30
    - destination: {host: ${TO}}
      weight: 10
  - route:
    - destination:
        host: ${FROM}
`;
const FLOW = `{"apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService", "metadata": {"name": "flow"}, "spec": {"hosts": ["${FROM}"], "http": [{"route": [{"destination": {"host": "${FROM}"}, "weight": 90}, {"destination": {"host": "${TO}"}, "weight": 10}]}]}}\n`;
const BASES = [SEED, MULTI, THREE_WAY, FLOW];

const WEIGHTS = ['"abc"', '-1', '1e99', '.nan', '.inf', '-.inf', '0x10', '0o17', '10.5', 'null', '~', '[]', '{}', '2147483648', '-2147483649', 'true', "''", '"10"', '!!str 10', '!!float 10', '100', '0', '-0', '1_000', '+5', '010', '9007199254740993', '&w 10', '*w', '!custom 5', '|\n  10'];
const HOSTS = [FROM, TO, 'other.example.com', "''", '"*"', '[a, b]', '{host: x}', 'CR-SERVICE-ENTRY.COM', `${FROM}.`, '~', '7'];
const KINDS = ['VirtualService', 'ServiceEntry', 'virtualservice', "''", 'List', '[VirtualService]'];
const API_VERSIONS = ['networking.istio.io/v1', 'networking.istio.io/v1beta1', 'networking.istio.io/v1alpha3', 'networking.istio.io/v2', 'networking.istio.io/', 'networking.istio.io', 'v1', '1'];
const FRAGMENTS = [
  'apiVersion: networking.istio.io/v1\n', 'kind: VirtualService\n', 'metadata: {name: x}\n', 'spec:\n', '  hosts: [cr-service-entry.com]\n', '  http:\n', '  - route:\n',
  '    - destination: {host: cr-service-entry.com}\n', '    - destination: {host: cr-gcpbackend.com}\n', '      weight: 90\n', '      weight: 10\n', '---\n', '...\n', '--- |\n',
  '&a ', '*a', '&b ', '*b', '- ', ': ', '? ', '{', '}', '[', ']', ',', '"', "'", '#', '# comment\n', '\t', '\n', '\r\n', '  ', '    ', '!!str ', '!!int ', '!!map ', '!!seq ', '!!binary ',
  '!custom ', '%YAML 1.2\n', '%YAML 1.1\n', '%TAG ! tag:example.com,2000:\n', '|\n', '>-\n', '<<: *a\n', '\ufeff', 'null', '~', '.nan', '.inf', '0x1F', '1e99', '-1', 'true', 'weight', 'host', 'route',
];

/** What one mutation does to the lines of a valid document; `a` and `b` pick lines and values. */
type Mutation = readonly [kind: number, a: number, b: number, c: number];
const MUTATION_KINDS = 16;

function pick<T>(items: readonly T[], n: number): T {
  return items[n % items.length] as T;
}

function linesMatching(lines: string[], pattern: RegExp): number[] {
  return lines.flatMap((line, i) => (pattern.test(line) ? [i] : []));
}

function setValue(lines: string[], indexes: number[], a: number, value: string): void {
  if (indexes.length === 0) return;
  const i = pick(indexes, a);
  lines[i] = (lines[i] as string).replace(/:(\s.*)?$/, `: ${value}`);
}

function mutate(lines: string[], [kind, a, b, c]: Mutation): string[] {
  const out = [...lines];
  const n = out.length;
  const at = n === 0 ? 0 : a % n;
  switch (kind % MUTATION_KINDS) {
    case 0:
      out.splice(at, 1);
      break;
    case 1:
      out.splice(at, 0, out[at] ?? '');
      break;
    case 2:
      setValue(out, linesMatching(out, /\bweight:/), a, pick(WEIGHTS, b));
      break;
    case 3:
      setValue(out, linesMatching(out, /\bhost:/), a, pick(HOSTS, b));
      break;
    case 4:
      setValue(out, linesMatching(out, /^kind:/), a, pick(KINDS, b));
      setValue(out, linesMatching(out, /^apiVersion:/), c, pick(API_VERSIONS, b + c));
      break;
    case 5: {
      // An anchor on one value (scalar or block) and an alias to it further down.
      const keyed = linesMatching(out, /^\s*(?:- )?[\w.-]+:/);
      if (keyed.length < 2) break;
      const first = pick(keyed, a);
      const later = keyed.filter((i) => i > first);
      out[first] = (out[first] as string).replace(/:(\s*)(.*)$/, (_m, _s, v: string) => (v === '' ? `: &x${c % 3}` : `: &x${c % 3} ${v}`));
      if (later.length > 0) setValue(out, later, b, `*x${c % 3}`);
      break;
    }
    case 6:
      out.splice(at, 0, pick(['---', '...', '--- # another', '---\n---', '%YAML 1.2\n---'], b));
      break;
    case 7:
      out[at] = (out[at] ?? '').replace(/^( *)/, (spaces) => pick(['\t', `${spaces}\t`, '\t  ', ` ${spaces}`, spaces.slice(1), spaces.slice(2)], b));
      break;
    case 8: {
      const depth = 1 + (b % 120);
      const nested = c % 2 === 0 ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`;
      setValue(out, linesMatching(out, /:/), a, nested);
      break;
    }
    case 9: {
      const line = out[at] ?? '';
      const cut = b % (line.length + 1);
      out[at] = `${line.slice(0, cut)}${pick(FRAGMENTS, c).replace(/\n$/, '')}${line.slice(cut)}`;
      break;
    }
    case 10:
      if (n > 1) {
        const other = b % n;
        [out[at], out[other]] = [out[other] as string, out[at] as string];
      }
      break;
    case 11:
      out.splice(at + 1, 0, ...pick([['  note: &n [1, 2]', '  again: *n'], ['<<: {kind: ServiceEntry}'], ['spec: {}'], ['  http: []'], ['  hosts: *nope'], ['  tcp:', '  - route: []'], ['metadata: !!binary aGVsbG8=']], b));
      break;
    case 12:
      return out.slice(0, at);
    case 13: {
      // Route items duplicated through an alias: `- &r` on one, `- *r` after it.
      const items = linesMatching(out, /^\s*- (?:destination|route|name):/);
      if (items.length === 0) break;
      const i = pick(items, a);
      const indent = /^(\s*)-/.exec(out[i] as string)?.[1] ?? '';
      out[i] = (out[i] as string).replace(/- /, '- &r\n' + indent + '  ');
      const end = out.findIndex((l, j) => j > i && /^\s*-/.test(l) && (/^(\s*)/.exec(l)?.[1] ?? '').length <= indent.length);
      out.splice(end < 0 ? out.length : end, 0, `${indent}- *r`);
      break;
    }
    case 14:
      out[at] = `${out[at] ?? ''}${pick([' # trailing', ' #', '  ', '\r', ' \\', ' !', ' &', ' *'], b)}`;
      break;
    default:
      out.splice(at, 0, `${' '.repeat(b % 8)}${pick(FRAGMENTS, c).replace(/\n$/, '')}`);
  }
  return out.join('\n').split('\n');
}

const mutation: fc.Arbitrary<Mutation> = fc.tuple(fc.nat(MUTATION_KINDS - 1), fc.nat(999), fc.nat(999), fc.nat(999));
const mutatedFixture = fc
  .tuple(fc.constantFrom(...BASES), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.constantFrom('\n', '\n', '\n', '\r\n'), fc.constantFrom('', '', '', '\ufeff', '# lead\n'))
  .map(([base, mutations, eol, lead]) => `${lead}${mutations.reduce(mutate, base.split('\n')).join(eol)}`);

/** VirtualServices built as objects, some sharing sub-objects so `stringify` writes anchors and aliases. */
const host = fc.constantFrom(FROM, FROM, TO, TO, 'other.example.com');
const weight = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 100 }), weight: 8 }, { arbitrary: fc.constantFrom(undefined, -1, 1e99, 10.5, 'abc', 2 ** 31, Number.NaN), weight: 1 });
const destination = fc.tuple(host, weight, fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined })).map(([h, w, port]) => ({ destination: { host: h, ...(port === undefined ? {} : { port: { number: port } }) }, ...(w === undefined ? {} : { weight: w }) }));
const httpRoute = fc.tuple(fc.array(destination, { minLength: 1, maxLength: 4 }), fc.option(fc.constantFrom('primary', 'canary'), { nil: undefined })).map(([route, name]) => ({ ...(name === undefined ? {} : { name }), route }));
const sharing = fc.constantFrom('none', 'none', 'route item', 'route list', 'http entry', 'destination');
const builtVirtualService = fc
  .tuple(fc.array(httpRoute, { minLength: 1, maxLength: 3 }), fc.constantFrom(...API_VERSIONS.slice(0, 3)), sharing, fc.boolean())
  .map(([generated, apiVersion, share, flow]) => {
    // A copy: fast-check replays generated values while shrinking, so they must not be changed.
    const http: { name?: string; route: unknown[] }[] = [...generated];
    const first = generated[0]!;
    if (share === 'route item') http.push({ route: [first.route[0]!] });
    if (share === 'route list') http.push({ route: first.route });
    if (share === 'http entry') http.push(first);
    if (share === 'destination') http.push({ route: [{ destination: first.route[0]!.destination, weight: 100 }] });
    const vs = { apiVersion, kind: 'VirtualService', metadata: { name: 'built', namespace: 'payments' }, spec: { hosts: [FROM], http } };
    return flow ? JSON.stringify(vs) : stringify(vs);
  });

const yamlish = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 30 }).map((parts) => parts.join(''));
const stdinText = fc.oneof(
  { arbitrary: mutatedFixture, weight: 10 },
  { arbitrary: builtVirtualService, weight: 4 },
  { arbitrary: yamlish, weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 120 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 120 }), weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom(...BASES), fc.nat(2_000)).map(([base, n]) => base.slice(0, n % (base.length + 1))), weight: 1 },
);

describe('meshbot shift --file - under fuzzing', () => {
  it('ends 10,000 generated inputs with status 0 and valid VirtualServices or status 2 and one plain message', async () => {
    await fc.assert(fc.asyncProperty(stdinText, expectCleanOutcome), { numRuns: 10_000 });
  }, 60_000);

  it('still shifts the unmutated fixtures (the generators start from valid input)', async () => {
    for (const base of BASES) {
      const run = await shift(base);
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      await expectCleanOutcome(base);
    }
  });

  const VS_HEAD = `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs, namespace: payments}\nspec:\n  hosts: [${FROM}]\n  http:\n`;
  const PAIR = `    - destination: {host: ${FROM}}\n      weight: 90\n    - destination: {host: ${TO}}\n      weight: 10\n`;
  it.each([
    ['an http entry repeated through an alias', `  - &r\n    route:\n${PAIR}  - *r\n`],
    ['a route list repeated through an alias', `  - route: &rr\n${PAIR}  - route: *rr\n`],
    ['a route item repeated through an alias', `  - route:\n    - &d\n      destination: {host: ${FROM}}\n      weight: 90\n    - destination: {host: ${TO}}\n      weight: 10\n  - route:\n    - *d\n    - destination: {host: ${TO}}\n      weight: 10\n`],
    ['a weight anchored there and aliased outside the route', `  - route:\n    - destination: {host: ${FROM}}\n      weight: &w 90\n    - destination: {host: ${TO}}\n      weight: 10\n  note: *w\n`],
    ['a destination that refers to itself through an alias', `  - route:\n    - destination: &s {host: ${FROM}, self: *s}\n      weight: 90\n    - destination: {host: ${TO}}\n      weight: 10\n`],
    ['a route item under an unresolved tag (!!int on a mapping)', `  - route:\n    - !!int\n      destination: {host: ${FROM}}\n      weight: 90\n    - destination: {host: ${TO}}\n      weight: 10\n`],
    ['a null http entry before its route', `  - null\n  - route:\n${PAIR}`],
    ['a null route item between the pair', `  - route:\n    - destination: {host: ${FROM}}\n      weight: 90\n    - null\n    - destination: {host: ${TO}}\n      weight: 10\n`],
  ])('answers a VirtualService with %s with status 0 and valid output, or status 2', async (_what, http) => {
    await expectCleanOutcome(`${VS_HEAD}${http}`);
  });

  it.each([
    ['after an empty document (---, then ---)', (vs: string) => `---\n---\n${vs}`],
    ['after a comment and an empty document', (vs: string) => `# lead\n---\n---\n${vs}`],
    ['tagged !!str as a whole', (vs: string) => `!!str\n${vs}`],
  ])('answers a VirtualService %s with status 0 and valid output, or status 2', async (_what, wrap) => {
    await expectCleanOutcome(wrap(`${VS_HEAD}  - route:\n${PAIR}`));
  });

  it('answers --output json with status 0 or 2 when another document refers to itself', async () => {
    const run = await shift(`apiVersion: v1\nkind: ConfigMap\ndata: &d\n  self: *d\n---\n${VS_HEAD}  - route:\n${PAIR}`, '--output', 'json');
    expect([0, 2], run.stderr).toContain(run.status);
    if (run.status === 0) expect(() => JSON.parse(run.stdout) as unknown).not.toThrow();
    else expect(run.stdout).toBe('');
  });
});
