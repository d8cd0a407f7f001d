import type { SlackApiServer } from './slack-api-server.js';
import { SlackDriver, type ClickButtonOptions, type SlashCommandOptions } from './slack-driver.js';
import type { DeliverOptions, ReceivedAck, SocketModeServer } from './socket-mode-server.js';

export interface SocketDelivery {
  readonly envelopeId: string;
  /** The ack that counted (a lost one is followed by a re-delivery). */
  readonly ack: ReceivedAck;
  readonly responseUrl: string;
}

/** Slack's side in Socket Mode: slash commands and clicks as envelopes, the same payloads SlackDriver posts over HTTP. */
export class SocketModeDriver {
  private readonly payloads: SlackDriver;

  constructor(
    private readonly socket: SocketModeServer,
    api: SlackApiServer,
  ) {
    // Only its payloads are used: nothing is posted to the app or signed in Socket Mode.
    this.payloads = new SlackDriver({ eventsUrl: 'http://127.0.0.1:9/unused-in-socket-mode', signingSecret: 'unused-in-socket-mode', api });
  }

  async slashCommand(options: SlashCommandOptions, delivery: DeliverOptions = {}): Promise<SocketDelivery> {
    const { payload, responseUrl } = this.payloads.slashCommandPayload(options);
    const { envelopeId, acked } = this.socket.deliver('slash_commands', payload, delivery);
    return { envelopeId, ack: await acked, responseUrl };
  }

  async clickButton(options: ClickButtonOptions, delivery: DeliverOptions = {}): Promise<SocketDelivery> {
    const { payload, responseUrl } = this.payloads.clickPayload(options);
    const { envelopeId, acked } = this.socket.deliver('interactive', payload, delivery);
    return { envelopeId, ack: await acked, responseUrl };
  }
}
