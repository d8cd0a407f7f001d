import type { webApi } from '@slack/bolt';
import type { GroupDirectory, Notifier } from '../app/deps.js';
import type { Block } from './blocks/block-kit.js';

type WebClient = webApi.WebClient;

/** Posts and updates through Bolt's WebClient (which waits out Slack's 429 rate limits itself). */
export class SlackNotifier implements Notifier {
  constructor(private readonly client: WebClient) {}

  async post(message: { channel: string; threadTs?: string | undefined; text: string; blocks?: readonly Block[] }): Promise<string> {
    const result = await this.client.chat.postMessage({
      channel: message.channel,
      text: message.text,
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      ...(message.blocks ? { blocks: message.blocks as never } : {}),
    });
    return String(result.ts);
  }

  async update(message: { channel: string; ts: string; text: string; blocks?: readonly Block[] }): Promise<void> {
    await this.client.chat.update({ channel: message.channel, ts: message.ts, text: message.text, ...(message.blocks ? { blocks: message.blocks as never } : {}) });
  }
}

const GROUP_CACHE_MS = 60_000;

/** Slack user group membership, cached for a minute (usergroups.users.list is rate-limited). */
export class SlackGroupDirectory implements GroupDirectory {
  private readonly cache = new Map<string, { users: Set<string>; at: number }>();

  constructor(
    private readonly client: WebClient,
    private readonly now: () => number = Date.now,
  ) {}

  async groupsOf(userId: string, groups: readonly string[]): Promise<string[]> {
    const members = await Promise.all(groups.map(async (group) => [group, await this.members(group)] as const));
    return members.filter(([, users]) => users.has(userId)).map(([group]) => group);
  }

  private async members(group: string): Promise<Set<string>> {
    const cached = this.cache.get(group);
    if (cached && this.now() - cached.at < GROUP_CACHE_MS) return cached.users;
    const result = await this.client.usergroups.users.list({ usergroup: group });
    const users = new Set(result.users ?? []);
    this.cache.set(group, { users, at: this.now() });
    return users;
  }
}
