import { isIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMAND_VERBS, MIGRATION_VERBS, type MeshCommand } from '../../src/domain/command/mesh-command.js';
import { parseMeshCommand } from '../../src/domain/command/parse-mesh-command.js';

/**
 * `/mesh …` text comes straight from whoever types in Slack. Whatever it is, parseMeshCommand
 * must answer (never throw) with either a command whose every field is within the grammar, or
 * a short, plain message.
 */

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_NAME_PART = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const MAX_SINCE_SECONDS = 30 * 86_400;
const MAX_MESSAGE_LENGTH = 1_000;
const STACK_TRACE = /\n\s+at /;

// ── the grammar's tokens, well and badly formed ──────────────────────────────────────────

const randomCase = (word: string) => fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((upper) => [...word].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));
const verb = fc.oneof(fc.constantFrom(...COMMAND_VERBS), fc.constantFrom(...COMMAND_VERBS).chain(randomCase), fc.constantFrom('shfit', 'rollbak', 'stauts', 'halp', 'mesh', '/mesh', 'shift25%', 'ѕhift'));
const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const percent = fc.oneof(
  fc.integer({ min: -1_000, max: 1_000 }).map((n) => `${n}%`),
  fc.integer({ min: 0, max: 100 }).map(String),
  fc.constantFrom('25%', '-5%', '12.5%', '250%', '%%', '25%%', '%', '0%', '100%', '101%', '.5%', '5.%', '1e2%', '0x10%', '٢٥%', '２５%', '25 %', 'off', 'OFF', 'Off', '−5%', '+5%', '00000000025%', '999999999%', '1000000000%'),
  fc.tuple(digits(1, 12), fc.constantFrom('', '%', '%%', '%%%', '.5', '.5%')).map(([d, s]) => `${d}${s}`),
  fc.tuple(fc.constantFrom('-', '', '.'), digits(1, 3)).map(([sign, d]) => `${sign}${d}%`),
);
const duration = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom('s', 'm', 'h', 'd', 'w', 'y', 'ms', '', 'M', 'H')).map(([n, u]) => `${n}${u}`),
  fc.constantFrom('30m', '2h', '1d', '30d', '31d', '0s', '1s', '2592000s', '2592001s', '720h', '721h', '43200m', '43201m', '1h30m', '-5m', '5.5m', 'PT5M', '999999d'),
);
const option = fc.oneof(
  fc.constantFrom('--since', '--dns-suffix', '--namespace', '--label', '--SINCE', '--Label', '--bogus', '--', '---since', '-since', '—since', '–since', '——since', '—dns-suffix', '—label', '--since=', '--label=', '--namespace=', '-n'),
  fc.tuple(fc.constantFrom('--since=', '—since=', '--label=', '--dns-suffix=', '--namespace='), fc.oneof(duration, fc.constantFrom('app=billing', 'mesh.example.internal', 'shop', '', '=', 'a=b=c'))).map(([o, v]) => `${o}${v}`),
);
const octet = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 255 }).map(String), weight: 12 }, { arbitrary: fc.constantFrom('256', '999', '00', '010', '-1', ''), weight: 1 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
const hexGroup = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16)), weight: 8 }, { arbitrary: fc.constantFrom('FFFF', 'g', '12345', '1.2.3.4', ''), weight: 1 });
/** Up to nine groups, maybe with a `::`, maybe with a stray colon in front or behind. */
const ipv6 = fc
  .tuple(fc.array(hexGroup, { maxLength: 9 }), fc.option(fc.nat()), fc.constantFrom('', '', '', ':', '::'), fc.constantFrom('', '', '', ':', '::'))
  .map(([groups, at, lead, trail]) => {
    if (at === null) return `${lead}${groups.join(':')}${trail}`;
    const i = at % (groups.length + 1);
    return `${lead}${groups.slice(0, i).join(':')}::${groups.slice(i).join(':')}${trail}`;
  })
  .map((ip) => `[${ip}]`);
const port = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 65_535 }).map(String), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 100_000 }).map(String), weight: 2 }, { arbitrary: fc.constantFrom('0', '1', '65535', '65536', '99999', '', '080', '-1'), weight: 1 });
const endpoint = fc.oneof({ arbitrary: fc.tuple(fc.oneof(ipv4, ipv6), port).map(([ip, p]) => `${ip}:${p}`), weight: 8 }, ipv4, ipv6, fc.constantFrom('10.128.0.7:8080', '[fd00::7]:8080', 'localhost:80', '10.0.0.1::80'));
const dnsish = fc.oneof(
  fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/),
  fc.string({ unit: fc.constantFrom(...'abcz09-.'), minLength: 1, maxLength: 70 }),
  fc.constantFrom('payments', 'migration-1', 'cr-gcpbackend-migration', 'Payments', '-a', 'a-', 'a_b', 'a.b', 'mesh.example.internal', 'mesh.example.internal.', 'a'.repeat(63), 'a'.repeat(64), `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`),
);
const label = fc.oneof(
  { arbitrary: fc.tuple(fc.stringMatching(/^([a-z0-9]{1,5}(\.[a-z]{1,3})?\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,6}[A-Za-z0-9])?$/), fc.stringMatching(/^([A-Za-z0-9]([A-Za-z0-9._-]{0,6}[A-Za-z0-9])?)?$/)).map(([k, v]) => `${k}=${v}`), weight: 3 },
  fc.tuple(fc.constantFrom('app', 'example.com/tier', 'a/b/c', '/x', 'k', 'constructor', '__proto__', 'Ab.c-d_e', 'x'.repeat(64)), fc.constantFrom('', 'billing', 'web', 'a=b', '-x', 'x'.repeat(64), 'ok_1.2')).map(([k, v]) => `${k}=${v}`),
  fc.constantFrom('app', '=x', 'app=', '=', 'a==b'),
);
const longToken = fc.oneof(
  fc.tuple(fc.constantFrom('', '-', '.'), fc.integer({ min: 60, max: 2_000 }), fc.constantFrom('', '%', '%%', '.5', '.5%')).map(([a, n, c]) => `${a}${'9'.repeat(n)}${c}`),
  fc.tuple(fc.constantFrom('a', 'Z', '-', '—', '%', 'é', '🚀', '\u0000'), fc.integer({ min: 61, max: 3_000 })).map(([c, n]) => c.repeat(n)),
  fc.constantFrom('--', '--label=', '--since=').chain((prefix) => fc.integer({ min: 60, max: 2_000 }).map((n) => `${prefix}${'x'.repeat(n)}`)),
);
const oddCharacter = fc.oneof(
  fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\u007f', '\u0085', '\u00a0', '\u1680', '\u2000', '\u2003', '\u200b', '\u200d', '\u2028', '\u2029', '\u202e', '\u3000', '\ufeff', '\ufffd', '“', '”', '‘', '’', '«', '»', '–', '—', '−', '`', '```', '*', '_', '~', '<@U0BOB>', '<!channel>', '<#C0MESH>', '%', '='),
);
const token = fc.oneof(
  { arbitrary: verb, weight: 4 },
  { arbitrary: percent, weight: 4 },
  { arbitrary: duration, weight: 2 },
  { arbitrary: option, weight: 3 },
  { arbitrary: endpoint, weight: 2 },
  { arbitrary: dnsish, weight: 3 },
  { arbitrary: label, weight: 2 },
  { arbitrary: longToken, weight: 1 },
  { arbitrary: oddCharacter, weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 1 },
);
const separator = fc.constantFrom(' ', ' ', ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u2003', '\u3000', '\u200b', '', '\u2028');

/** A verb (usually) followed by tokens, joined by Slack-ish whitespace. */
const grammarText = fc
  .tuple(fc.oneof({ arbitrary: verb, weight: 5 }, { arbitrary: token, weight: 1 }), fc.array(fc.tuple(separator, token), { maxLength: 7 }), separator, separator)
  .map(([first, rest, lead, trail]) => `${lead}${first}${rest.map(([s, t]) => `${s}${t}`).join('')}${trail}`);
/** A verb with arguments in the slots its grammar has, each slot well or badly filled. */
const slot = <T extends string>(good: fc.Arbitrary<T>) => fc.oneof({ arbitrary: good, weight: 6 }, { arbitrary: longToken, weight: 1 }, { arbitrary: token, weight: 1 });
const maybe = (arb: fc.Arbitrary<string>) => fc.option(arb, { nil: '' });
const optionWith = (names: string[], value: fc.Arbitrary<string>) =>
  fc.tuple(fc.constantFrom(...names), value, fc.boolean()).map(([name, v, inline]) => (inline ? `${name}=${v}` : `${name} ${v}`));
const structuredText = fc
  .oneof(
    fc.tuple(fc.constantFrom('shift', 'mirror'), slot(percent), maybe(slot(dnsish))),
    fc.tuple(fc.constant('errors'), maybe(slot(dnsish)), maybe(optionWith(['--since', '—since', '–since'], slot(duration)))),
    fc.tuple(fc.constant('export'), slot(dnsish), optionWith(['--dns-suffix', '—dns-suffix'], slot(dnsish)), maybe(optionWith(['--namespace'], slot(dnsish)))),
    fc.tuple(fc.constant('register'), slot(dnsish), slot(endpoint), maybe(optionWith(['--label', '—label'], slot(label))), maybe(fc.oneof(optionWith(['--label'], slot(label)), optionWith(['--namespace'], slot(dnsish))))),
    fc.tuple(fc.constantFrom(...MIGRATION_VERBS, 'help', 'list'), maybe(slot(fc.oneof(dnsish, verb))), maybe(token)),
  )
  .chain((parts) => fc.tuple(fc.constant(parts as readonly string[]), fc.array(separator.filter((s) => s !== ''), { minLength: parts.length, maxLength: parts.length })))
  .map(([parts, seps]) => parts.map((p, i) => `${p}${seps[i]}`).join(''));
const commandText = fc.oneof(
  { arbitrary: structuredText, weight: 6 },
  { arbitrary: grammarText, weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 80 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 80 }), weight: 1 },
  { arbitrary: fc.tuple(verb, fc.string({ unit: 'binary', maxLength: 60 })).map(([v, s]) => `${v} ${s}`), weight: 1 },
);

// ── what an answer may look like ─────────────────────────────────────────────────────────

const isDnsName = (name: string) => name.length >= 1 && name.length <= 253 && name.split('.').every((part) => DNS_NAME_PART.test(part));
const isIpv4 = (ip: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) && ip.split('.').every((o) => Number(o) <= 255);
const isLabelKey = (key: string) => {
  const slash = key.indexOf('/');
  return slash < 0 ? LABEL_NAME.test(key) : isDnsName(key.slice(0, slash)) && LABEL_NAME.test(key.slice(slash + 1));
};
const isLabelValue = (value: string) => value === '' || LABEL_NAME.test(value);
const isPercent = (p: unknown) => typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= 100;

/** The fields a well-formed command may have, each within the grammar. */
function expectValidCommand(command: MeshCommand): void {
  expect(COMMAND_VERBS).toContain(command.kind);
  const migration = 'migration' in command ? command.migration : undefined;
  if (migration !== undefined) expect(migration).toMatch(DNS_LABEL);
  switch (command.kind) {
    case 'help':
      if (command.topic !== undefined) expect(COMMAND_VERBS).toContain(command.topic);
      return;
    case 'list':
      expect(Object.keys(command)).toEqual(['kind']);
      return;
    case 'shift':
      expect(isPercent(command.percent), `shift percent ${command.percent}`).toBe(true);
      return;
    case 'mirror':
      expect(command.percent === 'off' || isPercent(command.percent), `mirror percent ${command.percent}`).toBe(true);
      return;
    case 'errors':
      expect(Number.isInteger(command.sinceSeconds) && command.sinceSeconds >= 1 && command.sinceSeconds <= MAX_SINCE_SECONDS, `sinceSeconds ${command.sinceSeconds}`).toBe(true);
      return;
    case 'export':
      expect(command.service).toMatch(DNS_LABEL);
      expect(isDnsName(command.dnsSuffix), `dnsSuffix ${command.dnsSuffix}`).toBe(true);
      if (command.namespace !== undefined) expect(command.namespace).toMatch(DNS_LABEL);
      return;
    case 'register': {
      expect(command.name).toMatch(DNS_LABEL);
      const { ip, port } = command.address;
      expect(isIpv4(ip) || isIPv6(ip), `ip ${ip}`).toBe(true);
      expect(Number.isInteger(port) && port >= 1 && port <= 65_535, `port ${port}`).toBe(true);
      if (command.namespace !== undefined) expect(command.namespace).toMatch(DNS_LABEL);
      for (const [key, value] of Object.entries(command.labels)) {
        expect(isLabelKey(key), `label key ${key}`).toBe(true);
        expect(isLabelValue(value), `label value ${value}`).toBe(true);
      }
      return;
    }
    default:
      expect(MIGRATION_VERBS).toContain(command.kind);
  }
}

function expectPlainMessage(message: unknown): void {
  expect(typeof message).toBe('string');
  const text = message as string;
  expect(text.trim().length).toBeGreaterThan(0);
  expect(text.length, `a ${text.length}-character message: ${text.slice(0, 80)}…`).toBeLessThan(MAX_MESSAGE_LENGTH);
  expect(text).not.toMatch(STACK_TRACE);
}

function checkAnswer(text: string): void {
  let answer: ReturnType<typeof parseMeshCommand>;
  try {
    answer = parseMeshCommand(text);
  } catch (error) {
    throw new Error(`parseMeshCommand threw on ${JSON.stringify(text)}: ${String(error)}`, { cause: error });
  }
  if (answer.ok) expectValidCommand(answer.value);
  else {
    expectPlainMessage(answer.error.message);
    if (answer.error.verb !== undefined) expect(COMMAND_VERBS).toContain(answer.error.verb);
  }
}

describe('parseMeshCommand under fuzzing', () => {
  it('answers 10,000 generated texts with a command within the grammar or a short plain message, never throwing', () => {
    fc.assert(
      fc.property(commandText, (text) => {
        checkAnswer(text);
      }),
      { numRuns: 10_000 },
    );
  });

  it('reads every well-formed shift and mirror, whatever the case, dashes and spacing', () => {
    const space = fc.constantFrom(' ', '  ', '\t', '\u00a0', '\u2003', '\u3000');
    fc.assert(
      fc.property(fc.constantFrom('shift', 'mirror'), fc.integer({ min: 0, max: 100 }), fc.boolean(), fc.option(fc.constantFrom('payments', 'migration-1', 'a')), space, space, (kind, n, sign, migration, s1, s2) => {
        const answer = parseMeshCommand(`${s1}${kind.toUpperCase()}${s2}${n}${sign ? '%' : ''}${migration === null ? '' : `${s1}${migration}`}${s2}`);
        expect(answer).toEqual({ ok: true, value: { kind, percent: n, ...(migration === null ? {} : { migration }) } });
      }),
      { numRuns: 1_000 },
    );
  });

  it('reads errors --since in every spelling of the dash and with =', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.constantFrom('--since ', '--since=', '—since ', '–since ', '--SINCE '), (days, option) => {
        expect(parseMeshCommand(`errors ${option}${days}d`)).toEqual({ ok: true, value: { kind: 'errors', sinceSeconds: days * 86_400 } });
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['a negative percentage of 1,200 digits', `shift -${'9'.repeat(1_200)}%`],
    ['a decimal percentage of 1,200 digits', `shift ${'9'.repeat(1_200)}.5%`],
    ['a percentage of 1,200 digits with two % signs', `shift ${'9'.repeat(1_200)}%%`],
    ['a negative mirror percentage of 1,200 digits', `mirror -${'9'.repeat(1_200)}`],
  ])('keeps the message short for %s (the token is quoted, cut short)', (_what, text) => {
    const answer = parseMeshCommand(text);
    expect(answer.ok).toBe(false);
    if (!answer.ok) expectPlainMessage(answer.error.message);
  });

  it.each([['[fd00::7]:8080', 'fd00::7'], ['[1:2:3:4:5:6:7:8]:8080', '1:2:3:4:5:6:7:8'], ['[::]:80', '::']])('reads the IPv6 endpoint %s', (address, ip) => {
    const answer = parseMeshCommand(`register billing-vm ${address}`);
    expect(answer).toMatchObject({ ok: true, value: { kind: 'register', address: { ip } } });
  });

  it.each([['[1:2:3:4:5:6:7:8:]:8080'], ['[:1:2:3:4:5:6:7:8]:8080'], ['[1::2::3]:8080'], ['[1:2:3:4:5:6:7:8:9]:8080']])('refuses the malformed IPv6 endpoint %s', (address) => {
    const answer = parseMeshCommand(`register billing-vm ${address}`);
    expect(answer.ok, JSON.stringify(answer)).toBe(false);
  });
});
