import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Builds dist/ once so process-level tests run the `meshbot` bin exactly as installed. */
export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}
