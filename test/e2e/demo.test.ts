import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

describe('npm run demo', () => {
  it('plays the migration on Cloud Monitoring rates: healthy at 10%, rolled back on 5 % 503s at 50%, and exits 0 within a minute', { timeout: 90_000 }, () => {
    const started = Date.now();
    const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/demo.ts')], { cwd: ROOT, encoding: 'utf8', timeout: 85_000, env: { ...process.env, REDIS_URL: '' } });
    expect(run.stderr).not.toContain('demo failed');
    expect(run.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(run.stdout).toContain('@bob: /mesh shift 10%');
    expect(run.stdout).toContain('📈 Judging cr-gcpbackend.com against cr-service-entry.com on Cloud Monitoring rates');
    // the healthy step: both hosts' rates in the sentence and side by side in the table, with the sparkline
    expect(run.stdout).toMatch(/💚 Healthy: shift 10% for cr-gcpbackend-migration baked: cr-gcpbackend\.com failed 0\.0\d+% of [\d,]+ requests \(p99 \d+ ms\), cr-service-entry\.com 0\.1% of [\d,]+/);
    const healthy = run.stdout.slice(run.stdout.indexOf('💚 Healthy'), run.stdout.indexOf('@bob: /mesh shift 50%'));
    expect(healthy).toMatch(/│ ```\n +│ host +requests +failed +rate +p99\n/); // the table's fences on lines of their own
    expect(healthy).toMatch(/new cr-gcpbackend\.com +[\d,]+ +\d+ +0\.0\d+% +\d+ ms/);
    expect(healthy).toMatch(/old cr-service-entry\.com +[\d,]+ +\d+ +0\.1% +\d+ ms/);
    expect(healthy).toMatch(/new host's failed share by window: [▁-█]+ /);
    // the rollback on rates, with both rates in the reason and the table
    expect(run.stdout).toContain('🚨 meshbot rolled back cr-gcpbackend-migration');
    expect(run.stdout).toMatch(/\*Why\* cr-gcpbackend\.com failed 5% of [\d,]+ requests \(\d+\), above the limit of 2% \(rollbackOn\.errorRate\); cr-gcpbackend\.com failed 5% against 0\.1% for cr-service-entry\.com/);
    expect(run.stdout).toMatch(/new cr-gcpbackend\.com +[\d,]+ +\d+ +5% +\d+ ms/);
    expect(run.stdout).toMatch(/#incidents:\n {2}# 🚨 meshbot rolled back[^]*\*Rates during the bake\* \(Cloud Monitoring\)\n {2}```\n {2}host/);
    expect(run.stdout).toContain('Rolled back automatically: cr-gcpbackend.com 10, cr-service-entry.com 90');
  });
});
