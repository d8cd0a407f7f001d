/** Minimal Block Kit constructors that respect Slack's limits, so no message is rejected for size. */
export interface Block {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Block[];
}

export const SECTION_TEXT_MAX = 3000;
const HEADER_MAX = 150;
const CONTEXT_TEXT_MAX = 2000;

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export const header = (text: string): Block => ({ type: 'header', text: { type: 'plain_text', text: clip(text, HEADER_MAX), emoji: true } });

export const section = (markdown: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: clip(markdown, SECTION_TEXT_MAX) } });

export const context = (markdown: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(markdown, CONTEXT_TEXT_MAX) }] });

export const divider = (): Block => ({ type: 'divider' });

export const codeBlock = (lines: readonly string[]): Block => section(`\`\`\`${clip(lines.join('\n'), SECTION_TEXT_MAX - 8)}\`\`\``);

export function button(actionId: string, label: string, value: string, style?: 'primary' | 'danger'): Block {
  return { type: 'button', action_id: actionId, text: { type: 'plain_text', text: clip(label, 75) }, value: clip(value, 2000), ...(style ? { style } : {}) };
}

export const actions = (blockId: string, elements: readonly Block[]): Block => ({ type: 'actions', block_id: blockId, elements: elements.slice(0, 25) });
