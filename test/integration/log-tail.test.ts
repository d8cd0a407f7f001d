import { status } from '@grpc/grpc-js';
import type { Entry } from '@google-cloud/logging';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeLoggingClient, createLoggingClient, type Logging } from '../../src/logging/cloud-logging.js';
import { LogTail } from '../../src/logging/log-tail.js';
import { istioProxyAccessLog } from '../harness/log-samples.js';
import { startLoggingServer, type LoggingServer } from '../harness/logging-server.js';
import { eventually } from '../support/meshbot-stack.js';

process.env.METADATA_SERVER_DETECTION = 'none';

let server: LoggingServer;
let logging: Logging;
let tail: LogTail | undefined;
const FILTER = 'resource.type="k8s_container" AND resource.labels.container_name="istio-proxy"';

beforeAll(async () => {
  server = await startLoggingServer();
  logging = createLoggingClient({ projectId: server.projectId, endpoint: server.endpoint });
});
afterEach(() => {
  tail?.stop();
  server.reset();
});
afterAll(async () => {
  await closeLoggingClient(logging);
  await server.close();
});

function collect(options: Partial<ConstructorParameters<typeof LogTail>[1]> = {}) {
  const received: Entry[] = [];
  let suppressed = 0;
  const reconnects: string[] = [];
  tail = new LogTail(logging, { filter: FILTER, maxBackoffMs: 200, ...options }, {
    onEntries: (entries) => void received.push(...entries),
    onSuppressed: (count) => (suppressed += count),
    onReconnect: (_n, why) => reconnects.push(why),
  });
  return { received, suppressed: () => suppressed, reconnects, ids: () => received.map((e) => e.metadata.insertId) };
}

describe('LogTail against the local Cloud Logging server', () => {
  it('passes on matching entries as they arrive', async () => {
    const got = collect();
    await tail!.start();
    await server.waitForTail();
    const [a] = server.append([istioProxyAccessLog({ responseFlags: 'UH', now: new Date() })]);
    await eventually(() => expect(got.ids()).toEqual([a!.insertId]));
  });

  it('reconnects after UNAVAILABLE and backfills what was written meanwhile, without duplicates', async () => {
    const got = collect();
    await tail!.start();
    await server.waitForTail();
    const [first] = server.append([istioProxyAccessLog({ responseFlags: 'UH', now: new Date() })]);
    await eventually(() => expect(got.ids()).toEqual([first!.insertId]));
    server.failTails(status.UNAVAILABLE, 'backend restarting');
    const missed = server.append([istioProxyAccessLog({ responseFlags: 'UF', now: new Date() }), istioProxyAccessLog({ responseFlags: 'UT', now: new Date() })]);
    await server.waitForTail();
    const [after] = server.append([istioProxyAccessLog({ responseFlags: 'NR', now: new Date() })]);
    await eventually(() => expect(new Set(got.ids())).toEqual(new Set([first!.insertId, ...missed.map((m) => m.insertId), after!.insertId])));
    expect(got.ids()).toHaveLength(4);
    expect(got.reconnects[0]).toContain('backend restarting');
  });

  it('catches entries held back by a stalled stream through periodic reconciliation', async () => {
    const got = collect({ reconcileEveryMs: 150 });
    await tail!.start();
    await server.waitForTail();
    const [seen] = server.append([istioProxyAccessLog({ responseFlags: 'UH', now: new Date() })]);
    await eventually(() => expect(got.ids()).toContain(seen!.insertId));
    server.stallTails();
    const [stalled] = server.append([istioProxyAccessLog({ responseFlags: 'UF', now: new Date() })]);
    await eventually(() => expect(got.ids()).toContain(stalled!.insertId));
    server.resumeTails();
    await new Promise((r) => setTimeout(r, 200));
    expect(got.ids().filter((id) => id === stalled!.insertId)).toHaveLength(1);
  });

  it('reports suppressed entries as a signal', async () => {
    const got = collect();
    await tail!.start();
    await server.waitForTail();
    server.sendSuppression({ reason: 'RATE_LIMIT', suppressedCount: 42 });
    await eventually(() => expect(got.suppressed()).toBe(42));
  });

  it('backfills from a resume point on start (a worker taking over a bake)', async () => {
    const [old] = server.append([istioProxyAccessLog({ responseFlags: 'UH', now: new Date(Date.now() - 60_000) })]);
    const got = collect({ since: new Date(Date.now() - 120_000) });
    await tail!.start();
    await eventually(() => expect(got.ids()).toContain(old!.insertId));
  });
});

describe('stopping a tail', () => {
  it('closes the session on the server even when stopped before the client opened its call', async () => {
    const early = new LogTail(logging, { filter: 'resource.type="stop-early"' }, { onEntries: () => undefined });
    await early.start();
    early.stop();
    await new Promise((r) => setTimeout(r, 500));
    expect(server.tailHistory.filter((t) => t.request.filter === 'resource.type="stop-early"' && t.live)).toEqual([]);
  });
});
