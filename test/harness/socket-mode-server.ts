import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

export type EnvelopeType = 'slash_commands' | 'interactive';
export type DisconnectReason = 'refresh_requested' | 'warning' | 'link_disabled';

export interface SocketModeServerOptions {
  /** The app-level token (`xapp-…`) apps.connections.open accepts. */
  appToken: string;
  appId?: string;
  /** How long an envelope waits for its ack before it is sent again; Slack waits 3 s. */
  redeliverAfterMs?: number;
  /** Re-deliveries of one envelope before it is given up. */
  maxRetries?: number;
}

/** One envelope as it went over a connection; a re-delivery is a record of its own. */
export interface SentEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt: number;
  retry_reason: string;
  connection: number;
  at: number;
}

export interface ReceivedAck {
  envelope_id: string;
  /** What the app put in the ack (a slash command's ephemeral reply, for one); undefined when it sent none. */
  payload: Record<string, unknown> | undefined;
  connection: number;
  at: number;
  /** Dropped on purpose (`loseAcks`), as if it never reached Slack: the envelope is sent again. */
  lost: boolean;
}

export interface DeliverOptions {
  acceptsResponsePayload?: boolean;
  /** Acks of this envelope to drop before one counts, each followed by a re-delivery. */
  loseAcks?: number;
}

export interface Delivery {
  readonly envelopeId: string;
  /** The ack that counted; rejects when none came after every re-delivery. */
  readonly acked: Promise<ReceivedAck>;
}

interface Pending {
  readonly envelope: Omit<SentEnvelope, 'retry_attempt' | 'retry_reason' | 'connection' | 'at'>;
  attempts: number;
  acksToLose: number;
  timer: NodeJS.Timeout | undefined;
  settle: (ack: ReceivedAck | Error) => void;
}

const DEFAULT_APP_ID = 'A0MESHBOT';
const SLACK_REDELIVERY_MS = 3_000;
const SLACK_MAX_RETRIES = 3;
const LINK_PATH = '/link/';

export async function startSocketModeServer(options: SocketModeServerOptions): Promise<SocketModeServer> {
  const server = new SocketModeServer(options);
  await server.listen();
  return server;
}

/**
 * Slack's Socket Mode side: apps.connections.open hands out single-use WebSocket URLs (mount it on
 * the local Web API with `startSlackApiServer({ socketMode: server })`), and each connection gets
 * `hello`, then envelopes it must ack; an envelope not acked in time is sent again with
 * `retry_attempt` + 1 and `retry_reason: 'timeout'`, on whichever connection is live.
 */
export class SocketModeServer {
  readonly envelopes: SentEnvelope[] = [];
  readonly acks: ReceivedAck[] = [];
  /** WebSocket connections accepted (each with a ticket from apps.connections.open). */
  connectionsOpened = 0;

  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly events = new EventEmitter();
  private readonly live = new Map<number, WebSocket>();
  private readonly tickets = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private readonly waiting: Pending[] = [];
  private readonly appId: string;
  private nextTurn = 0;
  private port = 0;

  constructor(private readonly options: SocketModeServerOptions) {
    this.appId = options.appId ?? DEFAULT_APP_ID;
    this.events.setMaxListeners(0);
    this.http = createServer((_req, res) => res.writeHead(404).end());
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  get liveConnections(): number {
    return this.live.size;
  }

  /** apps.connections.open's answer for the token it was called with. */
  connectionsOpen(token: string | undefined): Record<string, unknown> {
    if (token === undefined || token === '') return { ok: false, error: 'not_authed' };
    if (!token.startsWith('xapp-')) return { ok: false, error: 'not_allowed_token_type' };
    if (token !== this.options.appToken) return { ok: false, error: 'invalid_auth' };
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return { ok: true, url: `ws://127.0.0.1:${this.port}${LINK_PATH}?ticket=${ticket}&app_id=${this.appId}` };
  }

  /** Sends an envelope on a live connection (or on the next one to open) and re-delivers it until acked. */
  deliver(type: EnvelopeType, payload: Record<string, unknown>, options: DeliverOptions = {}): Delivery {
    const envelope = { envelope_id: randomUUID(), type, payload, accepts_response_payload: options.acceptsResponsePayload ?? type === 'slash_commands' };
    let settle: Pending['settle'] = () => undefined;
    const acked = new Promise<ReceivedAck>((resolve, reject) => (settle = (ack) => (ack instanceof Error ? reject(ack) : resolve(ack))));
    acked.catch(() => undefined); // a caller that ignores the ack must not get an unhandled rejection
    const pending: Pending = { envelope, attempts: 0, acksToLose: options.loseAcks ?? 0, timer: undefined, settle };
    this.pending.set(envelope.envelope_id, pending);
    this.send(pending);
    return { envelopeId: envelope.envelope_id, acked };
  }

  /** Sends `disconnect` with the reason on every live connection, then closes them; resolves once they are closed. */
  async disconnect(reason: DisconnectReason): Promise<void> {
    const closing = [...this.live.values()].map((ws) => {
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-local' } }));
      ws.close(1000, reason);
      return closed;
    });
    await Promise.all(closing);
  }

  /** Resolves once this many connections have been opened in all (with at least one live). */
  waitForConnections(count: number, timeoutMs = 10_000): Promise<void> {
    const reached = () => this.connectionsOpened >= count && this.live.size > 0;
    if (reached()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off('connection', check);
        reject(new Error(`${this.connectionsOpened} Socket Mode connections opened (${this.live.size} live) within ${timeoutMs} ms, wanted ${count}`));
      }, timeoutMs);
      const check = () => {
        if (!reached()) return;
        clearTimeout(timer);
        this.events.off('connection', check);
        resolve();
      };
      this.events.on('connection', check);
    });
  }

  envelopesOf(envelopeId: string): SentEnvelope[] {
    return this.envelopes.filter((e) => e.envelope_id === envelopeId);
  }

  acksOf(envelopeId: string): ReceivedAck[] {
    return this.acks.filter((a) => a.envelope_id === envelopeId);
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.http.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.settle(new Error(`the Socket Mode server closed before envelope ${pending.envelope.envelope_id} was acked`));
    }
    this.pending.clear();
    for (const ws of this.live.values()) ws.terminate();
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await closed;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== LINK_PATH || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    this.connectionsOpened += 1;
    const connection = this.connectionsOpened;
    this.live.set(connection, ws);
    ws.on('message', (data: RawData) => this.receive(connection, data));
    ws.on('close', () => this.live.delete(connection));
    ws.send(JSON.stringify({ type: 'hello', num_connections: this.live.size, debug_info: { host: 'applink-local', build_number: 1, approximate_connection_time: 18_060 }, connection_info: { app_id: this.appId } }));
    this.events.emit('connection');
    for (const pending of this.waiting.splice(0)) this.send(pending);
  }

  private send(pending: Pending): void {
    const target = this.pickConnection();
    if (!target) {
      this.waiting.push(pending);
      return;
    }
    const [connection, ws] = target;
    const retry = pending.attempts === 0 ? { retry_attempt: 0, retry_reason: '' } : { retry_attempt: pending.attempts, retry_reason: 'timeout' };
    const sent: SentEnvelope = { ...pending.envelope, ...retry, connection, at: Date.now() };
    this.envelopes.push(sent);
    const { connection: _, at: __, ...wire } = sent;
    ws.send(JSON.stringify(wire));
    pending.timer = setTimeout(() => this.redeliver(pending), this.options.redeliverAfterMs ?? SLACK_REDELIVERY_MS);
  }

  private redeliver(pending: Pending): void {
    pending.attempts += 1;
    if (pending.attempts > (this.options.maxRetries ?? SLACK_MAX_RETRIES)) {
      this.pending.delete(pending.envelope.envelope_id);
      pending.settle(new Error(`envelope ${pending.envelope.envelope_id} (${pending.envelope.type}) was not acked after ${pending.attempts} deliveries`));
      return;
    }
    this.send(pending);
  }

  private receive(connection: number, data: RawData): void {
    const message = parseObject(data.toString());
    if (typeof message?.envelope_id !== 'string') return;
    const pending = this.pending.get(message.envelope_id);
    const lost = pending !== undefined && pending.acksToLose > 0;
    const payload = isRecord(message.payload) && Object.keys(message.payload).length > 0 ? message.payload : undefined;
    const ack: ReceivedAck = { envelope_id: message.envelope_id, payload, connection, at: Date.now(), lost };
    this.acks.push(ack);
    if (!pending) return;
    if (lost) {
      pending.acksToLose -= 1;
      return;
    }
    clearTimeout(pending.timer);
    this.pending.delete(message.envelope_id);
    pending.settle(ack);
  }

  /** Round robin over the live connections, as Slack spreads envelopes over an app's connections. */
  private pickConnection(): [number, WebSocket] | undefined {
    const open = [...this.live.entries()].filter(([, ws]) => ws.readyState === ws.OPEN);
    if (open.length === 0) return undefined;
    this.nextTurn += 1;
    return open[this.nextTurn % open.length];
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
