import { describe, expect, it } from 'vitest';
import { DEFAULT_VALIDATE_IMAGE, parseCurlOutput, probePod, probePodName, probeVerdict } from '../../../src/domain/validate-probe.js';

const HOST = 'cr-service-entry.com';
const pod = probePod({ name: 'meshbot-validate-op-1', namespace: 'payments', image: DEFAULT_VALIDATE_IMAGE, host: HOST, migration: 'm1' }) as {
  metadata: { labels: Record<string, string> };
  spec: { restartPolicy: string; activeDeadlineSeconds: number; securityContext: Record<string, unknown>; containers: { name: string; image: string; command: string[]; args: string[]; securityContext: Record<string, unknown> }[] };
};

describe('probePod', () => {
  it("runs the seeds' curl once against http://FROM/ with a 10 s cap", () => {
    const [container] = pod.spec.containers;
    expect(container?.image).toBe('curlimages/curl:8.11.1');
    expect([...(container?.command ?? []), ...(container?.args ?? [])]).toEqual(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code} %{time_total}', '--max-time', '10', 'http://cr-service-entry.com/']);
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.activeDeadlineSeconds).toBe(60);
  });

  it('is labelled as meshbot-managed and runs as non-root with nothing it does not need', () => {
    expect(pod.metadata.labels['app.kubernetes.io/managed-by']).toBe('meshbot');
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 100 });
    expect(pod.spec.containers[0]?.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  it('names pods as Kubernetes allows, at most 63 characters', () => {
    expect(probePodName('op-20250101120000-abcd1234')).toBe('meshbot-validate-op-20250101120000-abcd1234');
    expect(probePodName('OP_x/y')).toBe('meshbot-validate-op-x-y');
    const long = probePodName('x'.repeat(100));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});

describe('parseCurlOutput', () => {
  it('reads status and total time, also with curl errors mixed in', () => {
    expect(parseCurlOutput('200 0.012345')).toEqual({ status: 200, seconds: 0.012345 });
    expect(parseCurlOutput('503 1.5\n')).toEqual({ status: 503, seconds: 1.5 });
    expect(parseCurlOutput('000 0.001234curl: (7) Failed to connect to cr-service-entry.com port 80 after 1 ms: Could not connect to server')).toEqual({ status: 0, seconds: 0.001234 });
    expect(parseCurlOutput('curl: (6) Could not resolve host: x\n000 0.000512')).toEqual({ status: 0, seconds: 0.000512 });
  });

  it('finds nothing in a log without the -w line', () => {
    expect(parseCurlOutput('')).toBeUndefined();
    expect(parseCurlOutput('exec /usr/bin/curl: exec format error')).toBeUndefined();
  });
});

describe('probeVerdict', () => {
  const verdict = (log: string, succeeded = true) => probeVerdict(HOST, DEFAULT_VALIDATE_IMAGE, { kind: 'finished', succeeded, log });

  it('passes only on 200, with status and latency', () => {
    expect(verdict('200 0.012345')).toEqual({ ok: true, headline: "✅ HTTP 200 from http://cr-service-entry.com/ in 12 ms — the seeds' check passes (200 expected)." });
  });

  it('fails anything else and says what to check', () => {
    const unavailable = verdict('503 0.004');
    expect(unavailable.ok).toBe(false);
    expect(unavailable.headline).toBe('❌ HTTP 503 from http://cr-service-entry.com/ in 4 ms — 200 expected.');
    expect(unavailable.advice).toMatch(/ServiceEntry endpoints.*GCPBackend.*\/mesh errors/);
    expect(verdict('404 0.002').advice).toMatch(/No route/);
    expect(verdict('403 0.002').advice).toMatch(/ID token.*AuthorizationPolicy/);
    expect(verdict('504 10.0').headline).toContain('in 10.00 s');
  });

  it('says when there was no HTTP answer at all, with curl\'s reason', () => {
    const failed = verdict('000 0.001curl: (6) Could not resolve host: cr-service-entry.com', false);
    expect(failed.ok).toBe(false);
    expect(failed.headline).toBe('❌ No HTTP answer from http://cr-service-entry.com/ after 1 ms — curl: (6) Could not resolve host: cr-service-entry.com.');
    expect(failed.advice).toMatch(/resolves in the namespace/);
    expect(verdict('', false).headline).toBe('❌ No HTTP answer from http://cr-service-entry.com/ — the probe pod failed.');
  });

  it('explains a pod that never finished and an error before it ran', () => {
    const timeout = probeVerdict(HOST, 'example.com/curl:1', { kind: 'timeout', waitedSeconds: 90, phase: 'Pending', waiting: 'ImagePullBackOff' });
    expect(timeout.headline).toBe('❌ The probe pod did not finish within 90 s (phase Pending, container waiting: ImagePullBackOff); no HTTP status.');
    expect(timeout.advice).toContain('example.com/curl:1 (validateImage in the migrations file)');
    expect(probeVerdict(HOST, 'i', { kind: 'error', message: 'boom' })).toEqual({ ok: false, headline: '❌ The probe could not run: boom' });
  });
});
