import { errorClass, type ErrorClassId } from '../../domain/logs/error-classes.js';
import { remediesByCause, type Remedy } from '../../domain/logs/remedies.js';
import type { Tally } from '../../domain/logs/tally.js';
import { describeOperation, mention, type Operation } from '../../domain/operation/operation.js';
import { actions, button, clip, context, escapeMrkdwn, header, section, SECTION_TEXT_MAX, type Block, type SlackMessage } from './block-kit.js';
import { rateSummary, rateTable, type RateReport } from './rate-report.js';

export const NEXT_STEP_ACTION = 'meshbot_next_step';
/** Sections of remedies at most; what does not fit is named in an "…and N more" line. */
export const MAX_REMEDY_SECTIONS = 2;
const REMEDIES_HEADING = '*Remedies*, the causes of the rollback first';
const SAMPLES_SHOWN = 3;

export interface BreachReport {
  readonly operation: Operation;
  readonly virtualService: string;
  readonly tally: Tally;
  readonly reasons: readonly string[];
  readonly logsUrl: string;
  readonly threadLink?: string | undefined;
  /** The rate verdict, when Cloud Monitoring judged the bake. */
  readonly rates?: RateReport | undefined;
  /** Why the bake was judged on logs alone, when it was. */
  readonly logsOnly?: string | undefined;
  /** The migration's zero-tolerance classes (rollbackOn.classes): their remedies come first. */
  readonly zeroTolerance?: readonly string[] | undefined;
  /** The project meshbot reads logs from: filled into a remedy where the entries name no project. */
  readonly logsProject?: string | undefined;
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
  const remedies = remediesByCause(report.tally, report.zeroTolerance ?? [], report.logsProject);
  // Log lines are written by anyone who can make a sidecar log: never let one ping @channel.
  const samples = remedies.flatMap((r) => report.tally.byClass[r.classId]?.samples ?? []).slice(0, SAMPLES_SHOWN).map(escapeMrkdwn);
  const blocks: Block[] = [
    header(`🚨 meshbot rolled back ${op.migration}`),
    section(`*Step* ${describeOperation(op)} on \`${report.virtualService}\`, approved by ${mention(op.decidedBy)}, requested by ${mention(op.requestedBy)}\n*Why* ${report.reasons.join('; ')}`),
  ];
  if (report.rates) blocks.push(section('*Rates during the bake* (Cloud Monitoring)'), rateTable(report.rates));
  blocks.push(section(['*Error log lines during the bake*', ...classLines(report.tally), logCountsLine(report.tally, report.rates)].join('\n')));
  if (report.logsOnly) blocks.push(context(`Judged on logs alone: ${escapeMrkdwn(report.logsOnly)}`));
  if (samples.length > 0) blocks.push(section(`*Samples*\n\`\`\`${samples.join('\n')}\`\`\``));
  blocks.push(...remedyBlocks(remedies));
  blocks.push(context(`<${report.logsUrl}|Open in Logs Explorer>${report.threadLink ? ` · <${report.threadLink}|thread>` : ''} · operation \`${op.id}\``));
  return { text: `🚨 meshbot rolled back ${op.migration} (${describeOperation(op)}): ${report.reasons.join('; ')}`, blocks };
}

/** Every remedy that fits in `maxSections` sections of Block Kit's size, in order; the rest named in one line. */
export function remedyBlocks(remedies: readonly Remedy[], maxSections = MAX_REMEDY_SECTIONS): Block[] {
  if (remedies.length === 0) return [];
  const pages = [REMEDIES_HEADING];
  let shown = 0;
  for (const remedy of remedies) {
    const text = clip(remedyText(remedy), SECTION_TEXT_MAX - REMEDIES_HEADING.length - 1);
    const last = pages.length - 1;
    if (pages[last]!.length + 1 + text.length <= SECTION_TEXT_MAX) pages[last] += `\n${text}`;
    else if (pages.length < maxSections) pages.push(text);
    else break;
    shown++;
  }
  const blocks = pages.map(section);
  const rest = remedies.slice(shown);
  if (rest.length > 0) blocks.push(context(`…and ${rest.length} more: ${rest.map((r) => r.classId).join(', ')}. \`/mesh errors\` gives their remedies.`));
  return blocks;
}

/** `• *td-permission-denied* (3, zero tolerance)` and the remedy's lines under it; the facts in them come from log entries, so escaped. */
function remedyText(remedy: Remedy): string {
  const why = remedy.zeroTolerance ? `${remedy.count}, zero tolerance` : `${remedy.count}`;
  return [`• *${remedy.classId}* (${why})`, ...remedy.lines.map((line) => `   ${escapeMrkdwn(line)}`)].join('\n');
}

/** Successes appear in the logs only where a server-side sidecar logs them: with rates at hand, the count of successes means nothing. */
function logCountsLine(tally: Tally, rates: RateReport | undefined): string {
  const suppressed = `${tally.suppressed} entries suppressed by Cloud Logging`;
  return rates ? `${tally.errors} counted error line(s) · ${suppressed}` : `${tally.successes} successful requests · ${suppressed}`;
}

/** How the bake was judged, in a line for the healthy and inconclusive reports. */
export interface BakeBasis {
  readonly rates?: RateReport | undefined;
  readonly logsOnly?: string | undefined;
}

/** A clean bake: the rates (or the counts, on logs alone), and the next step of the plan as a button. */
export function healthyMessage(op: Operation, tally: Tally, nextPercent: number | undefined, basis: BakeBasis = {}): SlackMessage {
  const errorsNote = tally.errors === 0 ? 'no counted error lines' : `${tally.errors} counted error line(s), under the log rules`;
  const dropped = tally.suppressed > 0 ? ` Cloud Logging dropped ${tally.suppressed} entries during the bake (suppressed), so these counts are a lower bound.` : '';
  const evidence = basis.rates ? `${rateSummary(basis.rates)}; ${errorsNote}` : `${errorsNote} and ${tally.successes} successful requests`;
  const text = `💚 Healthy: ${describeOperation(op)} baked: ${evidence}.${dropped}`;
  const blocks: Block[] = [section(text)];
  if (basis.rates) blocks.push(rateTable(basis.rates));
  const lines = classLines(tally);
  if (lines.length > 0) blocks.push(section(lines.join('\n')));
  if (basis.logsOnly) blocks.push(context(`Judged on logs alone: ${escapeMrkdwn(basis.logsOnly)}`));
  if (nextPercent !== undefined) {
    blocks.push(actions(`next:${op.id}`, [button(NEXT_STEP_ACTION, `Request shift to ${nextPercent}%`, `${op.migration}:${nextPercent}`, 'primary')]));
  } else {
    blocks.push(context('This was the last step of the plan. When you are ready: /mesh finalize'));
  }
  return { text, blocks };
}

/** Not enough evidence to call the step healthy: never "Healthy", no automatic next step; the next step offered with the warning. */
export function inconclusiveMessage(op: Operation, rates: RateReport, doubts: readonly string[], nextPercent: number | undefined): SlackMessage {
  const text = `⚠️ Inconclusive: ${describeOperation(op)} baked without enough evidence to call it healthy: ${doubts.join('; ')}. ${rateSummary(rates)}.`;
  const blocks: Block[] = [section(`⚠️ *Inconclusive*: ${describeOperation(op)} baked without enough evidence to call it healthy.\n${doubts.map((d) => `• ${d}`).join('\n')}`), rateTable(rates)];
  blocks.push(context('Not advanced automatically. The traffic stays where it is; look at the table before the next step, or set analysis.toService if the new host shows no series.'));
  if (nextPercent !== undefined) blocks.push(actions(`next:${op.id}`, [button(NEXT_STEP_ACTION, `Request shift to ${nextPercent}% anyway`, `${op.migration}:${nextPercent}`)]));
  return { text, blocks };
}
