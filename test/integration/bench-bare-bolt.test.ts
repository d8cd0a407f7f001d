import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBareBolt, type BareBolt } from '../../bench/bare-bolt.js';
import { startSlackApiServer, type SlackApiServer } from '../harness/slack-api-server.js';
import { SlackDriver } from '../harness/slack-driver.js';
import { BOT_TOKEN, SIGNING_SECRET } from '../support/meshbot-stack.js';

/** The bench's floor is a real Bolt app: it verifies signatures as meshbot's receiver does, and answers nothing but the ack. */
let slack: SlackApiServer;
let bare: BareBolt;
let driver: SlackDriver;

beforeAll(async () => {
  slack = await startSlackApiServer({ token: BOT_TOKEN, channels: ['C0BARE'] });
  bare = await startBareBolt(slack.apiUrl);
  driver = new SlackDriver({ eventsUrl: bare.eventsUrl, signingSecret: SIGNING_SECRET, api: slack });
});

afterAll(async () => {
  await bare?.stop();
  await slack?.close();
});

describe('the bare Bolt app of bench/ack.ts', () => {
  it('acks a signed /mesh command with an empty 200 and posts nothing', async () => {
    const sent = await driver.slashCommand({ text: 'status', userId: 'U0BARE', channelId: 'C0BARE' });
    expect(sent.status).toBe(200);
    expect(sent.body).toBe('');
    await new Promise((r) => setTimeout(r, 200));
    expect(slack.responses).toHaveLength(0);
  });

  it('refuses a forged signature, as meshbot does', async () => {
    const sent = await driver.slashCommand({ text: 'status', userId: 'U0BARE', channelId: 'C0BARE', signature: 'forged' });
    expect(sent.status).toBe(401);
  });
});
