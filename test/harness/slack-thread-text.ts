/** Anything message-shaped: recorded messages, ephemerals and response_url posts all fit. */
export interface RenderableMessage {
  ts?: string;
  thread_ts?: string | undefined;
  text?: string | undefined;
  blocks?: readonly unknown[] | undefined;
  /** Earlier versions; non-empty means the message was updated. */
  history?: readonly unknown[];
  deleted?: boolean;
}

type Json = Record<string, unknown>;

const DIVIDER = '─'.repeat(30);
const REPLY_INDENT = '    ';

export function renderThread(messages: readonly RenderableMessage[]): string {
  return messages.map((message) => (isReply(message) ? indent(renderMessage(message)) : renderMessage(message))).join('\n\n');
}

export function renderMessage(message: RenderableMessage): string {
  if (message.deleted) return '(message deleted)';
  const body = message.blocks && message.blocks.length > 0 ? message.blocks.map(renderBlock) : [readable(message.text ?? '')];
  const updates = message.history?.length ?? 0;
  const marker = updates === 0 ? [] : [updates === 1 ? '(updated)' : `(updated ${updates}×)`];
  return [...body, ...marker].join('\n');
}

function isReply(message: RenderableMessage): boolean {
  return message.thread_ts !== undefined && message.thread_ts !== message.ts;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `${REPLY_INDENT}${line}`))
    .join('\n');
}

function renderBlock(block: unknown): string {
  if (!isRecord(block)) return '';
  switch (block.type) {
    case 'header':
      return `# ${textOf(block.text)}`;
    case 'section':
      return renderSection(block);
    case 'divider':
      return DIVIDER;
    case 'context':
      return asArray(block.elements).map(renderContextElement).join('  ');
    case 'actions':
      return asArray(block.elements).map(renderElement).join(' ');
    case 'image':
      return `[image: ${String(block.alt_text ?? '')}]`;
    case 'rich_text':
      return asArray(block.elements).map(renderRichTextPart).join('\n');
    default:
      return `[${String(block.type)}]`;
  }
}

function renderSection(section: Json): string {
  const text = section.text === undefined ? [] : [textOf(section.text)];
  const fields = pairs(asArray(section.fields).map(textOf)).map((row) => row.join(' | '));
  const accessory = section.accessory === undefined ? [] : [renderElement(section.accessory)];
  return [...text, ...fields, ...accessory].join('\n');
}

function renderContextElement(element: unknown): string {
  if (isRecord(element) && element.type === 'image') return `[image: ${String(element.alt_text ?? '')}]`;
  return textOf(element);
}

function renderElement(element: unknown): string {
  if (!isRecord(element)) return '';
  switch (element.type) {
    case 'button':
      return `[${textOf(element.text)}]`;
    case 'static_select':
    case 'users_select':
    case 'conversations_select':
    case 'channels_select':
      return `[${element.placeholder === undefined ? 'select' : textOf(element.placeholder)} ▾]`;
    case 'overflow':
      return '[…]';
    case 'image':
      return `[image: ${String(element.alt_text ?? '')}]`;
    default:
      return `[${String(element.type)}]`;
  }
}

function renderRichTextPart(part: unknown): string {
  if (!isRecord(part)) return '';
  const inline = asArray(part.elements).map(renderRichTextInline).join('');
  switch (part.type) {
    case 'rich_text_list':
      return asArray(part.elements).map((item) => `• ${renderRichTextPart(item)}`).join('\n');
    case 'rich_text_preformatted':
      return `\`\`\`\n${inline}\n\`\`\``;
    case 'rich_text_quote':
      return inline.split('\n').map((line) => `> ${line}`).join('\n');
    default:
      return inline;
  }
}

function renderRichTextInline(element: unknown): string {
  if (!isRecord(element)) return '';
  switch (element.type) {
    case 'text':
      return String(element.text ?? '');
    case 'link':
      return String(element.text ?? element.url ?? '');
    case 'user':
      return `@${String(element.user_id)}`;
    case 'usergroup':
      return `@${String(element.usergroup_id)}`;
    case 'channel':
      return `#${String(element.channel_id)}`;
    case 'emoji':
      return `:${String(element.name)}:`;
    default:
      return '';
  }
}

function textOf(value: unknown): string {
  return isRecord(value) && typeof value.text === 'string' ? readable(value.text) : '';
}

/** Turns Slack's mrkdwn escapes (`<url|label>`, `<@U123>`, `&lt;`) into what a reader sees. */
function readable(mrkdwn: string): string {
  return mrkdwn
    .replace(/<([^<>|]+)\|([^<>]+)>/g, (_match, target: string, label: string) => (target.startsWith('#') || target.startsWith('@') ? `${target[0]}${label}` : label))
    .replace(/<@([A-Z0-9]+)>/g, '@$1')
    .replace(/<#([A-Z0-9]+)>/g, '#$1')
    .replace(/<!(here|channel|everyone)>/g, '@$1')
    .replace(/<(https?:[^<>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function pairs<T>(items: T[]): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < items.length; i += 2) rows.push(items.slice(i, i + 2));
  return rows;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
