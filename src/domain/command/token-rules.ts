import { err, ok, type Result } from '../result.js';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const LABEL_KEY_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;
const DURATION = /^(\d{1,6})([smhd])$/;
const SECONDS_PER_UNIT = { s: 1, m: 60, h: 3600, d: 86400 } as const;
/** Cloud Logging keeps _Default logs 30 days. */
const MAX_SINCE_SECONDS = 30 * 86400;

export function checkDnsLabel(token: string, what: string): Result<string, string> {
  return DNS_LABEL.test(token)
    ? ok(token)
    : err(`${quote(token)} is not a valid ${what}: use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters.`);
}

export function checkDnsName(token: string, what: string): Result<string, string> {
  const name = token.replace(/\.$/, '');
  return DNS_NAME.test(name) ? ok(name) : err(`${quote(token)} is not a valid ${what}: use a DNS name like mesh.example.internal (lowercase letters, digits, '-' and '.').`);
}

/** `30m` → 1800. Units s, m, h, d; at most 30 days (Cloud Logging's default retention). */
export function parseDuration(token: string): Result<number, string> {
  const match = DURATION.exec(token);
  if (!match) return err(`${quote(token)} is not a duration: write a whole number and a unit, like 30m, 2h or 1d.`);
  const seconds = Number(match[1]) * SECONDS_PER_UNIT[match[2] as keyof typeof SECONDS_PER_UNIT];
  if (seconds === 0) return err(`${quote(token)} is an empty window: give at least 1s.`);
  if (seconds > MAX_SINCE_SECONDS) return err(`${quote(token)} reaches back more than 30 days, beyond Cloud Logging's default retention: use 30d or less.`);
  return ok(seconds);
}

/** `10.128.0.7:8080` or `[fd00::7]:8080`. */
export function parseEndpoint(token: string): Result<{ ip: string; port: number }, string> {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(token);
  const usage = 'write the VM address as IP:PORT, like 10.128.0.7:8080 or [fd00::7]:8080';
  if (!match) return err(`${quote(token)} is not an address: ${usage}.`);
  const ip = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (match[2] && !ip.split('.').every((octet) => Number(octet) <= 255)) return err(`${quote(token)} has an IPv4 part above 255: ${usage}.`);
  if (match[1] && !isIpv6(ip)) return err(`${quote(token)} is not a valid IPv6 address: ${usage}.`);
  if (port < 1 || port > 65535) return err(`${quote(token)} has port ${port}; a port is between 1 and 65535.`);
  return ok({ ip, port });
}

/** `app=billing` or `example.com/tier=web`, as Kubernetes label keys and values allow. */
export function parseLabel(token: string): Result<[string, string], string> {
  const eq = token.indexOf('=');
  const usage = 'write labels as key=value, like app=billing';
  if (eq <= 0) return err(`${quote(token)} is not a label: ${usage}.`);
  const key = token.slice(0, eq);
  const value = token.slice(eq + 1);
  if (!isLabelKey(key)) return err(`${quote(key)} is not a valid label key: ${usage} (letters, digits, '-', '_', '.', optional DNS prefix and '/').`);
  if (!LABEL_VALUE.test(value)) return err(`${quote(value)} is not a valid label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit.`);
  return ok([key, value]);
}

function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return LABEL_KEY_NAME.test(key);
  return DNS_NAME.test(key.slice(0, slash)) && LABEL_KEY_NAME.test(key.slice(slash + 1));
}

function isIpv6(ip: string): boolean {
  const doubleColons = ip.split('::').length - 1;
  if (doubleColons > 1 || ip.includes(':::')) return false;
  // A lone colon at either end is an empty group, not the `::` shorthand.
  if ((ip.startsWith(':') && !ip.startsWith('::')) || (ip.endsWith(':') && !ip.endsWith('::'))) return false;
  const groups = ip.split(':').filter((g) => g !== '');
  const maxGroups = doubleColons === 1 ? 7 : 8;
  return groups.length <= maxGroups && (doubleColons === 1 || groups.length === 8) && groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g));
}

/** Quotes a user token for a message, cut short so a pasted novel doesn't flood the reply. */
export function quote(token: string): string {
  return `'${shorten(token)}'`;
}

/** A user token cut to at most 60 characters for a message. */
export function shorten(token: string): string {
  return token.length > 60 ? `${token.slice(0, 57)}…` : token;
}
