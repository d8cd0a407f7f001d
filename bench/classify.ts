import { classifyEntry } from '../src/domain/logs/classify.js';
import type { ClassifiableEntry } from '../src/domain/logs/log-entry.js';
import { addToTally, emptyTally } from '../src/domain/logs/tally.js';
import { normalizeEntry } from '../test/harness/logging/entries.js';
import { csmTrafficLog, istioProxyAccessLog, tdPermissionDenied, xdsClosed13, cloudRunSidecarAccessLog } from '../test/harness/log-samples.js';

/** A realistic mix: mostly successful requests, some failures, some control-plane lines. */
export function sampleEntries(count: number): ClassifiableEntry[] {
  const now = new Date();
  let id = 0;
  const makers = [
    () => istioProxyAccessLog({ now }),
    () => istioProxyAccessLog({ now }),
    () => istioProxyAccessLog({ now }),
    () => csmTrafficLog({ now, status: 200 }),
    () => istioProxyAccessLog({ now, responseFlags: 'UH' }),
    () => csmTrafficLog({ now, responseFlag: 'UF', status: 503 }),
    () => cloudRunSidecarAccessLog({ now, responseFlags: 'UT' }),
    () => tdPermissionDenied({ now }),
    () => xdsClosed13({ now }),
    () => istioProxyAccessLog({ now, responseFlags: 'UF,URX' }),
  ];
  const templates = makers.map((make) => normalizeEntry(make(), { now: () => now, nextInsertId: () => `t${id++}` }) as unknown as ClassifiableEntry);
  return Array.from({ length: count }, (_, i) => ({ ...(templates[i % templates.length] as ClassifiableEntry), insertId: `e${i}` }));
}

/** Entries per second through classify + tally on this thread (one core). */
export function classifyThroughput(entries: readonly ClassifiableEntry[], rounds = 5): number {
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const tally = emptyTally();
    const start = process.hrtime.bigint();
    for (const entry of entries) addToTally(tally, classifyEntry(entry), entry);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.max(best, entries.length / seconds);
  }
  return Math.round(best);
}
