import { describe, expect, it } from 'vitest';
import { parseMeshCommand } from '../../../src/domain/command/parse-mesh-command.js';
import { helpText } from '../../../src/domain/command/command-usage.js';

const parsed = (text: string) => {
  const result = parseMeshCommand(text);
  if (!result.ok) throw new Error(`expected a command for "${text}", got: ${result.error.message}`);
  return result.value;
};
const refused = (text: string) => {
  const result = parseMeshCommand(text);
  if (result.ok) throw new Error(`expected "${text}" to be refused, got ${JSON.stringify(result.value)}`);
  return result.error.message;
};

describe('parseMeshCommand', () => {
  it.each([
    ['', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['help shift', { kind: 'help', topic: 'shift' }],
    ['list', { kind: 'list' }],
    ['status', { kind: 'status' }],
    ['status cr-gcpbackend-migration', { kind: 'status', migration: 'cr-gcpbackend-migration' }],
    ['shift 25%', { kind: 'shift', percent: 25 }],
    ['shift 25', { kind: 'shift', percent: 25 }],
    ['shift 0% payments', { kind: 'shift', percent: 0, migration: 'payments' }],
    ['shift 100%', { kind: 'shift', percent: 100 }],
    ['  SHIFT   10%  ', { kind: 'shift', percent: 10 }],
    ['mirror 10%', { kind: 'mirror', percent: 10 }],
    ['mirror off payments', { kind: 'mirror', percent: 'off', migration: 'payments' }],
    ['rollback', { kind: 'rollback' }],
    ['abort payments', { kind: 'abort', migration: 'payments' }],
    ['plan', { kind: 'plan' }],
    ['run payments', { kind: 'run', migration: 'payments' }],
    ['errors', { kind: 'errors', sinceSeconds: 1800 }],
    ['errors payments --since 2h', { kind: 'errors', migration: 'payments', sinceSeconds: 7200 }],
    ['errors --since=45s', { kind: 'errors', sinceSeconds: 45 }],
    ['errors —since 1d', { kind: 'errors', sinceSeconds: 86400 }],
    ['finalize', { kind: 'finalize' }],
    ['validate payments', { kind: 'validate', migration: 'payments' }],
    ['troubleshoot', { kind: 'troubleshoot' }],
    ['export checkout --dns-suffix mesh.example.internal', { kind: 'export', service: 'checkout', dnsSuffix: 'mesh.example.internal' }],
    ['export checkout --namespace shop --dns-suffix=mesh.internal.', { kind: 'export', service: 'checkout', dnsSuffix: 'mesh.internal', namespace: 'shop' }],
    ['register billing-vm 10.128.0.7:8080', { kind: 'register', name: 'billing-vm', address: { ip: '10.128.0.7', port: 8080 }, labels: {} }],
    [
      'register billing-vm [fd00::7]:443 --namespace vms --label app=billing --label example.com/tier=web',
      { kind: 'register', name: 'billing-vm', address: { ip: 'fd00::7', port: 443 }, namespace: 'vms', labels: { app: 'billing', 'example.com/tier': 'web' } },
    ],
  ])('parses %j', (text, command) => {
    expect(parsed(text)).toEqual(command);
  });

  it('explains a percentage out of range and shows the usage', () => {
    expect(refused('shift 250%')).toBe('250% is not a percentage between 0 and 100. Usage: /mesh shift <0-100>% [migration] [--override "reason"] — e.g. /mesh shift 25%');
  });

  it.each([
    ['shift 25% --override "checkout down, INC-42"', { kind: 'shift', percent: 25, override: 'checkout down, INC-42' }],
    ['shift 25% payments --override=“smart quotes from Slack”', { kind: 'shift', percent: 25, migration: 'payments', override: 'smart quotes from Slack' }],
    ['mirror off —override outage', { kind: 'mirror', percent: 'off', override: 'outage' }],
    ['finalize --override "a b"', { kind: 'finalize', override: 'a b' }],
  ])('reads the break-glass reason of %j', (text, command) => {
    expect(parseMeshCommand(text)).toEqual({ ok: true, value: command });
  });

  it.each([
    ['shift 25% --override', '--override needs the reason in quotes'],
    ['shift 25% --override ""', '--override needs the reason in quotes'],
    ['rollback --override "x"', '--override is for shift, mirror, finalize only: rollback and the read-only commands are always allowed'],
    ['status --override', '--override is for shift, mirror, finalize only'],
    [`shift 25% --override "${'x'.repeat(301)}"`, 'The --override reason is 301 characters; keep it to 300'],
  ])('refuses the break-glass option in %j', (text, message) => {
    expect(refused(text)).toContain(message);
  });

  it.each([
    ['shift 12.5%', '12.5% is not a whole percentage'],
    ['shift -5%', '-5% is negative'],
    ['shift 25%%', '25%% has more than one % sign'],
    ['shift abc', "'abc' is not a percentage"],
    ['shift', 'shift needs a percentage'],
    ['shift 10% a b', "'b' is more than this command takes"],
    ['shift 10% Payments!', "'Payments!' is not a valid migration name"],
    ['mirror', 'mirror needs a percentage or off'],
    ['mirror on', "'on' is not a percentage"],
    ['status --since 1h', "'--since' is not an option of this command"],
    ['list everything', "'everything' is more than this command takes"],
    ['errors --since 30', "'30' is not a duration"],
    ['errors --since 0m', 'is an empty window'],
    ['errors --since 31d', 'more than 30 days'],
    ['errors --since', '--since needs a value'],
    ['errors --since 1h --since 2h', '--since is given twice'],
    ['errors --until 1h', "'--until' is not an option here; options: --since"],
    ['export', 'export needs the name of the Kubernetes Service'],
    ['export checkout', 'export needs --dns-suffix'],
    ['export Checkout --dns-suffix a.b', "'Checkout' is not a valid Service name"],
    ['export checkout --dns-suffix a..b', "'a..b' is not a valid DNS suffix"],
    ['register vm', 'register needs a name and the VM address IP:PORT'],
    ['register vm 10.0.0.1', "'10.0.0.1' is not an address"],
    ['register vm 10.0.0.300:80', 'has an IPv4 part above 255'],
    ['register vm 10.0.0.3:0', 'has port 0'],
    ['register vm 10.0.0.3:70000', 'has port 70000'],
    ['register vm [fd00:::1]:80', 'is not a valid IPv6 address'],
    ['register vm 10.0.0.3:80 --label app', "'app' is not a label"],
    ['register vm 10.0.0.3:80 --label app=-x', "'-x' is not a valid label value"],
    ['help nothing', "'nothing' is not a meshbot command"],
  ])('refuses %j: %s', (text, message) => {
    expect(refused(text)).toContain(message);
  });

  it('ends every refusal of a known verb with its usage', () => {
    expect(refused('errors --since forever')).toMatch(/Usage: \/mesh errors \[migration\] \[--since <30m\|2h\|1d>\] — e.g. \/mesh errors --since 30m$/);
  });

  it('suggests the closest command for a typo', () => {
    expect(refused('shfit 25%')).toContain("'shfit' is not a meshbot command. Did you mean shift?");
    expect(refused('deploy')).not.toContain('Did you mean');
  });

  it('cuts long tokens short in messages', () => {
    const message = refused(`shift ${'x'.repeat(5000)}`);
    expect(message.length).toBeLessThan(300);
  });

  it('lists every command in the help text', () => {
    for (const verb of ['help', 'list', 'status', 'shift', 'mirror', 'rollback', 'abort', 'plan', 'run', 'errors', 'finalize', 'validate', 'export', 'register']) {
      expect(helpText()).toContain(`/mesh ${verb}`);
    }
  });
});
