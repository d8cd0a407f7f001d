import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

describe('npm run demo', () => {
  it('plays the migration, rolls back on permission denials and exits 0 within a minute', { timeout: 90_000 }, () => {
    const started = Date.now();
    const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/demo.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 85_000, env: { ...process.env, REDIS_URL: '' } });
    expect(run.stderr).not.toContain('demo failed');
    expect(run.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(run.stdout).toContain('@bob: /mesh shift 10%');
    expect(run.stdout).toContain('💚 Healthy: shift 10%');
    expect(run.stdout).toContain('🚨 meshbot rolled back cr-gcpbackend-migration');
    expect(run.stdout).toContain('*Why* 3 × td-permission-denied (zero tolerance)');
    expect(run.stdout).toContain('roles/trafficdirector.client');
    expect(run.stdout).toMatch(/#incidents:\n {2}# 🚨 meshbot rolled back/);
    expect(run.stdout).toContain('Rolled back automatically: cr-gcpbackend.com 10, cr-service-entry.com 90');
  });
});
