import { stringify } from 'yaml';
import { meshObjectReminders, meshObjectsOf } from '../../domain/mesh-objects.js';
import { describeOperation, mention, type Operation, type PreflightCheck } from '../../domain/operation/operation.js';
import { actions, button, codeBlock, context, header, section, type Block, type SlackMessage } from './block-kit.js';
import { APPROVE_ACTION, outcomeLine, REJECT_ACTION } from './operation-message.js';

export interface MeshObjectView {
  /** An export or register operation (it carries `meshObject`). */
  readonly operation: Operation;
  /** Where the objects go: `context gke_…` or `the current context`. */
  readonly cluster: string;
}

/**
 * The thread's parent message of an export or register: the objects as they will be written
 * (YAML), the preflight, Approve/Reject while it waits, and the docs' prerequisites.
 */
export function meshObjectMessage(view: MeshObjectView): SlackMessage {
  const op = view.operation;
  const title = describeOperation(op);
  const blocks: Block[] = [header(`meshbot: ${title}`), section(`*Cluster* ${view.cluster} · *Approvers* those of ${op.migration}\n*Requested by* ${mention(op.requestedBy)}`)];
  if (op.meshObject) blocks.push(codeBlock(meshObjectsOf(op.meshObject).map((o) => stringify(o).trimEnd()).join('\n---\n').split('\n')));
  const preflight = op.preflight ?? [];
  if (preflight.length > 0) blocks.push(section(['*Preflight*', ...preflight.map(preflightLine)].join('\n')));
  blocks.push(op.state === 'awaiting-approval' ? actions(`decide:${op.id}`, [button(APPROVE_ACTION, 'Approve', op.id, 'primary'), button(REJECT_ACTION, 'Reject', op.id, 'danger')]) : section(outcomeLine(op)));
  if (op.meshObject) blocks.push(section(['*Before it works*', ...meshObjectReminders(op.meshObject).map((r) => `• ${r}`)].join('\n')));
  blocks.push(context(`operation \`${op.id}\` · expires ${op.expiresAt}`));
  return { text: `${title} (${view.cluster}): ${op.state}`, blocks };
}

function preflightLine(check: PreflightCheck): string {
  return `${check.ok ? '✅' : '❌'} ${check.label}${check.detail ? ` — ${check.detail}` : ''}`;
}
