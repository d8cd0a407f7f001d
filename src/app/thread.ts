import type { Operation } from '../domain/operation/operation.js';
import { operationMessage } from '../slack/blocks/operation-message.js';
import { meshObjectMessage } from '../slack/blocks/mesh-object-message.js';
import { clusterLabel, vsLabel, type AppDeps, type MigrationSettings } from './deps.js';

export function migrationOf(deps: AppDeps, op: Operation): MigrationSettings | undefined {
  return deps.migrations.find((m) => m.name === op.migration);
}

/** Redraws the thread's parent message from the operation: buttons only while it awaits approval. */
export async function refreshParent(deps: AppDeps, op: Operation, migration: MigrationSettings): Promise<void> {
  if (!op.threadTs || op.kind === 'rollback') return;
  const message = op.meshObject ? meshObjectMessage({ operation: op, cluster: clusterLabel(migration) }) : operationMessage({ operation: op, virtualService: vsLabel(migration) });
  await deps.notifier.update({ channel: op.channel, ts: op.threadTs, ...message });
}

export async function postInThread(deps: AppDeps, op: Operation, text: string): Promise<void> {
  await deps.notifier.post({ channel: op.channel, threadTs: op.threadTs, text });
}
