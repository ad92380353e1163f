// A message another front end posted, reopened from its handle (channel and message id) to deliver a job that
// front end could not finish (it died): edited through the channel's REST route, which needs no interaction
// token (tokens stay out of Redis, and would have expired after 15 minutes anyway).
import type { Client } from 'discord.js';
import type { MessageHandle, PostedMessage } from '../../core/platform.js';
import { editBody } from './outgoing.js';
import { DEFAULT_UPLOAD_LIMIT, fittedForUpload } from './responder.js';

export function reopenMessage(client: Client, handle: MessageHandle): PostedMessage {
  const { channelId, messageId } = handle;
  const messages = async () => {
    const channel = await client.channels.fetch(channelId);
    if (!channel?.isTextBased()) throw new Error(`channel ${channelId} is not a text channel`);
    return channel.messages;
  };
  return {
    id: messageId,
    handle,
    edit: async (msg) => {
      await (await messages()).edit(messageId, editBody(await fittedForUpload(msg, DEFAULT_UPLOAD_LIMIT)));
    },
    delete: async () => (await messages()).delete(messageId),
  };
}
