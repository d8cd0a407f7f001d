import { describe, expect, it } from 'vitest';
import { ERROR_CLASS_IDS } from '../../../src/domain/logs/error-classes.js';
import { compileLogFilter } from '../../../src/domain/logs/filter/compile-log-filter.js';
import type { ClassifiableEntry } from '../../../src/domain/logs/log-entry.js';
import { addToTally, emptyTally, type Tally } from '../../../src/domain/logs/tally.js';
import type { Operation } from '../../../src/domain/operation/operation.js';
import { addRecordToTally, type FeedRecord } from '../../../src/domain/watch/feed-record.js';
import { routeEntries, routeOf } from '../../../src/domain/watch/route-entries.js';
import type { Remedy } from '../../../src/domain/logs/remedies.js';
import { breachMessage, MAX_REMEDY_SECTIONS, remedyBlocks, type BreachReport } from '../../../src/slack/blocks/bake-report.js';
import type { Block, SlackMessage } from '../../../src/slack/blocks/block-kit.js';
import { istioProxyAccessLog, tdPermissionDenied } from '../../harness/log-samples.js';
import { normalizeEntry, type LogEntryInput } from '../../harness/logging/entries.js';

const START = '2026-03-02T10:00:00.000Z';
const TO = 'cr-gcpbackend.com';
const op: Operation = {
  id: 'op-1', migration: 'checkout', kind: 'shift', percent: 25, state: 'applied', requestedBy: 'U0BOB', decidedBy: 'U0ALICE', requestedAt: START, expiresAt: START, channel: 'C1', version: 1, history: [],
  planned: { kind: 'weights', changes: [{ routeIndex: 0, from: { host: 'cr-service-entry.com', before: 90, after: 75 }, to: { host: TO, before: 10, after: 25 } }] },
};
const bake = { id: 'bake:op-1', kind: 'bake' as const, migration: 'checkout', from: 'cr-service-entry.com', to: TO, since: START, until: '2026-03-02T11:00:00.000Z' };

let sequence = 0;
const entryOf = (input: LogEntryInput): ClassifiableEntry => {
  const at = `2026-03-02T10:00:${String(++sequence % 60).padStart(2, '0')}.000Z`;
  const stored = normalizeEntry({ ...input, timestamp: at }, { now: () => new Date(at), nextInsertId: () => `id-${sequence}` });
  return { ...stored, timestamp: new Date(stored.timestamp).toISOString() };
};

/** The bake's way: the log watch classifies and files each entry, the record goes through Redis as JSON, the bake adds it to its tally. */
function bakeTally(inputs: LogEntryInput[]): Tally {
  const [batch] = routeEntries(inputs.map(entryOf), [routeOf(bake, compileLogFilter)]);
  const tally = emptyTally();
  for (const { record } of batch?.records ?? []) addRecordToTally(tally, JSON.parse(JSON.stringify(record)) as FeedRecord, START);
  return tally;
}

const report = (tally: Tally, extra: Partial<BreachReport> = {}): SlackMessage =>
  breachMessage({ operation: op, virtualService: 'payments/checkout', tally, reasons: ['3 × td-permission-denied (zero tolerance)'], logsUrl: 'https://console.cloud.google.com/logs/query;query=x', zeroTolerance: ['td-permission-denied'], logsProject: 'shop-logs', ...extra });
const sectionTexts = (message: SlackMessage) => (message.blocks as readonly { type: string; text?: { text: string } }[]).filter((b) => b.type === 'section').map((b) => b.text!.text);
const remediesText = (message: SlackMessage) => sectionTexts(message).filter((t) => t.startsWith('*Remedies*') || t.startsWith('• *')).join('\n');

describe('the remedies of a rollback report', () => {
  const denialsAnd503s = () =>
    bakeTally([
      ...Array.from({ length: 8 }, () => istioProxyAccessLog({ upstreamCluster: `outbound|443||${TO}`, authority: TO, responseFlags: 'UH' })),
      ...Array.from({ length: 3 }, () => tdPermissionDenied({ service: 'ts-client', region: 'europe-west1', meshProjectNumber: '734009210042' })),
    ]);

  it('three denials plus eight 503s: both remedies, the denial first, with the project number and the service filled in', () => {
    const tally = denialsAnd503s();
    expect(tally.byClass['no-healthy-upstream']?.count).toBe(8);
    expect(tally.byClass['td-permission-denied']?.count).toBe(3);
    const remedies = remediesText(report(tally));
    expect(remedies).toContain('• *td-permission-denied* (3, zero tolerance)');
    expect(remedies).toContain('• *no-healthy-upstream* (8)');
    expect(remedies.indexOf('td-permission-denied')).toBeLessThan(remedies.indexOf('no-healthy-upstream'));
    expect(remedies).toContain('`gcloud projects add-iam-policy-binding 734009210042 --member=serviceAccount:SERVICE_ACCOUNT --role=roles/trafficdirector.client`');
    expect(remedies).toContain('on the mesh project (734009210042, from the denied resource)');
    expect(remedies).toContain("`gcloud run services describe ts-client --region=europe-west1 --project=shop-logs --format='value(spec.template.spec.serviceAccountName)'`");
    expect(remedies).not.toContain('PROJECT_ID');
    expect(remedies).toContain('kubectl get gcpbackend');
  });

  it('shows the denial sample before the 503s', () => {
    const samples = sectionTexts(report(denialsAnd503s())).find((t) => t.startsWith('*Samples*')) ?? '';
    expect(samples.split('\n')[1]).toContain("ts-client: StreamAggregatedResources gRPC config stream to trafficdirector.googleapis.com:443 closed: 7");
    expect(samples).toContain('503 UH');
  });

  it('without zero-tolerance classes, orders by count', () => {
    const remedies = remediesText(report(denialsAnd503s(), { zeroTolerance: [] }));
    expect(remedies.indexOf('• *no-healthy-upstream* (8)')).toBeLessThan(remedies.indexOf('• *td-permission-denied* (3)'));
  });

  it('names the placeholders left when the entries tell nothing (a tally stored before facts were kept)', () => {
    const tally = emptyTally();
    addToTally(tally, { kind: 'error', classId: 'td-permission-denied', sample: 'denied' }, { insertId: 'd', timestamp: START });
    delete tally.byClass['td-permission-denied']?.sources;
    const remedies = remediesText(report(tally, { logsProject: undefined }));
    expect(remedies).toContain('add-iam-policy-binding PROJECT_ID ');
    expect(remedies).toContain('↳ PROJECT_ID — the mesh project');
    expect(remedies).toContain('gcloud run services describe SERVICE --region=REGION');
  });

  it('escapes what the log entries put into a remedy', () => {
    const tally = bakeTally([tdPermissionDenied({ service: 'ts-client', meshProjectNumber: '<!channel>' })]);
    const remedies = remediesText(report(tally));
    expect(remedies).not.toContain('<!channel>');
    expect(remedies).toContain('add-iam-policy-binding &lt;!channel&gt; ');
  });
});

describe('a rollback report with every class', () => {
  function everyClass(longNames: boolean): Tally {
    const tally = emptyTally();
    const long = (what: string, i: number) => (longNames ? `${what}-${i}-${'x'.repeat(90)}` : `${what}-${i}`);
    for (const [i, classId] of ERROR_CLASS_IDS.entries()) {
      for (let n = 0; n <= i; n++) {
        const facts = classId === 'td-permission-denied' ? { deniedProject: long('p', n), service: long('svc', n), region: long('r', n) } : undefined;
        addToTally(tally, { kind: 'error', classId, sample: `${classId} line ${n} ${'z'.repeat(280)}`, facts }, { insertId: `${classId}-${n}`, timestamp: START });
      }
    }
    return tally;
  }

  function expectWithinLimits(message: SlackMessage): void {
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const block of message.blocks as readonly { type: string; text?: { text: string }; elements?: { text: string }[] }[]) {
      if (block.type === 'section') expect(block.text!.text.length).toBeLessThanOrEqual(3000);
      if (block.type === 'header') expect(block.text!.text.length).toBeLessThanOrEqual(150);
      if (block.type === 'context') for (const e of block.elements ?? []) expect(e.text.length).toBeLessThanOrEqual(2000);
    }
  }

  /** Each class's remedy is shown, or named in the one "…and N more" line, never both, never neither. */
  function expectEveryClassAccountedFor(message: SlackMessage): string[] {
    const shown = ERROR_CLASS_IDS.filter((id) => remediesText(message).includes(`• *${id}* (`));
    const more = (message.blocks as readonly { type: string; elements?: { text: string }[] }[]).flatMap((b) => (b.type === 'context' ? (b.elements ?? []) : [])).map((e) => e.text).find((t) => t.startsWith('…and '));
    const named = more ? /^…and (\d+) more: ([^.]+)\./.exec(more) : null;
    const rest = named ? named[2]!.split(', ') : [];
    if (named) expect(Number(named[1])).toBe(rest.length);
    expect([...shown, ...rest].sort()).toEqual([...ERROR_CLASS_IDS].sort());
    return rest;
  }

  it('keeps all fifteen remedies within Block Kit limits', () => {
    const message = report(everyClass(false), { reasons: Array.from({ length: 40 }, (_, i) => `reason ${i} ${'r'.repeat(100)}`) });
    expectWithinLimits(message);
    expect(expectEveryClassAccountedFor(message)).toEqual([]);
    expect(remediesText(message).indexOf('td-permission-denied')).toBeLessThan(remediesText(message).indexOf('downstream-closed'));
  });

  it('takes at most two sections for them, even with the longest names the tally keeps', () => {
    const message = report(everyClass(true));
    expectWithinLimits(message);
    expectEveryClassAccountedFor(message);
    expect(sectionTexts(message).filter((t) => t.startsWith('*Remedies*') || t.startsWith('• *')).length).toBeLessThanOrEqual(MAX_REMEDY_SECTIONS);
  });
});

describe('remedyBlocks', () => {
  const remedy = (i: number, length: number): Remedy => ({ classId: ERROR_CLASS_IDS[i]!, count: 1, zeroTolerance: false, lines: ['w'.repeat(length)] });
  const texts = (blocks: readonly Block[]) => blocks.map((b) => JSON.stringify(b));
  const sectionText = (block: Block | undefined) => (block as unknown as { text: { text: string } }).text.text;

  it('says "…and N more" rather than overflow when the remedies do not fit their sections', () => {
    const blocks = remedyBlocks(Array.from({ length: 6 }, (_, i) => remedy(i, 1400)), 2);
    expect(blocks.map((b) => b.type)).toEqual(['section', 'section', 'context']);
    expect(sectionText(blocks[0]).length + sectionText(blocks[1]).length).toBeLessThanOrEqual(6000);
    expect(texts(blocks).at(-1)).toContain(`…and 2 more: ${ERROR_CLASS_IDS[4]}, ${ERROR_CLASS_IDS[5]}.`);
  });

  it('clips a remedy longer than a section, and shows nothing when nothing was seen', () => {
    const blocks = remedyBlocks([remedy(0, 5000)]);
    expect(blocks).toHaveLength(1);
    expect(sectionText(blocks[0]).length).toBeLessThanOrEqual(3000);
    expect(remedyBlocks([])).toEqual([]);
  });
});
