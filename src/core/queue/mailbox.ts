// Answers for a page, not a platform: the playground's channel lives in the memory of the front end that
// served it, so when that front end dies another one cannot edit its messages. It leaves the result here,
// keyed by the playground's server and channel, and the first page to connect to any front end takes it.
import type { Redis } from 'ioredis';
import type { MessageHandle, OutgoingMessage, PostedMessage } from '../platform.js';
import { decodeValue, encodeValue } from './codec.js';

const mailboxKey = (serverId: string, channelId: string) => `domainshift:mailbox:${serverId}/${channelId}`;

export interface MailboxItem {
  /** the message the answer was meant to replace (the page's own id for it) */
  messageId: string;
  msg: OutgoingMessage;
}

export class Mailbox {
  constructor(private readonly redis: Redis) {}

  /** a playground message reopened elsewhere: its edits go to the mailbox */
  reopen(handle: MessageHandle): PostedMessage {
    const { serverId, channelId, messageId } = handle;
    return {
      id: messageId,
      handle,
      edit: async (msg) => {
        const item: MailboxItem = { messageId, msg };
        await this.redis.rpush(mailboxKey(serverId, channelId), JSON.stringify(encodeValue(item)));
      },
      // nothing to delete: the message went with its front end
      delete: async () => undefined,
    };
  }

  /** everything left for this channel, oldest first; taken by one caller only */
  async take(serverId: string, channelId: string): Promise<MailboxItem[]> {
    const key = mailboxKey(serverId, channelId);
    const res = await this.redis.multi().lrange(key, 0, -1).del(key).exec();
    const raw = (res?.[0]?.[1] ?? []) as string[];
    return raw.map((r) => decodeValue(JSON.parse(r)) as MailboxItem);
  }
}
