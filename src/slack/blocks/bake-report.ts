import { errorClass, type ErrorClassId } from '../../domain/logs/error-classes.js';
import type { Tally } from '../../domain/logs/tally.js';
import { describeOperation, mention, type Operation } from '../../domain/operation/operation.js';
import { actions, button, context, escapeMrkdwn, header, section, type Block, type SlackMessage } from './block-kit.js';

export const NEXT_STEP_ACTION = 'meshbot_next_step';

export interface BreachReport {
  readonly operation: Operation;
  readonly virtualService: string;
  readonly tally: Tally;
  readonly reasons: readonly string[];
  readonly logsUrl: string;
  readonly threadLink?: string | undefined;
}

/** Counts by class, most frequent first: `• 12 × td-permission-denied — Sidecar denied access…`. */
export function classLines(tally: Tally): string[] {
  return classesByCount(tally).map(([id, t]) => `• ${t.count} × \`${id}\` — ${errorClass(id).title}`);
}

function classesByCount(tally: Tally) {
  return (Object.entries(tally.byClass) as [ErrorClassId, NonNullable<Tally['byClass'][ErrorClassId]>][]).sort((a, b) => b[1].count - a[1].count);
}

/** What the bake saw when it rolled back: for the thread and the incident channel alike. */
export function breachMessage(report: BreachReport): SlackMessage {
  const op = report.operation;
  const top = classesByCount(report.tally)[0];
  // Log lines are written by anyone who can make a sidecar log: never let one ping @channel.
  const samples = classesByCount(report.tally).flatMap(([, t]) => t.samples).slice(0, 3).map(escapeMrkdwn);
  const blocks: Block[] = [
    header(`🚨 meshbot rolled back ${op.migration}`),
    section(`*Step* ${describeOperation(op)} on \`${report.virtualService}\`, approved by ${mention(op.decidedBy)}, requested by ${mention(op.requestedBy)}\n*Why* ${report.reasons.join('; ')}`),
    section(['*Seen during the bake*', ...classLines(report.tally), `${report.tally.successes} successful requests · ${report.tally.suppressed} entries suppressed by Cloud Logging`].join('\n')),
  ];
  if (samples.length > 0) blocks.push(section(`*Samples*\n\`\`\`${samples.join('\n')}\`\`\``));
  if (top) blocks.push(section(`*Remedy* (${top[0]}): ${errorClass(top[0]).remedy}`));
  blocks.push(context(`<${report.logsUrl}|Open in Logs Explorer>${report.threadLink ? ` · <${report.threadLink}|thread>` : ''} · operation \`${op.id}\``));
  return { text: `🚨 meshbot rolled back ${op.migration} (${describeOperation(op)}): ${report.reasons.join('; ')}`, blocks };
}

/** A clean bake: the counts, and the next step of the plan as a button. */
export function healthyMessage(op: Operation, tally: Tally, nextPercent: number | undefined): SlackMessage {
  const errorsNote = tally.errors === 0 ? 'no counted errors' : `${tally.errors} counted error(s), under the thresholds`;
  const dropped = tally.suppressed > 0 ? ` Cloud Logging dropped ${tally.suppressed} entries during the bake (suppressed), so these counts are a lower bound.` : '';
  const text = `💚 Healthy: ${describeOperation(op)} baked with ${errorsNote} and ${tally.successes} successful requests.${dropped}`;
  const blocks: Block[] = [section(text)];
  const lines = classLines(tally);
  if (lines.length > 0) blocks.push(section(lines.join('\n')));
  if (nextPercent !== undefined) {
    blocks.push(actions(`next:${op.id}`, [button(NEXT_STEP_ACTION, `Request shift to ${nextPercent}%`, `${op.migration}:${nextPercent}`, 'primary')]));
  } else {
    blocks.push(context('This was the last step of the plan. When you are ready: /mesh finalize'));
  }
  return { text, blocks };
}
