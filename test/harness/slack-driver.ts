import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { SlackApiServer, SlackBlock } from './slack-api-server.js';

export type SignatureMode = 'valid' | 'forged' | 'missing';

/** Exactly what went over the wire, so it can be replayed byte for byte. */
export interface SentRequest {
  body: string;
  headers: Record<string, string>;
}

export interface DriverResponse {
  status: number;
  /** Parsed JSON when the receiver answered JSON, otherwise the text ('' for an empty ack). */
  body: unknown;
  /** Round trip in milliseconds, body included. */
  ms: number;
  responseUrl: string;
  raw: SentRequest;
}

export interface DeliveryOptions {
  retryNum?: number;
  retryReason?: string;
  /** Seconds subtracted from the request timestamp; Bolt rejects anything older than 300. */
  timestampSkewSeconds?: number;
  signature?: SignatureMode;
  /** Resend that request's exact body and headers instead of building a new one. */
  replayOf?: Pick<DriverResponse, 'raw' | 'responseUrl'>;
}

export interface SlashCommandOptions extends DeliveryOptions {
  text: string;
  userId: string;
  channelId: string;
  command?: string;
  teamId?: string;
  triggerId?: string;
  userName?: string;
}

export interface ClickButtonOptions extends DeliveryOptions {
  actionId: string;
  value: string;
  userId: string;
  channelId: string;
  messageTs: string;
  threadTs?: string;
  blockId?: string;
  userName?: string;
  /** The clicked message as Slack would echo it; defaults to the one recorded by `api`. */
  message?: { text?: string; blocks?: SlackBlock[] };
}

export interface SlackDriverOptions {
  /** e.g. `http://127.0.0.1:PORT/slack/events` */
  eventsUrl: string;
  signingSecret: string;
  /** Gives requests a response_url on this server and lets clicks echo the recorded message. */
  api?: SlackApiServer;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  /** Milliseconds since the epoch; for request timestamps. */
  now?: () => number;
}

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
const VERIFICATION_TOKEN = 'meshbot-legacy-verification-token';
// Nothing listens on the discard port, so respond() without an api server fails fast instead of reaching Slack.
const UNREACHABLE_RESPONSE_BASE = 'http://127.0.0.1:9/response/';

/** Slack's request signature: `v0=` + HMAC-SHA256 hex of `v0:<timestamp>:<raw body>`. */
export function signSlackRequest(signingSecret: string, timestampSeconds: number, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${rawBody}`).digest('hex')}`;
}

export class SlackDriver {
  private readonly teamId: string;
  private readonly teamDomain: string;
  private readonly apiAppId: string;
  private readonly now: () => number;

  constructor(private readonly options: SlackDriverOptions) {
    this.teamId = options.teamId ?? 'T0MESH';
    this.teamDomain = options.teamDomain ?? 'mesh-test';
    this.apiAppId = options.apiAppId ?? 'A0MESHBOT';
    this.now = options.now ?? Date.now;
  }

  slashCommand(options: SlashCommandOptions): Promise<DriverResponse> {
    if (options.replayOf) return this.replay(options.replayOf);
    const { payload, responseUrl } = this.slashCommandPayload(options);
    return this.send(new URLSearchParams(payload).toString(), responseUrl, options);
  }

  clickButton(options: ClickButtonOptions): Promise<DriverResponse> {
    if (options.replayOf) return this.replay(options.replayOf);
    const { payload, responseUrl } = this.clickPayload(options);
    return this.send(`payload=${encodeURIComponent(JSON.stringify(payload))}`, responseUrl, options);
  }

  /** A slash command's fields as Slack sends them: the form over HTTP, the envelope's payload in Socket Mode. */
  slashCommandPayload(options: SlashCommandOptions): { payload: Record<string, string>; responseUrl: string } {
    const responseUrl = this.newResponseUrl({ channel: options.channelId, userId: options.userId });
    const payload = {
      token: VERIFICATION_TOKEN,
      team_id: options.teamId ?? this.teamId,
      team_domain: this.teamDomain,
      channel_id: options.channelId,
      channel_name: options.channelId.toLowerCase(),
      user_id: options.userId,
      user_name: options.userName ?? options.userId.toLowerCase(),
      command: options.command ?? '/mesh',
      text: options.text,
      api_app_id: this.apiAppId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: options.triggerId ?? newTriggerId(),
    };
    return { payload, responseUrl };
  }

  /** A button click's block_actions payload: form-encoded JSON over HTTP, the envelope's payload in Socket Mode. */
  clickPayload(options: ClickButtonOptions): { payload: Record<string, unknown>; responseUrl: string } {
    const responseUrl = this.newResponseUrl({ channel: options.channelId, messageTs: options.messageTs, userId: options.userId });
    return { payload: this.blockActionsPayload(options, responseUrl), responseUrl };
  }

  /** Sends a previous request again, unchanged: same body, same timestamp, same signature. */
  replay(previous: Pick<DriverResponse, 'raw' | 'responseUrl'>): Promise<DriverResponse> {
    return this.post(previous.raw, previous.responseUrl);
  }

  private blockActionsPayload(options: ClickButtonOptions, responseUrl: string): Record<string, unknown> {
    const message = options.message ?? this.options.api?.message(options.channelId, options.messageTs) ?? {};
    const blocks = message.blocks ?? [];
    const button = findButton(blocks, options.actionId);
    const userName = options.userName ?? options.userId.toLowerCase();
    const threadTs = options.threadTs === undefined ? {} : { thread_ts: options.threadTs };
    return {
      type: 'block_actions',
      user: { id: options.userId, username: userName, name: userName, team_id: this.teamId },
      api_app_id: this.apiAppId,
      token: VERIFICATION_TOKEN,
      container: { type: 'message', message_ts: options.messageTs, channel_id: options.channelId, is_ephemeral: false, ...threadTs },
      trigger_id: newTriggerId(),
      team: { id: this.teamId, domain: this.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: options.channelId, name: options.channelId.toLowerCase() },
      message: { type: 'message', ts: options.messageTs, ...threadTs, text: message.text ?? '', blocks },
      state: { values: {} },
      response_url: responseUrl,
      actions: [
        {
          type: 'button',
          action_id: options.actionId,
          block_id: options.blockId ?? button?.blockId ?? 'actions',
          value: options.value,
          text: { type: 'plain_text', text: button?.label ?? options.actionId, emoji: true },
          action_ts: slackTimestamp(this.now()),
        },
      ],
    };
  }

  private send(rawBody: string, responseUrl: string, options: DeliveryOptions): Promise<DriverResponse> {
    return this.post({ body: rawBody, headers: this.headersFor(rawBody, options) }, responseUrl);
  }

  private headersFor(rawBody: string, options: DeliveryOptions): Record<string, string> {
    const timestamp = Math.floor(this.now() / 1000) - (options.timestampSkewSeconds ?? 0);
    const headers: Record<string, string> = { 'content-type': FORM_CONTENT_TYPE, 'x-slack-request-timestamp': String(timestamp) };
    const signature = this.signatureFor(options.signature ?? 'valid', timestamp, rawBody);
    if (signature !== undefined) headers['x-slack-signature'] = signature;
    if (options.retryNum !== undefined) headers['x-slack-retry-num'] = String(options.retryNum);
    if (options.retryReason !== undefined) headers['x-slack-retry-reason'] = options.retryReason;
    return headers;
  }

  private signatureFor(mode: SignatureMode, timestamp: number, rawBody: string): string | undefined {
    if (mode === 'missing') return undefined;
    const secret = mode === 'forged' ? `not-${this.options.signingSecret}` : this.options.signingSecret;
    return signSlackRequest(secret, timestamp, rawBody);
  }

  private async post(raw: SentRequest, responseUrl: string): Promise<DriverResponse> {
    const started = performance.now();
    const response = await fetch(this.options.eventsUrl, { method: 'POST', headers: raw.headers, body: raw.body });
    const text = await response.text();
    return { status: response.status, body: parseBody(text), ms: performance.now() - started, responseUrl, raw };
  }

  private newResponseUrl(origin: { channel: string; messageTs?: string; userId: string }): string {
    const id = randomUUID();
    return this.options.api?.responseUrl(id, origin) ?? `${UNREACHABLE_RESPONSE_BASE}${id}`;
  }
}

function findButton(blocks: SlackBlock[], actionId: string): { blockId: string | undefined; label: string | undefined } | undefined {
  for (const block of blocks) {
    const candidates = [...asArray(block.elements), block.accessory];
    const element = candidates.find((e) => isRecord(e) && e.action_id === actionId);
    if (isRecord(element)) {
      const label = isRecord(element.text) && typeof element.text.text === 'string' ? element.text.text : undefined;
      return { blockId: typeof block.block_id === 'string' ? block.block_id : undefined, label };
    }
  }
  return undefined;
}

function parseBody(text: string): unknown {
  if (text === '') return '';
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function slackTimestamp(ms: number): string {
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000).padStart(6, '0')}`;
}

function newTriggerId(): string {
  return `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
