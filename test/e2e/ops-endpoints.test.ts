import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, testMigration, type Stack } from '../support/meshbot-stack.js';

let stack: Stack;
const M = testMigration(51);
beforeAll(async () => {
  stack = await startStack([M]);
});
afterAll(async () => {
  await stack?.close();
});

const get = (path: string) => fetch(`http://127.0.0.1:${stack.meshbot.port}${path}`);

describe('health, readiness and metrics over HTTP', () => {
  it('/healthz answers while the process is up', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok\n');
  });

  it('/readyz is ready when Redis and the Kubernetes API answer, and says which is not', async () => {
    expect((await get('/readyz')).status).toBe(200);
    const fault = stack.kube.injectFault({ pathIncludes: '/version', status: 503, times: Infinity });
    const res = await get('/readyz');
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/^kubernetes .*/);
    fault.remove();
    expect((await get('/readyz')).status).toBe(200);
  });

  it('/metrics exposes commands, operations, queue depth in Prometheus format', async () => {
    await stack.driver.slashCommand({ text: 'help', userId: 'U0BOB', channelId: M.channel });
    await stack.driver.slashCommand({ text: 'bogus', userId: 'U0BOB', channelId: M.channel });
    const res = await get('/metrics');
    const body = await res.text();
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(body).toContain('meshbot_commands_total{command="help"} 1');
    expect(body).toContain('meshbot_commands_total{command="invalid"} 1');
    expect(body).toMatch(/meshbot_queue_depth\{queue="apply"\} 0/);
    expect(body).toContain('# TYPE meshbot_detect_to_rollback_seconds histogram');
  });
});
