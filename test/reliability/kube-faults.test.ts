/**
 * Fault injection on the Kubernetes API: 500s, slow 503s and 409 storms on 30% of the calls
 * (seeded RNG), while operations are requested, approved and applied. Every operation must end
 * either applied (VirtualService at the target, one accepted PATCH) or with a clear failure
 * message in its thread and the VirtualService as it was; a hand edit made during the storm is
 * never lost.
 */
import type { FaultHandle, FaultSpec, PendingEdit } from '../harness/kube-api-server.js';
import type { DriverResponse } from '../harness/slack-driver.js';
import { afterAll, beforeAll, describe, expect, it, type ExpectStatic } from 'vitest';
import { FROM, hasButtons, patchesOf, routeWeights, startStack, testMigration, TO, type Stack } from '../support/meshbot-stack.js';

type Migration = ReturnType<typeof testMigration>;

const N = 10;
const batch = (first: number) => Array.from({ length: N }, (_, i) => testMigration(first + i));
const STORM = { internal: batch(300), slow: batch(320), conflict: batch(340) };
const DOWN = {
  prepare: testMigration(360, { gcpBackend: 'cr-gcpbackend-down' }),
  verify: testMigration(361),
  patch: testMigration(362),
  conflict: testMigration(363),
};

const TARGET = { [FROM]: 75, [TO]: 25 };
const BEFORE = { [FROM]: 90, [TO]: 10 };
/** BullMQ retries a job 6 times with exponential backoff from 500 ms: 15.5 s of waiting at most, plus the calls. */
const RETRIES_MS = 30_000;
const CONFLICT_MESSAGE = 'Operation cannot be fulfilled on virtualservices.networking.istio.io: the object has been modified; please apply your changes to the latest version and try again';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack([...STORM.internal, ...STORM.slow, ...STORM.conflict, ...Object.values(DOWN)]);
  stack.kube.seed({ apiVersion: 'networking.gke.io/v1', kind: 'GCPBackend', metadata: { name: 'cr-gcpbackend-down', namespace: 'payments' }, spec: { cloudrun: { service: 'cr-service', regions: ['us-central1'] } } });
});
afterAll(async () => {
  await stack?.close();
});

type VirtualServiceSpec = { spec: { http: { timeout?: string }[] } };
const vsOf = (m: Migration) => stack.kube.getObject('virtualservices', 'payments', m.virtualService) as unknown as VirtualServiceSpec;
const threadTexts = (m: Migration, ts: string) => stack.slack.thread(m.channel, ts).map((message) => message.text ?? '');

/** The private answer (through its response_url) to one slash command. */
function answerTo(sent: DriverResponse, timeoutMs = 10_000) {
  const id = decodeURIComponent(sent.responseUrl.slice(sent.responseUrl.lastIndexOf('/') + 1));
  return stack.slack.waitForResponse((r) => r.id === id, timeoutMs);
}

/** `/mesh shift 25%` as a person would send it: again when meshbot says the API did not answer. */
async function requestShift(m: Migration): Promise<void> {
  for (let attempt = 1; attempt <= 10; attempt++) {
    const sent = await stack.driver.slashCommand({ text: 'shift 25%', userId: 'U0BOB', channelId: m.channel });
    expect(sent.status).toBe(200);
    const answer = (await answerTo(sent)).text ?? '';
    if (answer.startsWith('Requested:')) return;
    expect(answer, `${m.name}: the refusal of a request says why`).toMatch(/^The Kubernetes API did not answer for VirtualService payments\/vs-\d+ \(.+\)\./);
    expect(answer, `${m.name}: the refusal of a request says that nothing was requested, and to try again`).toMatch(/Nothing was requested[.;] [Tt]ry again shortly\.$/);
  }
  throw new Error(`${m.name}: 10 requests in a row were refused`);
}

type Ending = { kind: 'applied' | 'failed' | 'not-prepared'; text: string; threadTs: string };

/** A request that could not be prepared says so in the channel (its thread does not exist yet), with the cause. */
const NOT_PREPARED = /^(❌ <@U0BOB> your request \(op-[\w-]+\) could not be prepared|⚠️ This operation failed): .+/s;

/** The request message (Approve/Reject) or the message saying it could not be prepared. */
async function prepared(m: Migration): Promise<{ ts: string; operationId: string } | { failure: string }> {
  const message = await stack.slack
    .waitForMessage((msg) => msg.channel === m.channel && msg.thread_ts === undefined && (hasButtons(msg) || NOT_PREPARED.test(msg.text ?? '')), RETRIES_MS)
    .catch(() => {
      throw new Error(`${m.name}: after the request, neither the Approve/Reject message nor a message saying it could not be prepared appeared within ${RETRIES_MS} ms`);
    });
  if (!hasButtons(message)) return { failure: message.text ?? '' };
  const actions = (message.blocks ?? []).find((b) => b.type === 'actions') as unknown as { elements: { value: string }[] };
  return { ts: message.ts, operationId: actions.elements[0]?.value ?? '' };
}

/** Approves and waits for the result posted in the thread. */
async function approveAndWait(m: Migration, request: { ts: string; operationId: string }): Promise<Ending> {
  const click = await stack.driver.clickButton({ actionId: 'meshbot_approve', value: request.operationId, userId: 'U0ALICE', channelId: m.channel, messageTs: request.ts });
  expect(click.status).toBe(200);
  const result = await stack.slack
    .waitForMessage((msg) => msg.channel === m.channel && msg.thread_ts === request.ts && /^(✅ Applied|❌ )/.test(msg.text ?? ''), RETRIES_MS)
    .catch(() => {
      throw new Error(`${m.name}: no result in the thread within ${RETRIES_MS} ms of the approval (thread: ${JSON.stringify(threadTexts(m, request.ts))})`);
    });
  const text = result.text ?? '';
  return { kind: text.startsWith('✅') ? 'applied' : 'failed', text, threadTs: request.ts };
}

/** The answers of the API server when meshbot's write lost a race: 409, or 422 from the failed `test` of resourceVersion. */
const CONFLICT_ANSWERS = [CONFLICT_MESSAGE, 'the server rejected our request due to an error in our request'];

/**
 * A failure message a person can act on: what failed, why, and what became of the
 * VirtualService (not changed, or meshbot could not tell and says where to look).
 */
function expectClearFailure(m: Migration, text: string, check: ExpectStatic = expect): void {
  check.soft(text, `${m.name}: failure message`).toMatch(/^❌ shift 25% for migration-\d+ failed: .+\. (The VirtualService was not changed by this step|meshbot could not confirm the state of the VirtualService: check it with \/mesh status)\.$/s);
  check.soft(text, `${m.name}: an approved operation was requested; the failure message must not say otherwise`).not.toContain('Nothing was requested');
  check.soft(text, `${m.name}: failure message`).not.toContain('..');
  if (CONFLICT_ANSWERS.some((answer) => text.includes(answer))) {
    check.soft(text, `${m.name}: the API answered (the VirtualService kept changing under meshbot); the message must not say it did not`).not.toContain('did not answer');
  }
}

/** Checks how one operation ended against the cluster. */
function expectConsistentEnding(m: Migration, ending: Ending, check: ExpectStatic = expect): void {
  if (ending.kind === 'applied') {
    check.soft(routeWeights(stack.kube, 'payments', m.virtualService), `${m.name}: applied`).toEqual(TARGET);
    check.soft(patchesOf(stack.kube, m.virtualService), `${m.name}: accepted PATCHes`).toBe(1);
  } else if (ending.kind === 'not-prepared') {
    check.soft(ending.text, `${m.name}: a request that could not be prepared says why`).toMatch(NOT_PREPARED);
    check.soft(patchesOf(stack.kube, m.virtualService), `${m.name}: accepted PATCHes`).toBe(0);
  } else {
    expectClearFailure(m, ending.text, check);
    check.soft(routeWeights(stack.kube, 'payments', m.virtualService), `${m.name}: "${ending.text}" but the VirtualService`).toEqual(BEFORE);
  }
}

/** After the storm: nothing is left in flight (the lock of every VirtualService was released). */
async function expectNothingInFlight(migrations: readonly Migration[], check: ExpectStatic = expect): Promise<void> {
  await Promise.all(
    migrations.map(async (m) => {
      const sent = await stack.driver.slashCommand({ text: 'status', userId: 'U0BOB', channelId: m.channel });
      check.soft((await answerTo(sent)).text, `${m.name}: /mesh status after the storm`).toContain('In flight: nothing');
    }),
  );
}

/**
 * Runs one shift per migration, all at once, under `faults`; each VirtualService gets
 * `handEdits` concurrent hand edits (a new http timeout each) right before meshbot's writes.
 * Waits for every operation to end (or to be given up on) before removing the faults.
 */
async function storm(migrations: readonly Migration[], faults: FaultSpec[], handEdits: number): Promise<{ endings: PromiseSettledResult<Ending>[]; hits: number; handEditsLanded: number }> {
  const handles: FaultHandle[] = faults.map((fault) => stack.kube.injectFault(fault));
  let handEditsLanded = 0;
  try {
    const endings = await Promise.allSettled(
      migrations.map(async (m, index): Promise<Ending> => {
        await requestShift(m);
        const request = await prepared(m);
        if ('failure' in request) return { kind: 'not-prepared', text: request.failure, threadTs: '' };
        const edits = handEditChain(m, index, handEdits);
        try {
          const ending = await approveAndWait(m, request);
          expect.soft(edits.lost(), `${m.name}: hand edits lost`).toEqual([]);
          return ending;
        } finally {
          edits.stop();
          handEditsLanded += edits.landed();
        }
      }),
    );
    return { endings, hits: handles.reduce((sum, h) => sum + h.hits, 0), handEditsLanded };
  } finally {
    for (const handle of handles) handle.remove();
  }
}

const appliedIn = (endings: PromiseSettledResult<Ending>[]) => endings.filter((e) => e.status === 'fulfilled' && e.value.kind === 'applied').length;

/** Every operation of a storm, checked (softly, so that one report lists every problem). */
function expectEveryEndingConsistent(migrations: readonly Migration[], endings: PromiseSettledResult<Ending>[]): void {
  migrations.forEach((m, i) => {
    const ending = endings[i] as PromiseSettledResult<Ending>;
    if (ending.status === 'rejected') expect.soft(ending.reason instanceof Error ? ending.reason.message : String(ending.reason), `${m.name} did not end`).toBe('an ending');
    else expectConsistentEnding(m, ending.value);
  });
  expect.soft(appliedIn(endings), 'operations applied despite the storm').toBeGreaterThan(migrations.length / 2);
}

/**
 * Hand edits made by someone else just before meshbot's next write, one after the other: the
 * next is armed once the previous has landed. `lost()` says whether the newest one that landed
 * is no longer in the VirtualService (earlier ones were overwritten by the hand editor
 * themselves, which is fine).
 */
function handEditChain(m: Migration, index: number, count: number) {
  const armed: { timeout: string; edit: PendingEdit }[] = [];
  let stopped = false;
  const arm = (k: number): void => {
    if (k >= count || stopped) return;
    const timeout = `${100 + index * 10 + k}s`;
    const edit = stack.kube.editBeforeNextWrite({ resource: 'virtualservices', namespace: 'payments', name: m.virtualService }, (draft) => {
      ((draft as unknown as VirtualServiceSpec).spec.http[0] as { timeout?: string }).timeout = timeout;
    });
    armed.push({ timeout, edit });
    const poll = setInterval(() => {
      if (stopped || edit.applied) clearInterval(poll);
      if (!stopped && edit.applied) arm(k + 1);
    }, 5);
  };
  arm(0);
  const landed = () => armed.filter((a) => a.edit.applied);
  return {
    landed: () => landed().length,
    stop: () => {
      stopped = true;
      for (const a of armed) if (!a.edit.applied) a.edit.remove();
    },
    lost: (): string[] => {
      const newest = landed().at(-1)?.timeout;
      const now = vsOf(m).spec.http[0]?.timeout;
      return newest === undefined || now === newest ? [] : [`timeout ${newest} (now ${now ?? 'unset'})`];
    },
  };
}

describe('Kubernetes API storms on 30% of the calls (seeded)', () => {
  it('500 Internal Server Error: every operation ends applied or with a clear failure in its thread; hand edits are kept', { timeout: 90_000 }, async () => {
    const { endings, hits, handEditsLanded } = await storm(STORM.internal, [{ status: 500, probability: 0.3, times: Infinity }], 1);
    expect(hits).toBeGreaterThan(5);
    expect(handEditsLanded, 'every applied step was preceded by a hand edit').toBeGreaterThanOrEqual(appliedIn(endings));
    expectEveryEndingConsistent(STORM.internal, endings);
    await expectNothingInFlight(STORM.internal);
  });

  it('slow 503s (300 ms, then Service Unavailable) and slow successes: the same', { timeout: 90_000 }, async () => {
    const faults: FaultSpec[] = [
      { status: 503, delayMs: 300, probability: 0.3, times: Infinity },
      { delayMs: 150, passThrough: true, probability: 0.2, times: Infinity },
    ];
    const { endings, hits, handEditsLanded } = await storm(STORM.slow, faults, 1);
    expect(hits).toBeGreaterThan(5);
    expect(handEditsLanded, 'every applied step was preceded by a hand edit').toBeGreaterThanOrEqual(appliedIn(endings));
    expectEveryEndingConsistent(STORM.slow, endings);
    await expectNothingInFlight(STORM.slow);
  });

  it('409 Conflict storm on PATCH plus repeated concurrent hand edits: no hand edit is lost, no step is made twice', { timeout: 90_000 }, async () => {
    const { endings, hits, handEditsLanded } = await storm(STORM.conflict, [{ method: 'PATCH', status: 409, message: CONFLICT_MESSAGE, probability: 0.3, times: Infinity }], 2);
    expect(hits).toBeGreaterThan(0);
    expect(handEditsLanded, 'every applied step was preceded by at least one hand edit').toBeGreaterThanOrEqual(appliedIn(endings));
    expectEveryEndingConsistent(STORM.conflict, endings);
    for (const m of STORM.conflict) {
      // Every hand edit shows up as a refused write (the `test` of resourceVersion), never as an overwrite.
      const writes = stack.kube.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith(`/virtualservices/${m.virtualService}`));
      expect.soft(writes.filter((c) => (c.status ?? 0) < 300).length, `${m.name}: accepted PATCHes`).toBeLessThanOrEqual(1);
    }
    await expectNothingInFlight(STORM.conflict);
  });
});

describe.concurrent('a Kubernetes API that stays down (or keeps refusing) through every retry', () => {
  it('during prepare: the request ends with a message in the channel and frees the VirtualService', { timeout: 60_000 }, async ({ expect }) => {
    const m = DOWN.prepare;
    const fault = stack.kube.injectFault({ method: 'GET', pathIncludes: '/gcpbackends/cr-gcpbackend-down', status: 503, times: Infinity });
    try {
      await requestShift(m);
      const request = await prepared(m);
      const said = 'failure' in request ? request.failure : 'the request was posted';
      expect(said, `${m.name}: prepare`).toMatch(NOT_PREPARED);
      expect(said, `${m.name}: the cause, as the Kubernetes API gave it`).toContain('the server is currently unable to handle the request');
    } finally {
      fault.remove();
    }
    await expectNothingInFlight([m], expect);
  });

  it('on every PATCH: the thread says the step failed, clearly, and the VirtualService is unchanged', { timeout: 60_000 }, async ({ expect }) => {
    const m = DOWN.patch;
    await requestShift(m);
    const request = await prepared(m);
    if ('failure' in request) throw new Error(request.failure);
    const fault = stack.kube.injectFault({ method: 'PATCH', pathIncludes: `/virtualservices/${m.virtualService}`, status: 503, times: Infinity });
    try {
      const ending = await approveAndWait(m, request);
      expect(ending.kind).toBe('failed');
      expect(fault.hits).toBe(6);
      expectConsistentEnding(m, ending, expect);
    } finally {
      fault.remove();
    }
    await expectNothingInFlight([m], expect);
  });

  it('a VirtualService that keeps changing (409 on every PATCH): the thread says so, not that the API did not answer', { timeout: 60_000 }, async ({ expect }) => {
    const m = DOWN.conflict;
    await requestShift(m);
    const request = await prepared(m);
    if ('failure' in request) throw new Error(request.failure);
    const fault = stack.kube.injectFault({ method: 'PATCH', pathIncludes: `/virtualservices/${m.virtualService}`, status: 409, message: CONFLICT_MESSAGE, times: Infinity });
    try {
      const ending = await approveAndWait(m, request);
      expect(ending.kind).toBe('failed');
      expect(fault.hits).toBeGreaterThanOrEqual(5);
      expectConsistentEnding(m, ending, expect);
      // Every PATCH was refused: meshbot knows the VirtualService is as it was.
      expect.soft(ending.text, `${m.name}: failure message`).toContain('The VirtualService was not changed by this step.');
    } finally {
      fault.remove();
    }
    await expectNothingInFlight([m], expect);
  });

  it('on the read-back after an accepted PATCH: the thread never says "not changed" about a VirtualService that was changed', { timeout: 60_000 }, async ({ expect }) => {
    const m = DOWN.verify;
    await requestShift(m);
    const request = await prepared(m);
    if ('failure' in request) throw new Error(request.failure);
    // The first read (before the PATCH) is served; every read after it gets 503.
    const path = `/virtualservices/${m.virtualService}`;
    const firstRead = stack.kube.injectFault({ method: 'GET', pathIncludes: path, passThrough: true, times: 1 });
    const laterReads = stack.kube.injectFault({ method: 'GET', pathIncludes: path, status: 503, times: Infinity });
    try {
      const ending = await approveAndWait(m, request);
      expect(firstRead.hits).toBe(1);
      expect(patchesOf(stack.kube, m.virtualService)).toBe(1);
      expect(routeWeights(stack.kube, 'payments', m.virtualService)).toEqual(TARGET);
      expect(ending.text, `${m.name}: the PATCH was accepted (weights ${JSON.stringify(TARGET)}), yet the thread says`).not.toMatch(/not changed/);
      expect(ending.text, `${m.name}: the thread says the step landed, or that meshbot could not tell`).toMatch(/^✅ Applied shift 25%|could not confirm the state of the VirtualService/);
    } finally {
      firstRead.remove();
      laterReads.remove();
    }
    await expectNothingInFlight([m], expect);
  });
});
