import { describe, expect, it } from 'vitest';
import { addToTally, emptyTally } from '../../../src/domain/logs/tally.js';
import type { Operation } from '../../../src/domain/operation/operation.js';
import { breachMessage, healthyMessage } from '../../../src/slack/blocks/bake-report.js';
import { clip, escapeMrkdwn } from '../../../src/slack/blocks/block-kit.js';
import { APPROVE_ACTION, operationMessage, REJECT_ACTION } from '../../../src/slack/blocks/operation-message.js';

const AT = '2026-11-21T10:00:00.000Z';
const planned = { kind: 'weights' as const, changes: [{ routeIndex: 0, from: { host: 'cr-service-entry.com', before: 90, after: 75 }, to: { host: 'cr-gcpbackend.com', before: 10, after: 25 } }] };
const op = (extra: Partial<Operation> = {}): Operation => ({
  id: 'op-1', migration: 'm', kind: 'shift', percent: 25, state: 'awaiting-approval', requestedBy: 'U0BOB', requestedAt: AT, expiresAt: AT, channel: 'C1', planned, version: 1, history: [], ...extra,
});
const text = (message: { blocks: readonly unknown[] }) => JSON.stringify(message.blocks);
const actionIds = (message: { blocks: readonly { type: string; elements?: { action_id?: string }[] }[] }) =>
  message.blocks.filter((b) => b.type === 'actions').flatMap((b) => (b.elements ?? []).map((e) => e.action_id));

describe('the request message', () => {
  it('carries Approve and Reject with the operation id while it awaits approval', () => {
    const message = operationMessage({ operation: op(), virtualService: 'payments/vs' });
    expect(actionIds(message as never)).toEqual([APPROVE_ACTION, REJECT_ACTION]);
    expect(text(message)).toContain('"value":"op-1"');
    expect(text(message)).toContain('cr-service-entry.com 90 → 75, cr-gcpbackend.com 10 → 25');
  });

  it.each([
    ['approved', { decidedBy: 'U0ALICE' }, 'Approved by <@U0ALICE> — applying…'],
    ['rejected', { decidedBy: 'U0ALICE' }, 'Rejected by <@U0ALICE>'],
    ['expired', {}, 'Expired without a decision — nothing was changed'],
    ['failed', { reason: 'VirtualService payments/vs was not found' }, 'Failed: VirtualService payments/vs was not found'],
  ] as const)('loses its buttons once %s and says so', (state, extra, line) => {
    const message = operationMessage({ operation: op({ state, ...extra }), virtualService: 'payments/vs' });
    expect(actionIds(message as never)).toEqual([]);
    expect(text(message)).toContain(line);
  });

  it('shows meshbot itself without a broken mention', () => {
    const message = operationMessage({ operation: op({ state: 'approved', decidedBy: 'meshbot' }), virtualService: 'payments/vs' });
    expect(text(message)).toContain('Approved by meshbot');
    expect(text(message)).not.toContain('<@meshbot>');
  });
});

describe('bake reports', () => {
  const tally = emptyTally();
  for (let i = 0; i < 5; i++) {
    addToTally(tally, { kind: 'error', classId: 'no-healthy-upstream', sample: `checkout: 503 UH upstream ${i}` }, { insertId: `i${i}`, timestamp: AT });
  }
  addToTally(tally, { kind: 'error', classId: 'td-permission-denied', sample: 'denied' }, { insertId: 'd', timestamp: AT });

  it('reports counts by class (most first), three samples, every remedy and the Logs Explorer link', () => {
    const message = breachMessage({ operation: op({ state: 'applied', decidedBy: 'U0ALICE' }), virtualService: 'payments/vs', tally, reasons: ['6 counted errors reached the threshold of 5'], logsUrl: 'https://console.cloud.google.com/logs/query;query=x' });
    const body = text(message);
    expect(body.indexOf('5 × `no-healthy-upstream`')).toBeLessThan(body.indexOf('1 × `td-permission-denied`'));
    expect(body.match(/checkout: 503 UH upstream/g)).toHaveLength(3);
    expect(body.indexOf('• *no-healthy-upstream* (5)')).toBeLessThan(body.indexOf('• *td-permission-denied* (1)'));
    expect(body).toContain('roles/trafficdirector.client');
    expect(body).toContain('<https://console.cloud.google.com/logs/query;query=x|Open in Logs Explorer>');
    expect(message.text).toContain('6 counted errors reached the threshold of 5');
  });

  it('offers the next step after a healthy bake, or finalize after the last', () => {
    expect(actionIds(healthyMessage(op({ state: 'applied' }), emptyTally(), 50) as never)).toEqual(['meshbot_next_step']);
    expect(text(healthyMessage(op({ state: 'applied' }), emptyTally(), undefined))).toContain('/mesh finalize');
  });
});

describe('Block Kit limits', () => {
  it('clips text to Slack limits and escapes control characters', () => {
    expect(clip('x'.repeat(4000), 3000)).toHaveLength(3000);
    expect(escapeMrkdwn('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
  });

  it('keeps a request for a VirtualService with many routes within section limits', () => {
    const many = { kind: 'weights' as const, changes: Array.from({ length: 400 }, (_, i) => ({ routeIndex: i, routeName: `route-${i}`, from: { host: 'a.example.com', before: 90, after: 75 }, to: { host: 'b.example.com', before: 10, after: 25 } })) };
    const message = operationMessage({ operation: op({ planned: many }), virtualService: 'payments/vs' });
    for (const block of message.blocks as readonly { text?: { text: string } }[]) expect((block.text?.text ?? '').length).toBeLessThanOrEqual(3000);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
  });
});

describe('text from outside', () => {
  it('cannot ping the channel from a log sample', () => {
    const tally = emptyTally();
    addToTally(tally, { kind: 'error', classId: 'http-5xx', sample: 'evil <!channel> line' }, { insertId: 'x', timestamp: AT });
    const message = breachMessage({ operation: op({ state: 'applied' }), virtualService: 'payments/vs', tally, reasons: ['r'], logsUrl: 'https://x' });
    expect(text(message)).not.toContain('<!channel>');
    expect(text(message)).toContain('&lt;!channel&gt;');
  });
});
