// OutgoingMessage → the message options discord.js sends (content, files, button rows, ephemeral flag).
import { ActionRowBuilder, AttachmentBuilder, ButtonBuilder, ButtonStyle, MessageFlags, type MessageMentionOptions } from 'discord.js';
import type { ButtonSpec, OutgoingMessage } from '../../core/platform.js';

const CONTENT_MAX = 2000;
const LABEL_MAX = 80;

const STYLES: Record<NonNullable<ButtonSpec['style']>, ButtonStyle> = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  success: ButtonStyle.Success,
  danger: ButtonStyle.Danger,
};

/** The message body as Discord accepts it: never empty, never past 2,000 characters. */
function discordContent(text: string): string {
  // the core's markup (**bold**, *italic*, `code`) is Discord markdown already
  if (!text.trim()) return '\u200b';
  return text.length <= CONTENT_MAX ? text : `${text.slice(0, CONTENT_MAX - 1)}…`;
}

function buttonRows(rows: ButtonSpec[][] = []): ActionRowBuilder<ButtonBuilder>[] {
  return rows
    .filter((row) => row.length > 0)
    .slice(0, 5)
    .map((row) =>
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        row.slice(0, 5).map((b) => {
          const button = new ButtonBuilder()
            .setCustomId(b.id)
            .setStyle(STYLES[b.style ?? 'secondary'])
            .setDisabled(b.disabled ?? false);
          if (b.label) button.setLabel(b.label.length <= LABEL_MAX ? b.label : `${b.label.slice(0, LABEL_MAX - 1)}…`);
          if (b.emoji) button.setEmoji(b.emoji);
          return button;
        }),
      ),
    );
}

export interface DiscordBody {
  content: string;
  files?: AttachmentBuilder[];
  components: ActionRowBuilder<ButtonBuilder>[];
  allowedMentions: MessageMentionOptions;
}

/** Content, files and button rows of a new message. */
export function messageBody(msg: OutgoingMessage): DiscordBody {
  const body: DiscordBody = {
    content: discordContent(msg.text),
    components: buttonRows(msg.buttons),
    // prompts are user text: never let them ping @everyone, roles or users
    allowedMentions: { parse: [] },
  };
  if (msg.files?.length) {
    body.files = msg.files.map((f) => {
      const builder = new AttachmentBuilder(f.data, { name: f.name });
      if (f.description) builder.setDescription(f.description.slice(0, 1024));
      return builder;
    });
  }
  return body;
}

/**
 * An edit with files replaces the message's files (`attachments: []` drops the old ones; discord.js appends the
 * new uploads); an edit without files leaves the posted files in place (no `attachments` field is sent).
 * Components are always sent, so removed buttons disappear.
 */
export function editBody(msg: OutgoingMessage): DiscordBody & { attachments?: [] } {
  const body = messageBody(msg);
  return body.files ? { ...body, attachments: [] } : body;
}

/** Flags for a new message (ephemeral is fixed when a message is created, not on edit). */
export function messageFlags(msg: OutgoingMessage): number | undefined {
  return msg.private ? MessageFlags.Ephemeral : undefined;
}
