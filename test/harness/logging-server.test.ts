import * as grpc from '@grpc/grpc-js';
import { Logging } from '@google-cloud/logging';
import type { Entry, LoggingOptions } from '@google-cloud/logging';
import type { Duplex } from 'node:stream';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startLoggingServer } from './logging-server.js';
import type { LoggingServer } from './logging-server.js';
import { rejection } from '../support/grpc-rejection.js';
import { cloudRunSidecarAccessLog, cloudRunSidecarLog, csmTrafficLog, istioProxyAccessLog, tdPermissionDenied, xdsClosed13 } from './log-samples.js';

const MINUTE = 60_000;

type GetEntriesRequest = Parameters<Logging['getEntries']>[0];

let server: LoggingServer;
let logging: Logging;
let now: Date;

beforeAll(() => {
  process.env.METADATA_SERVER_DETECTION = 'none';
});

beforeEach(async () => {
  server = await startLoggingServer();
  logging = clientFor(server);
  now = new Date();
});

afterEach(async () => {
  await closeClient(logging);
  await server.close();
});

function clientFor(target: LoggingServer): Logging {
  return new Logging({
    projectId: target.projectId,
    apiEndpoint: '127.0.0.1',
    port: target.port,
    sslCreds: grpc.credentials.createInsecure(),
  } as LoggingOptions);
}

async function closeClient(client: Logging): Promise<void> {
  await (client.loggingService as unknown as { close(): Promise<void> }).close();
}

function minutesAgo(minutes: number): Date {
  return new Date(now.getTime() - minutes * MINUTE);
}

/** The client hands back the next request (or null) for callers that page themselves. */
function asQuery(nextQuery: unknown): GetEntriesRequest | undefined {
  return (nextQuery ?? undefined) as GetEntriesRequest | undefined;
}

describe('ListLogEntries through the real client', () => {
  it('returns only matching entries of the project, with metadata and payloads', async () => {
    const [broken] = server.append([
      istioProxyAccessLog({ responseFlags: 'UH', timestamp: minutesAgo(3) }),
      istioProxyAccessLog({ timestamp: minutesAgo(2) }),
      csmTrafficLog({ responseFlag: 'UH', timestamp: minutesAgo(2) }),
      tdPermissionDenied({ service: 'backend', timestamp: minutesAgo(1) }),
      istioProxyAccessLog({ responseFlags: 'UF', timestamp: minutesAgo(25 * 60) }),
      istioProxyAccessLog({ responseFlags: 'UF', projectId: 'other-project', timestamp: minutesAgo(1) }),
    ]);

    const [entries] = await logging.getEntries({
      filter: 'resource.type="k8s_container" resource.labels.container_name="istio-proxy" jsonPayload.response_flags!="-"',
      orderBy: 'timestamp asc',
    });

    expect(entries).toHaveLength(1);
    const [entry] = entries as [Entry];
    expect(entry.metadata.insertId).toBe(broken!.insertId);
    expect(entry.metadata.timestamp).toBeInstanceOf(Date);
    expect((entry.metadata.timestamp as Date).getTime()).toBe(minutesAgo(3).getTime());
    expect(entry.metadata.severity).toBe('INFO');
    expect(entry.metadata.logName).toBe('projects/meshbot-test/logs/stdout');
    expect(entry.metadata.resource).toMatchObject({ type: 'k8s_container', labels: { container_name: 'istio-proxy', cluster_name: 'mesh-cluster' } });
    expect(entry.metadata.labels).toMatchObject({ 'k8s-pod/app': 'frontend' });
    expect(entry.data).toMatchObject({
      response_code: 503,
      response_flags: 'UH',
      response_code_details: 'no_healthy_upstream',
      upstream_cluster: 'outbound|443||cr-gcpbackend.com',
      upstream_host: null,
    });
    // The client adds the last-24-hours restriction; the server must have parsed and applied it.
    expect(server.listCalls[0]!.filter).toMatch(/ AND timestamp >= "\d{4}-\d\d-\d\dT/);
    expect(server.listCalls[0]!.resource_names).toEqual(['projects/meshbot-test']);
  });

  it('returns text payloads and HTTP request metadata', async () => {
    server.append([tdPermissionDenied({ now }), xdsClosed13({ now }), csmTrafficLog({ kind: 'server', status: 403, latency: '0.25s', now })]);

    const [sidecar] = await logging.getEntries({ filter: 'logName=~"envoy_sidecar_log$" AND textPayload:"trafficdirector.networks.getConfigs"' });
    expect(sidecar).toHaveLength(1);
    expect(sidecar[0]!.metadata.severity).toBe('WARNING');
    expect(sidecar[0]!.metadata.resource).toMatchObject({ type: 'cloud_run_revision', labels: { service_name: 'backend', location: 'us-central1' } });
    expect(typeof sidecar[0]!.data).toBe('string');
    expect(sidecar[0]!.data).toContain(
      "closed: 7, Permission 'trafficdirector.networks.getConfigs' denied on resource 'projects/123/global/networks/default' (or it may not exist).",
    );

    const [traffic] = await logging.getEntries({ filter: 'logName="projects/meshbot-test/logs/server-accesslog-stackdriver" httpRequest.status>=400' });
    expect(traffic).toHaveLength(1);
    expect(traffic[0]!.metadata.severity).toBe('ERROR');
    expect(traffic[0]!.metadata.httpRequest).toMatchObject({ status: 403, latency: { seconds: '0', nanos: 250_000_000 } });
    expect(traffic[0]!.metadata.labels).toMatchObject({ response_flag: '-', destination_service_host: 'cr-gcpbackend.com' });
  });

  it('orders by timestamp, breaking ties by insertId, both ways', async () => {
    const tie = minutesAgo(2);
    server.append([
      cloudRunSidecarAccessLog({ insertId: 'b', timestamp: tie }),
      cloudRunSidecarAccessLog({ insertId: 'c', timestamp: tie }),
      cloudRunSidecarAccessLog({ insertId: 'z', timestamp: minutesAgo(3) }),
      cloudRunSidecarAccessLog({ insertId: 'a', timestamp: tie }),
    ]);
    const ids = async (orderBy: string) => {
      const [entries] = await logging.getEntries({ filter: 'resource.type="cloud_run_revision"', orderBy });
      return entries.map((entry) => entry.metadata.insertId);
    };

    expect(await ids('timestamp asc')).toEqual(['z', 'a', 'b', 'c']);
    expect(await ids('timestamp desc')).toEqual(['c', 'b', 'a', 'z']);
  });

  it('pages with page tokens, one page at a time', async () => {
    const stored = server.append(Array.from({ length: 7 }, (_, i) => cloudRunSidecarAccessLog({ responseFlags: 'UF', timestamp: minutesAgo(10 - i) })));
    server.append(cloudRunSidecarAccessLog({ timestamp: minutesAgo(5) }));
    const pages: (string | null | undefined)[][] = [];

    let query: GetEntriesRequest | undefined = { filter: 'jsonPayload.response_flags="UF"', orderBy: 'timestamp desc', pageSize: 3, autoPaginate: false };
    while (query) {
      const [entries, nextQuery] = await logging.getEntries(query);
      pages.push(insertIds(entries));
      query = asQuery(nextQuery);
    }

    const newestFirst = stored.map((entry) => entry.insertId).reverse();
    expect(pages).toEqual([newestFirst.slice(0, 3), newestFirst.slice(3, 6), newestFirst.slice(6)]);
    expect(server.listCalls.map((call) => call.page_token !== '')).toEqual([false, true, true]);
    expect(server.listCalls.every((call) => call.page_size === 3)).toBe(true);
  });

  it('pages by 50 when the client pages by itself', async () => {
    server.append(Array.from({ length: 120 }, (_, i) => cloudRunSidecarAccessLog({ timestamp: new Date(minutesAgo(60).getTime() + i) })));

    const [entries] = await logging.getEntries({ filter: 'resource.type="cloud_run_revision"', orderBy: 'timestamp asc' });

    expect(entries).toHaveLength(120);
    expect(new Set(insertIds(entries)).size).toBe(120);
    expect(server.listCalls).toHaveLength(3);
  });

  it('keeps paging stable when entries arrive between pages', async () => {
    const early = server.append(Array.from({ length: 4 }, (_, i) => cloudRunSidecarAccessLog({ timestamp: minutesAgo(10 - i) })));
    const filter = 'resource.type="cloud_run_revision"';
    const [first, secondQuery] = await logging.getEntries({ filter, orderBy: 'timestamp asc', pageSize: 2, autoPaginate: false });
    // One entry sorts before the cursor and must not show up; one after it must.
    const [, after] = server.append([cloudRunSidecarAccessLog({ timestamp: minutesAgo(20) }), cloudRunSidecarAccessLog({ timestamp: minutesAgo(1) })]);

    const [second, thirdQuery] = await logging.getEntries(asQuery(secondQuery));
    const [third] = await logging.getEntries(asQuery(thirdQuery));

    const ids = early.map((entry) => entry.insertId);
    expect([insertIds(first), insertIds(second), insertIds(third)]).toEqual([ids.slice(0, 2), ids.slice(2), [after!.insertId]]);
  });

  it('refuses a page token used with another filter', async () => {
    server.append(Array.from({ length: 3 }, () => cloudRunSidecarAccessLog({ now })));
    const [, nextQuery] = await logging.getEntries({ filter: 'severity>=DEFAULT', pageSize: 1, autoPaginate: false });

    const error = await rejection(logging.getEntries({ ...asQuery(nextQuery), filter: 'severity>=ERROR' }));

    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('refuses page sizes over 1000 and invalid filters with INVALID_ARGUMENT', async () => {
    const tooBig = await rejection(logging.getEntries({ pageSize: 1001, autoPaginate: false }));
    expect(tooBig.code).toBe(grpc.status.INVALID_ARGUMENT);

    const badFilter = await rejection(logging.getEntries({ filter: 'severity >= ERROR AND (textPayload:"x"' }));
    expect(badFilter.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(badFilter.message).toMatch(/unbalanced/);
  });

  it('answers RESOURCE_EXHAUSTED as many times as asked, then recovers', async () => {
    server.append(istioProxyAccessLog({ now }));
    server.exhaustListQuota(2);

    for (let i = 0; i < 2; i++) {
      const error = await rejection(logging.getEntries({ filter: 'resource.type="k8s_container"' }));
      expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(error.message).toMatch(/Quota exceeded/);
    }
    const [entries] = await logging.getEntries({ filter: 'resource.type="k8s_container"' });
    expect(entries).toHaveLength(1);
    expect(server.listCalls).toHaveLength(3);
  });

  it('records when each call came and the most calls in any minute', async () => {
    const before = Date.now();
    server.exhaustListQuota(1);
    await rejection(logging.getEntries({ filter: 'severity>=ERROR' }));
    await logging.getEntries({ filter: 'severity>=ERROR' });

    expect(server.listCallTimes).toHaveLength(2);
    expect(server.listCallTimes.every((time) => time >= before && time <= Date.now())).toBe(true);
    expect(server.maxListCallsInAnyMinute()).toBe(2);
    // Faults injected with exhaustListQuota are not quota refusals.
    expect(server.quotaRefusedListCalls).toBe(0);
  });

  it('delays answers when asked to', async () => {
    server.delayListCalls(300);
    const started = Date.now();
    await logging.getEntries({ filter: 'severity>=ERROR' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('answers UNIMPLEMENTED for other methods', async () => {
    const log = logging.log('stdout');
    const error = await rejection(log.write(log.entry({ resource: { type: 'global' } }, 'hello')));
    expect(error.code).toBe(grpc.status.UNIMPLEMENTED);
  });
});

interface TailRecorder {
  entries: Entry[];
  suppressions: unknown[];
  errors: grpc.ServiceError[];
  ended: boolean;
}

function recordTail(stream: Duplex): TailRecorder {
  const recorder: TailRecorder = { entries: [], suppressions: [], errors: [], ended: false };
  stream.on('data', (response: { entries: Entry[]; suppressionInfo?: unknown }) => {
    recorder.entries.push(...response.entries);
    if (response.suppressionInfo) recorder.suppressions.push(response.suppressionInfo);
  });
  stream.on('error', (error: grpc.ServiceError) => recorder.errors.push(error));
  stream.on('end', () => (recorder.ended = true));
  return recorder;
}

function abortTail(stream: Duplex): void {
  (stream as Duplex & { abort(): void }).abort();
}

function insertIds(entries: readonly Entry[]): (string | null | undefined)[] {
  return entries.map((entry) => entry.metadata.insertId);
}

async function settle(ms = 150): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

describe('TailLogEntries through the real client', () => {
  const filter = 'resource.type="k8s_container" AND jsonPayload.response_flags!="-"';

  it('streams matching entries appended after the session opened, and nothing else', async () => {
    server.append(istioProxyAccessLog({ responseFlags: 'UH', now }));
    const stream = logging.tailEntries({ filter });
    const tail = recordTail(stream);
    const session = await server.waitForTail();

    expect(session.request.filter).toBe(filter);
    expect(session.request.resource_names).toEqual(['projects/meshbot-test']);
    expect(server.tailCount).toBe(1);

    const [uh, , uf] = server.append([
      istioProxyAccessLog({ responseFlags: 'UH', now }),
      istioProxyAccessLog({ now }),
      istioProxyAccessLog({ responseFlags: 'UF', now }),
      cloudRunSidecarAccessLog({ responseFlags: 'UH', now }),
    ]);
    server.append(istioProxyAccessLog({ responseFlags: 'NR', projectId: 'other-project', now }));

    await vi.waitFor(() => expect(tail.entries).toHaveLength(2));
    await settle();
    expect(insertIds(tail.entries)).toEqual([uh!.insertId, uf!.insertId]);
    expect(tail.entries[0]!.metadata.timestamp).toEqual(now);
    expect(tail.entries[0]!.data).toMatchObject({ response_flags: 'UH', response_code: 503 });
    expect(session.delivered.map((entry) => entry.insertId)).toEqual([uh!.insertId, uf!.insertId]);

    abortTail(stream);
    await vi.waitFor(() => expect(server.tailCount).toBe(0));
    expect(session.live).toBe(false);
  });

  it('makes the client stream fail with the status given to failTails', async () => {
    const tail = recordTail(logging.tailEntries({ filter }));
    await server.waitForTail();

    server.failTails(grpc.status.UNAVAILABLE, 'tail backend restarting');

    await vi.waitFor(() => expect(tail.errors).toHaveLength(1));
    expect(tail.errors[0]!.code).toBe(grpc.status.UNAVAILABLE);
    expect(tail.errors[0]!.message).toContain('tail backend restarting');
    expect(server.tailCount).toBe(0);
    expect(server.tailHistory[0]!.endReason).toMatch(/^failed: UNAVAILABLE/);
  });

  it('delivers suppression info', async () => {
    const tail = recordTail(logging.tailEntries({ filter }));
    await server.waitForTail();

    server.sendSuppression({ reason: 'RATE_LIMIT', suppressedCount: 42 });

    await vi.waitFor(() => expect(tail.suppressions).toHaveLength(1));
    expect(tail.suppressions[0]).toEqual([expect.objectContaining({ reason: 'RATE_LIMIT', suppressedCount: 42 })]);
    expect(tail.entries).toEqual([]);
  });

  it('holds entries back while stalled and sends them on resume', async () => {
    const tail = recordTail(logging.tailEntries({ filter }));
    await server.waitForTail();

    server.stallTails();
    server.append(istioProxyAccessLog({ responseFlags: 'UT', now }));
    await settle(300);
    expect(tail.entries).toEqual([]);
    expect(server.tailCount).toBe(1);

    server.resumeTails();
    await vi.waitFor(() => expect(tail.entries).toHaveLength(1));
    expect(tail.entries[0]!.data).toMatchObject({ response_flags: 'UT', response_code: 504 });
  });

  it('ends tails cleanly with endTails', async () => {
    const tail = recordTail(logging.tailEntries({ filter }));
    await server.waitForTail();

    server.endTails();

    await vi.waitFor(() => expect(tail.ended).toBe(true));
    expect(tail.errors).toEqual([]);
  });

  it('ends the session when the client half-closes', async () => {
    const stream = logging.tailEntries({ filter });
    const tail = recordTail(stream);
    const session = await server.waitForTail();

    stream.end();

    await vi.waitFor(() => expect(tail.ended).toBe(true));
    expect(session.endReason).toBe('client ended');
    expect(server.tailCount).toBe(0);
  });

  it('refuses an invalid filter with INVALID_ARGUMENT', async () => {
    const tail = recordTail(logging.tailEntries({ filter: 'jsonPayload.x =~ "("' }));

    await vi.waitFor(() => expect(tail.errors).toHaveLength(1));
    expect(tail.errors[0]!.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(server.tailCount).toBe(0);
  });

  it('hands out each new session once to waitForTail, and times out without one', async () => {
    const first = recordTail(logging.tailEntries({ filter: 'severity>=ERROR' }));
    const second = recordTail(logging.tailEntries({ filter: 'severity>=WARNING' }));

    const sessions = [await server.waitForTail(), await server.waitForTail()];
    expect(sessions.map((session) => session.request.filter).sort()).toEqual(['severity>=ERROR', 'severity>=WARNING']);
    await expect(server.waitForTail(100)).rejects.toThrow(/no TailLogEntries session/);

    server.append(xdsClosed13({ now }));
    await vi.waitFor(() => expect(second.entries).toHaveLength(1));
    expect(first.entries).toEqual([]);
  });

  it('limits live sessions when configured', async () => {
    const limited = await startLoggingServer({ maxTailSessions: 1 });
    const client = clientFor(limited);
    try {
      recordTail(client.tailEntries({ filter }));
      await limited.waitForTail();
      const refused = recordTail(client.tailEntries({ filter }));
      await vi.waitFor(() => expect(refused.errors).toHaveLength(1));
      expect(refused.errors[0]!.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    } finally {
      await closeClient(client);
      await limited.close();
    }
  });

  it('counts the most sessions live at once and the ones refused by maxTailSessions', async () => {
    const limited = await startLoggingServer({ maxTailSessions: 2 });
    const client = clientFor(limited);
    try {
      const streams = [client.tailEntries({ filter }), client.tailEntries({ filter })];
      streams.forEach(recordTail);
      await limited.waitForTail();
      await limited.waitForTail();
      const refused = [recordTail(client.tailEntries({ filter })), recordTail(client.tailEntries({ filter }))];
      await vi.waitFor(() => expect(refused.flatMap((tail) => tail.errors)).toHaveLength(2));
      expect(refused.map((tail) => tail.errors[0]!.code)).toEqual([grpc.status.RESOURCE_EXHAUSTED, grpc.status.RESOURCE_EXHAUSTED]);
      // An invalid filter is refused too, but not for the limit.
      const invalid = recordTail(client.tailEntries({ filter: 'severity>=ERROR AND (' }));
      await vi.waitFor(() => expect(invalid.errors).toHaveLength(1));
      expect(invalid.errors[0]!.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect([limited.peakTailCount, limited.refusedTails]).toEqual([2, 2]);

      abortTail(streams[0]!);
      await vi.waitFor(() => expect(limited.tailCount).toBe(1));
      recordTail(client.tailEntries({ filter }));
      await limited.waitForTail();
      expect([limited.tailCount, limited.peakTailCount, limited.refusedTails]).toEqual([2, 2, 2]);

      limited.reset();
      expect([limited.peakTailCount, limited.refusedTails]).toEqual([2, 0]);
    } finally {
      await closeClient(client);
      await limited.close();
    }
  });
});

describe('the ListLogEntries read quota', () => {
  const WINDOW_MS = 1000;
  let limited: LoggingServer;
  let client: Logging;

  beforeEach(async () => {
    limited = await startLoggingServer({ listQuotaPerMinute: 3, quotaWindowMs: WINDOW_MS });
    client = clientFor(limited);
    limited.append(istioProxyAccessLog({ now }));
  });

  afterEach(async () => {
    await closeClient(client);
    await limited.close();
  });

  const list = () => client.getEntries({ filter: 'resource.type="k8s_container"' });

  it('refuses the call past the quota in the window with RESOURCE_EXHAUSTED and the quota message, serving nothing', async () => {
    for (let i = 0; i < 3; i++) expect((await list())[0]).toHaveLength(1);

    const error = await rejection(list());

    expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error.code).toBe(8);
    expect(error.details).toBe("Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service 'logging.googleapis.com'");
    expect(limited.quotaRefusedListCalls).toBe(1);
    expect(limited.listCalls).toHaveLength(4);
    expect(limited.listCallTimes).toHaveLength(4);
    expect(limited.maxListCallsInAnyMinute()).toBe(4);
  });

  it('serves again once the window has slid past the served calls, refused calls not counting', async () => {
    for (let i = 0; i < 3; i++) await list();
    // Refused calls inside the window do not push its end further out.
    for (let i = 0; i < 3; i++) expect((await rejection(list())).code).toBe(grpc.status.RESOURCE_EXHAUSTED);

    const lastServed = limited.listCallTimes[2]!;
    await settle(Math.max(0, lastServed + WINDOW_MS + 20 - Date.now()));
    const served = await Promise.all([list(), list(), list()]);

    expect(served.map(([entries]) => entries.length)).toEqual([1, 1, 1]);
    expect((await rejection(list())).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(limited.quotaRefusedListCalls).toBe(4);
    expect(limited.listCallTimes).toHaveLength(10);
  });

  it('does not count calls answered by an injected fault against the quota', async () => {
    limited.failListCalls(1, grpc.status.PERMISSION_DENIED);
    limited.exhaustListQuota(1);
    expect((await rejection(list())).code).toBe(grpc.status.PERMISSION_DENIED);
    expect((await rejection(list())).code).toBe(grpc.status.RESOURCE_EXHAUSTED);

    for (let i = 0; i < 3; i++) expect((await list())[0]).toHaveLength(1);
    expect((await rejection(list())).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(limited.quotaRefusedListCalls).toBe(1);
  });

  it('reset forgets the window and the figures', async () => {
    for (let i = 0; i < 3; i++) await list();
    await rejection(list());

    limited.reset();

    expect([limited.listCallTimes.length, limited.quotaRefusedListCalls, limited.maxListCallsInAnyMinute()]).toEqual([0, 0, 0]);
    expect((await list())[0]).toEqual([]);
  });
});

describe('appending', () => {
  it('generates unique insertIds and defaults timestamps to the server clock', async () => {
    const clock = new Date('2026-01-02T03:04:05.678Z');
    const local = await startLoggingServer({ now: () => clock, projectId: 'p2' });
    try {
      const stored = local.append([
        { logName: 'projects/p2/logs/app', textPayload: 'one' },
        { logName: 'projects/p2/logs/app', jsonPayload: { two: 2 } },
      ]);
      expect(new Set(stored.map((entry) => entry.insertId)).size).toBe(2);
      expect(stored[0]).toMatchObject({ timestamp: '2026-01-02T03:04:05.678000000Z', severity: 'DEFAULT', resource: { type: 'global' } });
      expect(local.entries).toHaveLength(2);
    } finally {
      await local.close();
    }
  });

  it('reset forgets entries, calls and faults', async () => {
    server.append(istioProxyAccessLog({ now }));
    server.exhaustListQuota(5);
    await rejection(logging.getEntries({ filter: 'severity>=DEFAULT' }));

    server.reset();

    expect(server.entries).toEqual([]);
    expect(server.listCalls).toEqual([]);
    const [entries] = await logging.getEntries({ filter: 'severity>=DEFAULT' });
    expect(entries).toEqual([]);
  });

  it('refuses entries Cloud Logging would not store', () => {
    expect(() => server.append({ logName: 'stdout', textPayload: 'x' })).toThrow(/logName/);
    expect(() => server.append({ logName: 'projects/p/logs/x', textPayload: 'x', jsonPayload: {} })).toThrow(/one payload/);
    expect(() => server.append({ logName: 'projects/p/logs/x', timestamp: 'soon' })).toThrow(/timestamp/);
  });

  it('builds samples that the filters of DOMAIN.md find', () => {
    server.append([
      cloudRunSidecarLog({ text: 'plain line', now }),
      csmTrafficLog({ kind: 'client', responseFlag: 'UF', now }),
      istioProxyAccessLog({ responseCode: 403, now }),
    ]);
    const [sidecar, client, rbac] = server.entries;
    expect(sidecar).toMatchObject({ logName: 'projects/meshbot-test/logs/run.googleapis.com%2Fenvoy_sidecar_log', textPayload: 'plain line' });
    expect(client).toMatchObject({
      logName: 'projects/meshbot-test/logs/client-accesslog-stackdriver',
      resource: { type: 'k8s_pod' },
      severity: 'ERROR',
      labels: { response_flag: 'UF', upstream_cluster: 'outbound|443||cr-gcpbackend.com', source_workload: 'frontend' },
      httpRequest: { status: 503, latency: '0.012s' },
    });
    expect(rbac!.jsonPayload).toMatchObject({ response_code: 403, response_code_details: 'rbac_access_denied_matched_policy[none]' });
  });
});
