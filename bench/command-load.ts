import type { SlackDriver } from '../test/harness/slack-driver.js';

export interface CommandOutcome {
  readonly text: string;
  readonly status: number;
  /** Round trip of the signed request, body included, measured by the sender. */
  readonly ms: number;
  readonly responseId: string;
}

/** The `i`th command of a load: `help` and `status` in turn, each from a user of its own. */
async function loadCommand(driver: SlackDriver, channelId: string, i: number, userPrefix: string): Promise<CommandOutcome> {
  const text = i % 2 === 0 ? 'help' : 'status';
  const sent = await driver.slashCommand({ text, userId: `${userPrefix}${String(i).padStart(4, '0')}`, channelId });
  return { text, status: sent.status, ms: sent.ms, responseId: decodeURIComponent(sent.responseUrl.slice(sent.responseUrl.lastIndexOf('/') + 1)) };
}

/** Sends `count` signed `/mesh` commands at once, alternating `help` and `status`, from distinct users. */
export async function slashCommandBurst(driver: SlackDriver, channelId: string, count: number): Promise<CommandOutcome[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => loadCommand(driver, channelId, i, 'U0LOAD')));
}

/** `count` commands, one every `everyMs`, without waiting for the acks before sending the next. */
export async function pacedCommands(driver: SlackDriver, channelId: string, count: number, everyMs: number): Promise<CommandOutcome[]> {
  const sent: Promise<CommandOutcome>[] = [];
  for (let i = 0; i < count; i++) {
    sent.push(loadCommand(driver, channelId, i, 'U0PACE'));
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return Promise.all(sent);
}
