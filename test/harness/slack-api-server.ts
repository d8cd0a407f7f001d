import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQueryString } from 'node:querystring';

/** What Slack enforces on messages; the server checks every posted message against this table. */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  messageTextChars: 40_000,
  sectionTextChars: 3_000,
  sectionFields: 10,
  sectionFieldChars: 2_000,
  headerTextChars: 150,
  buttonTextChars: 75,
  buttonValueChars: 2_000,
  actionIdChars: 255,
  blockIdChars: 255,
  actionsElements: 25,
  contextElements: 10,
} as const;

export interface SlackBlock {
  type: string;
  block_id?: string;
  [field: string]: unknown;
}

export interface SlackApiServerOptions {
  token: string;
  /** Channel ids the bot can post to, e.g. `['C0MESH']`. */
  channels: string[];
  users?: Record<string, { name: string }>;
  /** Usergroup id → member user ids. */
  usergroups?: Record<string, string[]>;
  /** Off by default: chat.postMessage answers 429 beyond this many posts per channel per second. */
  rateLimit?: { perChannelPerSecond: number };
  bot?: { userId?: string; botId?: string; name?: string };
  team?: { id?: string; name?: string; domain?: string };
  /** Socket Mode: apps.connections.open is answered by this (socket-mode-server.ts), which checks the app-level token itself. */
  socketMode?: { connectionsOpen(token: string | undefined): Record<string, unknown> };
}

export interface RecordedCall {
  method: string;
  /** Parsed request parameters (JSON fields such as `blocks` decoded); the token is left out. */
  params: Record<string, unknown>;
  at: number;
  status: number;
  ok: boolean;
  error?: string;
}

export interface MessageVersion {
  text: string | undefined;
  blocks: SlackBlock[] | undefined;
  at: number;
}

export interface RecordedMessage {
  kind: 'message';
  channel: string;
  ts: string;
  /** Set on replies only: the parent's ts. */
  thread_ts: string | undefined;
  user: string;
  text: string | undefined;
  blocks: SlackBlock[] | undefined;
  /** Earlier versions, oldest first; empty until the message is updated. */
  history: MessageVersion[];
  deleted: boolean;
  postedAt: number;
  updatedAt: number | undefined;
}

export interface RecordedEphemeral {
  kind: 'ephemeral';
  channel: string;
  user: string;
  message_ts: string;
  thread_ts: string | undefined;
  text: string | undefined;
  blocks: SlackBlock[] | undefined;
  at: number;
}

export interface RecordedResponse {
  kind: 'response';
  id: string;
  response_type: 'ephemeral' | 'in_channel';
  replace_original: boolean;
  delete_original: boolean;
  text: string | undefined;
  blocks: SlackBlock[] | undefined;
  thread_ts: string | undefined;
  body: Record<string, unknown>;
  at: number;
}

export type SlackRecord = RecordedMessage | RecordedEphemeral | RecordedResponse;

/** Where a response_url came from, so `replace_original` / `in_channel` responses can change the channel like Slack does. */
export interface ResponseOrigin {
  channel: string;
  messageTs?: string;
  userId?: string;
}

interface ApiAnswer {
  status?: number;
  headers?: Record<string, string>;
  body: Record<string, unknown>;
}

type Params = Record<string, unknown>;
type MethodHandler = (params: Params) => ApiAnswer;

interface Rejection {
  error: string;
  messages: string[];
}

const JSON_FIELDS = ['blocks', 'attachments', 'metadata'];
const FIRST_TS_SECONDS = 1_700_000_000;
const RATE_WINDOW_MS = 1_000;
const DEFAULT_WAIT_MS = 2_000;

export async function startSlackApiServer(options: SlackApiServerOptions): Promise<SlackApiServer> {
  const api = new SlackApiServer(options);
  await api.listen();
  return api;
}

export class SlackApiServer {
  readonly calls: RecordedCall[] = [];
  readonly messages: RecordedMessage[] = [];
  readonly ephemerals: RecordedEphemeral[] = [];
  readonly responses: RecordedResponse[] = [];

  private readonly server: Server;
  private readonly events = new EventEmitter();
  private readonly origins = new Map<string, ResponseOrigin>();
  private readonly recentPosts = new Map<string, number[]>();
  private readonly methods: Record<string, MethodHandler>;
  private readonly bot: { userId: string; botId: string; name: string };
  private readonly team: { id: string; name: string; domain: string };
  private tsCounter = 0;
  private port = 0;

  constructor(private readonly options: SlackApiServerOptions) {
    this.bot = { userId: 'UMESHBOT', botId: 'BMESHBOT', name: 'meshbot', ...options.bot };
    this.team = { id: 'T0MESH', name: 'Mesh Test', domain: 'mesh-test', ...options.team };
    this.events.setMaxListeners(0);
    this.methods = {
      'auth.test': () => this.authTest(),
      'chat.postMessage': (p) => this.postMessage(p),
      'chat.update': (p) => this.updateMessage(p),
      'chat.postEphemeral': (p) => this.postEphemeral(p),
      'conversations.info': (p) => this.conversationInfo(p),
      'usergroups.users.list': (p) => this.usergroupUsers(p),
      'users.info': (p) => this.userInfo(p),
    };
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => sendJson(res, { status: 500, body: { ok: false, error: 'internal_error', detail: String(error) } }));
    });
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** For `new WebClient(token, { slackApiUrl })` and Bolt's `clientOptions.slackApiUrl`. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  responseUrl(id: string, origin?: ResponseOrigin): string {
    if (origin) this.origins.set(id, origin);
    return `${this.baseUrl}/response/${encodeURIComponent(id)}`;
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  message(channel: string, ts: string): RecordedMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  /** The parent followed by its replies, oldest first. */
  thread(channel: string, ts: string): RecordedMessage[] {
    return this.messages
      .filter((m) => m.channel === channel && (m.ts === ts || m.thread_ts === ts))
      .sort((a, b) => compareTs(a.ts, b.ts));
  }

  /** Called for every new or changed message, ephemeral and response; returns an unsubscribe function. */
  onRecord(listener: (record: SlackRecord) => void): () => void {
    this.events.on('record', listener);
    return () => this.events.off('record', listener);
  }

  waitFor(predicate: (record: SlackRecord) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<SlackRecord> {
    return this.waitForRecord((r) => (predicate(r) ? r : undefined), timeoutMs);
  }

  waitForMessage(predicate: (message: RecordedMessage) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<RecordedMessage> {
    return this.waitForRecord((r) => (r.kind === 'message' && predicate(r) ? r : undefined), timeoutMs);
  }

  waitForResponse(predicate: (response: RecordedResponse) => boolean, timeoutMs = DEFAULT_WAIT_MS): Promise<RecordedResponse> {
    return this.waitForRecord((r) => (r.kind === 'response' && predicate(r) ? r : undefined), timeoutMs);
  }

  /** Forgets everything recorded; ts values keep increasing so they stay unique across resets. */
  reset(): void {
    this.calls.length = 0;
    this.messages.length = 0;
    this.ephemerals.length = 0;
    this.responses.length = 0;
    this.origins.clear();
    this.recentPosts.clear();
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private waitForRecord<T extends SlackRecord>(select: (record: SlackRecord) => T | undefined, timeoutMs: number): Promise<T> {
    const already = this.allRecords().map(select).find((r) => r !== undefined);
    if (already) return Promise.resolve(already);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(`No matching Slack record within ${timeoutMs} ms (${this.recordSummary()})`));
      }, timeoutMs);
      const unsubscribe = this.onRecord((record) => {
        const match = select(record);
        if (match === undefined) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(match);
      });
    });
  }

  private allRecords(): SlackRecord[] {
    return [...this.messages, ...this.ephemerals, ...this.responses];
  }

  private recordSummary(): string {
    return `${this.messages.length} messages, ${this.ephemerals.length} ephemerals, ${this.responses.length} responses`;
  }

  private emitRecord(record: SlackRecord): void {
    this.events.emit('record', record);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const rawBody = await readBody(req);
    if (url.pathname.startsWith('/api/')) {
      sendJson(res, this.handleApiCall(url, req, rawBody));
    } else if (url.pathname.startsWith('/response/') && req.method === 'POST') {
      sendJson(res, this.handleResponseUrl(decodeURIComponent(url.pathname.slice('/response/'.length)), rawBody));
    } else {
      sendJson(res, { status: 404, body: { ok: false, error: 'not_found' } });
    }
  }

  private handleApiCall(url: URL, req: IncomingMessage, rawBody: string): ApiAnswer {
    const method = url.pathname.slice('/api/'.length);
    const parsed = parseApiParams(req.headers['content-type'], rawBody, url.searchParams);
    const { token, ...params } = parsed ?? {};
    const answer = parsed === undefined ? fail('invalid_json') : this.dispatch(method, params, bearerToken(req) ?? token);
    this.calls.push({ method, params, at: Date.now(), status: answer.status ?? 200, ...outcome(answer.body) });
    return answer;
  }

  private dispatch(method: string, params: Params, token: unknown): ApiAnswer {
    if (method === 'apps.connections.open' && this.options.socketMode) return { body: this.options.socketMode.connectionsOpen(optionalString(token)) };
    const handler = this.methods[method];
    if (!handler) return fail('unknown_method');
    if (token === undefined || token === '') return fail('not_authed');
    if (token !== this.options.token) return fail('invalid_auth');
    return handler(params);
  }

  private authTest(): ApiAnswer {
    const { bot, team } = this;
    return succeed({ url: `https://${team.domain}.slack.com/`, team: team.name, user: bot.name, team_id: team.id, user_id: bot.userId, bot_id: bot.botId });
  }

  private postMessage(params: Params): ApiAnswer {
    const channel = String(params.channel ?? '');
    if (!this.isKnownChannel(channel)) return fail('channel_not_found');
    const rejection = contentRejection(params);
    if (rejection) return rejectContent(rejection);
    if (this.isRateLimited(channel)) return { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } };
    const message = this.recordMessage(channel, optionalString(params.thread_ts), optionalString(params.text), blocksOf(params));
    return succeed({ channel, ts: message.ts, message: this.messageView(message) });
  }

  private updateMessage(params: Params): ApiAnswer {
    const channel = String(params.channel ?? '');
    if (!this.isKnownChannel(channel)) return fail('channel_not_found');
    const message = this.message(channel, String(params.ts ?? ''));
    if (!message || message.deleted) return fail('message_not_found');
    const rejection = contentRejection(params);
    if (rejection) return rejectContent(rejection);
    this.reviseMessage(message, optionalString(params.text), blocksOf(params));
    return succeed({ channel, ts: message.ts, text: message.text ?? '', message: this.messageView(message) });
  }

  private postEphemeral(params: Params): ApiAnswer {
    const channel = String(params.channel ?? '');
    const user = String(params.user ?? '');
    if (!this.isKnownChannel(channel)) return fail('channel_not_found');
    if (this.options.users && !this.options.users[user]) return fail('user_not_found');
    const rejection = contentRejection(params);
    if (rejection) return rejectContent(rejection);
    const ephemeral: RecordedEphemeral = {
      kind: 'ephemeral',
      channel,
      user,
      message_ts: this.nextTs(),
      thread_ts: optionalString(params.thread_ts),
      text: optionalString(params.text),
      blocks: blocksOf(params),
      at: Date.now(),
    };
    this.ephemerals.push(ephemeral);
    this.emitRecord(ephemeral);
    return succeed({ message_ts: ephemeral.message_ts });
  }

  private conversationInfo(params: Params): ApiAnswer {
    const channel = String(params.channel ?? '');
    if (!this.options.channels.includes(channel)) return fail('channel_not_found');
    return succeed({ channel: { id: channel, name: channel.toLowerCase(), is_channel: true, is_private: false, is_archived: false, is_member: true } });
  }

  private usergroupUsers(params: Params): ApiAnswer {
    const users = this.options.usergroups?.[String(params.usergroup ?? '')];
    return users ? succeed({ users: [...users] }) : fail('no_such_subteam');
  }

  private userInfo(params: Params): ApiAnswer {
    const id = String(params.user ?? '');
    const user = this.options.users?.[id];
    if (!user) return fail('user_not_found');
    const profile = { real_name: user.name, display_name: user.name };
    return succeed({ user: { id, team_id: this.team.id, name: user.name, real_name: user.name, deleted: false, is_bot: false, profile } });
  }

  private handleResponseUrl(id: string, rawBody: string): ApiAnswer {
    const body = parseJsonObject(rawBody);
    const answer = body === undefined ? fail('invalid_payload', 400) : this.recordResponse(id, body);
    this.calls.push({ method: 'response_url', params: { id, ...body }, at: Date.now(), status: answer.status ?? 200, ...outcome(answer.body) });
    return answer;
  }

  private recordResponse(id: string, body: Params): ApiAnswer {
    const deleteOriginal = isTrue(body.delete_original);
    const rejection = deleteOriginal ? undefined : contentRejection(body);
    if (rejection) return rejectContent(rejection, 400);
    const response: RecordedResponse = {
      kind: 'response',
      id,
      response_type: body.response_type === 'in_channel' ? 'in_channel' : 'ephemeral',
      replace_original: isTrue(body.replace_original),
      delete_original: deleteOriginal,
      text: optionalString(body.text),
      blocks: blocksOf(body),
      thread_ts: optionalString(body.thread_ts),
      body,
      at: Date.now(),
    };
    this.responses.push(response);
    this.applyResponseToChannel(response, this.origins.get(id));
    this.emitRecord(response);
    return succeed({});
  }

  private applyResponseToChannel(response: RecordedResponse, origin: ResponseOrigin | undefined): void {
    if (!origin) return;
    const original = origin.messageTs === undefined ? undefined : this.message(origin.channel, origin.messageTs);
    if (original && response.delete_original) {
      original.deleted = true;
      this.emitRecord(original);
    } else if (original && response.replace_original) {
      this.reviseMessage(original, response.text, response.blocks);
    } else if (response.response_type === 'in_channel') {
      this.recordMessage(origin.channel, response.thread_ts, response.text, response.blocks);
    }
  }

  private recordMessage(channel: string, threadTs: string | undefined, text: string | undefined, blocks: SlackBlock[] | undefined): RecordedMessage {
    const message: RecordedMessage = {
      kind: 'message',
      channel,
      ts: this.nextTs(),
      thread_ts: this.threadRoot(channel, threadTs),
      user: this.bot.userId,
      text,
      blocks,
      history: [],
      deleted: false,
      postedAt: Date.now(),
      updatedAt: undefined,
    };
    this.messages.push(message);
    this.emitRecord(message);
    return message;
  }

  // Like Slack, chat.update keeps the old blocks when only text is sent.
  private reviseMessage(message: RecordedMessage, text: string | undefined, blocks: SlackBlock[] | undefined): void {
    const now = Date.now();
    message.history.push({ text: message.text, blocks: message.blocks, at: message.updatedAt ?? message.postedAt });
    message.text = text ?? message.text;
    message.blocks = blocks ?? message.blocks;
    message.updatedAt = now;
    this.emitRecord(message);
  }

  // Replying to a reply lands in the parent's thread on Slack.
  private threadRoot(channel: string, threadTs: string | undefined): string | undefined {
    if (threadTs === undefined) return undefined;
    return this.message(channel, threadTs)?.thread_ts ?? threadTs;
  }

  private messageView(message: RecordedMessage): Record<string, unknown> {
    const { ts, thread_ts, text, blocks, user } = message;
    return { type: 'message', ts, thread_ts, text: text ?? '', blocks, user, bot_id: this.bot.botId };
  }

  private isKnownChannel(channel: string): boolean {
    return this.options.channels.includes(channel) || Boolean(this.options.users?.[channel]);
  }

  private isRateLimited(channel: string): boolean {
    const limit = this.options.rateLimit?.perChannelPerSecond;
    if (limit === undefined) return false;
    const now = Date.now();
    const recent = (this.recentPosts.get(channel) ?? []).filter((at) => now - at < RATE_WINDOW_MS);
    const limited = recent.length >= limit;
    if (!limited) recent.push(now);
    this.recentPosts.set(channel, recent);
    return limited;
  }

  private nextTs(): string {
    this.tsCounter += 1;
    const micros = this.tsCounter * 100;
    return `${FIRST_TS_SECONDS + Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }
}

// ---- message validation -------------------------------------------------------------------

function contentRejection(params: Params): Rejection | undefined {
  const { text, blocks, attachments } = params;
  if (blocks !== undefined && !Array.isArray(blocks)) return { error: 'invalid_blocks_format', messages: ['[ERROR] blocks must be a JSON array'] };
  const hasText = typeof text === 'string' && text.length > 0;
  const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
  const hasAttachments = Array.isArray(attachments) && attachments.length > 0;
  if (!hasText && !hasBlocks && !hasAttachments) return { error: 'no_text', messages: [] };
  if (typeof text === 'string' && text.length > SLACK_LIMITS.messageTextChars) return { error: 'msg_too_long', messages: [] };
  const problems = Array.isArray(blocks) ? blocksProblems(blocks) : [];
  return problems.length > 0 ? { error: 'invalid_blocks', messages: problems } : undefined;
}

function blocksProblems(blocks: unknown[]): string[] {
  const tooMany = blocks.length > SLACK_LIMITS.blocksPerMessage ? [problem(`no more than ${SLACK_LIMITS.blocksPerMessage} items allowed`, '/blocks')] : [];
  return [...tooMany, ...blocks.flatMap((block, i) => blockProblems(block, `/blocks/${i}`))];
}

function blockProblems(block: unknown, at: string): string[] {
  if (!isRecord(block) || typeof block.type !== 'string') return [problem('missing required field: type', at)];
  const blockId = tooLong(block.block_id, SLACK_LIMITS.blockIdChars, `${at}/block_id`);
  return [...blockId, ...problemsByBlockType(block, at)];
}

function problemsByBlockType(block: Record<string, unknown>, at: string): string[] {
  switch (block.type) {
    case 'section':
      return sectionProblems(block, at);
    case 'header':
      return tooLong(textOf(block.text), SLACK_LIMITS.headerTextChars, `${at}/text/text`);
    case 'actions':
      return elementListProblems(block.elements, SLACK_LIMITS.actionsElements, at);
    case 'context':
      return elementListProblems(block.elements, SLACK_LIMITS.contextElements, at);
    default:
      return [];
  }
}

function sectionProblems(section: Record<string, unknown>, at: string): string[] {
  const fields = Array.isArray(section.fields) ? section.fields : [];
  return [
    ...tooLong(textOf(section.text), SLACK_LIMITS.sectionTextChars, `${at}/text/text`),
    ...(fields.length > SLACK_LIMITS.sectionFields ? [problem(`no more than ${SLACK_LIMITS.sectionFields} items allowed`, `${at}/fields`)] : []),
    ...fields.flatMap((field, i) => tooLong(textOf(field), SLACK_LIMITS.sectionFieldChars, `${at}/fields/${i}/text`)),
    ...(section.accessory === undefined ? [] : elementProblems(section.accessory, `${at}/accessory`)),
  ];
}

function elementListProblems(elements: unknown, max: number, at: string): string[] {
  const list = Array.isArray(elements) ? elements : [];
  const tooMany = list.length > max ? [problem(`no more than ${max} items allowed`, `${at}/elements`)] : [];
  return [...tooMany, ...list.flatMap((element, i) => elementProblems(element, `${at}/elements/${i}`))];
}

function elementProblems(element: unknown, at: string): string[] {
  if (!isRecord(element)) return [];
  const actionId = tooLong(element.action_id, SLACK_LIMITS.actionIdChars, `${at}/action_id`);
  if (element.type !== 'button') return actionId;
  return [
    ...actionId,
    ...tooLong(textOf(element.text), SLACK_LIMITS.buttonTextChars, `${at}/text/text`),
    ...tooLong(element.value, SLACK_LIMITS.buttonValueChars, `${at}/value`),
  ];
}

function tooLong(value: unknown, max: number, at: string): string[] {
  return typeof value === 'string' && value.length > max ? [problem(`must be less than ${max + 1} characters`, at)] : [];
}

// Same shape as Slack's response_metadata.messages, so failures read like the real thing.
function problem(message: string, pointer: string): string {
  return `[ERROR] ${message} [json-pointer:${pointer}]`;
}

function textOf(value: unknown): unknown {
  return isRecord(value) ? value.text : undefined;
}

// ---- HTTP plumbing -----------------------------------------------------------------------

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `undefined` when a JSON body does not parse. */
function parseApiParams(contentType: string | undefined, rawBody: string, query: URLSearchParams): Params | undefined {
  const fromQuery = Object.fromEntries(query);
  if (contentType?.startsWith('application/json')) {
    const body = rawBody === '' ? {} : parseJsonObject(rawBody);
    return body && decodeJsonFields({ ...fromQuery, ...body });
  }
  const form = parseQueryString(rawBody);
  const firstValues = Object.fromEntries(Object.entries(form).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value]));
  return decodeJsonFields({ ...fromQuery, ...firstValues });
}

// @slack/web-api sends `blocks` and `attachments` as JSON strings inside the form.
function decodeJsonFields(params: Params): Params {
  const decoded = { ...params };
  for (const field of JSON_FIELDS) {
    const value = decoded[field];
    if (typeof value === 'string') decoded[field] = parseJsonOr(value, value);
  }
  return decoded;
}

function parseJsonObject(text: string): Params | undefined {
  const value = parseJsonOr(text, undefined);
  return isRecord(value) ? value : undefined;
}

function parseJsonOr(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fallback;
  }
}

function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function sendJson(res: ServerResponse, answer: ApiAnswer): void {
  if (res.headersSent) return;
  res.writeHead(answer.status ?? 200, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
  res.end(JSON.stringify(answer.body));
}

function succeed(fields: Record<string, unknown>): ApiAnswer {
  return { body: { ok: true, ...fields } };
}

function fail(error: string, status = 200): ApiAnswer {
  return { status, body: { ok: false, error } };
}

function rejectContent(rejection: Rejection, status = 200): ApiAnswer {
  return { status, body: { ok: false, error: rejection.error, errors: rejection.messages, response_metadata: { messages: rejection.messages } } };
}

function outcome(body: Record<string, unknown>): { ok: boolean; error?: string } {
  return body.ok === true ? { ok: true } : { ok: false, error: String(body.error) };
}

function blocksOf(params: Params): SlackBlock[] | undefined {
  return Array.isArray(params.blocks) ? (params.blocks as SlackBlock[]) : undefined;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Slack ts strings compare as decimal numbers, not as text. */
export function compareTs(a: string, b: string): number {
  const [aSeconds = 0, aMicros = 0] = a.split('.').map(Number);
  const [bSeconds = 0, bMicros = 0] = b.split('.').map(Number);
  return aSeconds - bSeconds || aMicros - bMicros;
}
