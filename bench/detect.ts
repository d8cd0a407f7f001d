/**
 * `npm run bench:detect`: time from an error entry written to the Cloud Logging tail to the
 * rollback PATCH accepted by the Kubernetes API server, over real processes and sockets
 * (redis-server, the local Slack/Kubernetes/Cloud Logging servers, meshbot bot + workers);
 * and classifier throughput. Prints JSON.
 */
import { tdPermissionDenied } from '../test/harness/log-samples.js';
import { eventually, FROM, requestMessage, routeWeights, seedVirtualService, startStack, testMigration, TO, waitUntilWatched, type Stack } from '../test/support/meshbot-stack.js';
import { classifyThroughput, sampleEntries } from './classify.js';
import { machine, percentile, runWhenMain } from './stats.js';

const TRIALS = Number(process.env.BENCH_TRIALS ?? 30);

export async function measureDetectToRollback(trials = TRIALS): Promise<number[]> {
  const migration = testMigration(90, { bakeMs: 10 * 60_000, rollbackOn: { errors: 1000, errorRate: 1, classes: ['td-permission-denied'] } });
  const stack = await startStack([migration]);
  try {
    const samples: number[] = [];
    for (let trial = 0; trial < trials; trial++) samples.push(await oneTrial(stack, migration, trial));
    return samples;
  } finally {
    await stack.close();
  }
}

async function oneTrial(stack: Stack, migration: ReturnType<typeof testMigration>, trial: number): Promise<number> {
  const percent = 20 + (trial % 2) * 10;
  stack.kube.put(seedVirtualService('payments', migration.virtualService));
  await stack.driver.slashCommand({ text: `shift ${percent}%`, userId: 'U0BOB', channelId: migration.channel });
  const { message, operationId } = await requestMessage(stack.slack, migration.channel, 10_000);
  await stack.driver.clickButton({ actionId: 'meshbot_approve', value: operationId, userId: 'U0ALICE', channelId: migration.channel, messageTs: message.ts });
  await eventually(() => {
    if (routeWeights(stack.kube, 'payments', migration.virtualService)[TO] !== percent) throw new Error('not applied yet');
  }, 10_000);
  await waitUntilWatched(stack, operationId);
  const callsBefore = stack.kube.calls.length;
  const start = performance.now();
  stack.logs.append(tdPermissionDenied({ now: new Date() }));
  while (!rollbackAccepted(stack, migration.virtualService, callsBefore)) await new Promise((r) => setImmediate(r));
  const elapsed = performance.now() - start;
  await eventually(() => {
    if (routeWeights(stack.kube, 'payments', migration.virtualService)[FROM] !== 90) throw new Error('rollback not complete');
  }, 10_000);
  await eventually(async () => {
    const busy = stack.slack.messages.some((m) => m.thread_ts === message.ts && (m.text ?? '').startsWith('↩️ Rolled back'));
    if (!busy) throw new Error('rollback not posted yet');
  }, 10_000);
  return elapsed;
}

function rollbackAccepted(stack: Stack, name: string, from: number): boolean {
  for (let i = from; i < stack.kube.calls.length; i++) {
    const call = stack.kube.calls[i];
    if (call && call.method === 'PATCH' && call.path.endsWith(`/virtualservices/${name}`) && call.status !== undefined && call.status < 300) return true;
  }
  return false;
}

async function main(): Promise<void> {
  const detect = await measureDetectToRollback();
  const result = {
    detect_to_rollback_p50_ms: percentile(detect, 50),
    detect_to_rollback_p99_ms: percentile(detect, 99),
    detect_to_rollback_trials: detect.length,
    classify_entries_per_s: classifyThroughput(sampleEntries(200_000)),
    machine: machine(),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

runWhenMain(import.meta.url, 'bench:detect', main);
