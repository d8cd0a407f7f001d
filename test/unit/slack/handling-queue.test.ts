import { describe, expect, it } from 'vitest';
import { handlingQueue } from '../../../src/slack/handling-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A job that records when it starts and ends, and finishes when `release` is called. */
function gatedJob(log: string[], name: string) {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const job = async () => {
    log.push(`start ${name}`);
    await gate;
    log.push(`end ${name}`);
    return name;
  };
  return { job, release: () => release() };
}

describe('handlingQueue', () => {
  it('runs at most atOnce jobs at a time, the others in arrival order as places free up', async () => {
    const queue = handlingQueue({ atOnce: 2, maxWaitMs: 10_000 });
    const log: string[] = [];
    const jobs = ['a', 'b', 'c', 'd'].map((name) => gatedJob(log, name));
    const results = jobs.map((j) => queue(j.job));
    await sleep(10);
    expect(log).toEqual(['start a', 'start b']);
    jobs[1]?.release();
    await sleep(10);
    expect(log).toEqual(['start a', 'start b', 'end b', 'start c']);
    for (const j of jobs) j.release();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
    expect(log.filter((l) => l.startsWith('start'))).toEqual(['start a', 'start b', 'start c', 'start d']);
  });

  it('starts a job that has waited maxWaitMs even while the others still run', async () => {
    const queue = handlingQueue({ atOnce: 1, maxWaitMs: 50 });
    const log: string[] = [];
    const slow = gatedJob(log, 'slow');
    const next = gatedJob(log, 'next');
    const running = [queue(slow.job), queue(next.job)];
    await sleep(20);
    expect(log).toEqual(['start slow']);
    await sleep(80);
    expect(log).toEqual(['start slow', 'start next']);
    slow.release();
    next.release();
    await Promise.all(running);
  });

  it('a job that fails frees its place and its error reaches the caller', async () => {
    const queue = handlingQueue({ atOnce: 1, maxWaitMs: 10_000 });
    const failing = queue(async () => {
      throw new Error('kube unreachable');
    });
    const after = queue(async () => 'answered');
    await expect(failing).rejects.toThrow('kube unreachable');
    expect(await after).toBe('answered');
  });

  it('refuses settings that would never run a job', () => {
    expect(() => handlingQueue({ atOnce: 0, maxWaitMs: 1000 })).toThrow('handlingQueue needs atOnce ≥ 1 and maxWaitMs ≥ 0 (got 0, 1000)');
    expect(() => handlingQueue({ atOnce: Number.NaN, maxWaitMs: 1000 })).toThrow(/atOnce ≥ 1/);
  });
});
