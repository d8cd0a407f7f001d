import { describe, expect, it } from 'vitest';
import { logsExplorerUrl, migrationLogFilter } from '../../../src/domain/logs/migration-filter.js';
import { compileFilter } from '../../harness/logging-server.js';
import { cloudRunSidecarAccessLog, csmTrafficLog, istioProxyAccessLog, tdPermissionDenied } from '../../harness/log-samples.js';
import { normalizeEntry, type LogEntryInput } from '../../harness/logging/entries.js';

let sequence = 0;
const toStoredEntry = (input: LogEntryInput) => normalizeEntry(input, { now: () => new Date(), nextInsertId: () => `id-${++sequence}` });

const filter = migrationLogFilter({ from: 'cr-service-entry.com', to: 'cr-gcpbackend.com' });
const matches = compileFilter(filter);

describe('migrationLogFilter', () => {
  it('is accepted by the Logging query language parser and selects the migration\'s entries', () => {
    const wanted = [
      istioProxyAccessLog({ upstreamCluster: 'outbound|443||cr-gcpbackend.com', responseFlags: 'UH' }),
      istioProxyAccessLog({ upstreamCluster: 'outbound|443||cr-service-entry.com' }),
      csmTrafficLog({ destinationServiceHost: 'cr-gcpbackend.com', responseFlag: 'UF', status: 503 }),
      cloudRunSidecarAccessLog({ responseFlags: 'UH' }),
      tdPermissionDenied({}),
    ];
    for (const entry of wanted) expect(matches(toStoredEntry(entry))).toBe(true);
  });

  it('leaves out traffic to other hosts', () => {
    expect(matches(toStoredEntry(istioProxyAccessLog({ upstreamCluster: 'outbound|80||reviews.default.svc.cluster.local', authority: 'reviews' })))).toBe(false);
    expect(matches(toStoredEntry(csmTrafficLog({ destinationServiceHost: 'ratings.default.svc.cluster.local', upstreamCluster: 'outbound|9080||ratings' })))).toBe(false);
  });

  it('ANDs the configured extra filter', () => {
    const extra = migrationLogFilter({ from: 'a.com', to: 'b.com', extra: 'resource.labels.cluster_name="prod"' });
    expect(extra.endsWith(' AND (resource.labels.cluster_name="prod"\n)')).toBe(true);
  });

  it('links to the Logs Explorer with the query and window', () => {
    const url = logsExplorerUrl('my-proj', 'a="b"', '2026-11-21T10:00:00Z', '2026-11-21T10:10:00Z');
    expect(url).toBe('https://console.cloud.google.com/logs/query;query=a%3D%22b%22;timeRange=2026-11-21T10:00:00Z%2F2026-11-21T10:10:00Z?project=my-proj');
  });
});
