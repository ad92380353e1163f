// Raw INTERACTION_CREATE payloads as Discord's gateway sends them (API v10), for the fake gateway to dispatch.
import { APP_ID, CHANNEL_ID, GUILD_ID, snowflake } from './fake-discord.js';

export const USER_ID = '100000000000000010';
/** ManageGuild = 1 << 5 */
export const MANAGE_GUILD = '32';

export interface PayloadOptions {
  /** how old the interaction is (its id carries the time) */
  ageMs?: number;
  /** the member's resolved permissions in the channel, as Discord sends them */
  permissions?: string;
  /** the upload limit Discord states for this interaction (10 MiB for a server without boosts) */
  attachmentSizeLimit?: number;
}

let tokenCounter = 0;

function base(type: number, data: unknown, o: PayloadOptions = {}): any {
  return {
    id: snowflake(o.ageMs ?? 0),
    application_id: APP_ID,
    type,
    data,
    guild_id: GUILD_ID,
    channel_id: CHANNEL_ID,
    channel: { id: CHANNEL_ID, type: 0, guild_id: GUILD_ID, name: 'general' },
    member: {
      user: { id: USER_ID, username: 'ada', discriminator: '0', global_name: 'Ada', avatar: null },
      roles: [],
      permissions: o.permissions ?? '0',
      joined_at: new Date().toISOString(),
      deaf: false,
      mute: false,
      nick: null,
      flags: 0,
    },
    token: `interaction-token-${++tokenCounter}-${'x'.repeat(40)}`,
    version: 1,
    app_permissions: '0',
    attachment_size_limit: o.attachmentSizeLimit ?? 10 * 1024 * 1024,
    locale: 'en-US',
    guild_locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': GUILD_ID },
    context: 0,
  };
}

export interface AttachmentJSON {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
  width?: number;
  height?: number;
}

export function attachmentJSON(a: Omit<AttachmentJSON, 'id' | 'proxy_url'> & { id?: string }): AttachmentJSON {
  return { id: a.id ?? snowflake(), proxy_url: a.url, ...a } as AttachmentJSON;
}

/** /name with options: [{name, type, value}] (type 11 attachments refer to resolved.attachments by id) */
export function slashCommand(name: string, options: any[] = [], attachments: AttachmentJSON[] = [], o?: PayloadOptions): any {
  const resolved = attachments.length ? { attachments: Object.fromEntries(attachments.map((a) => [a.id, a])) } : undefined;
  return base(2, { id: snowflake(), name, type: 1, options, ...(resolved ? { resolved } : {}) }, o);
}

/** APPLICATION_COMMAND_AUTOCOMPLETE (type 4): the options typed so far, the one being typed marked focused */
export function autocomplete(name: string, options: any[], o?: PayloadOptions): any {
  return base(4, { id: snowflake(), name, type: 1, options }, o);
}

export function messageJSON(attachments: AttachmentJSON[] = [], content = 'look at this'): any {
  return {
    id: snowflake(),
    channel_id: CHANNEL_ID,
    type: 0,
    content,
    author: { id: USER_ID, username: 'ada', discriminator: '0', global_name: 'Ada', avatar: null },
    attachments,
    embeds: [],
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    pinned: false,
    tts: false,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    flags: 0,
    components: [],
  };
}

/** a message context-menu command ("Stylize") on a message */
export function messageCommand(name: string, target: any, o?: PayloadOptions): any {
  return base(2, { id: snowflake(), name, type: 3, target_id: target.id, resolved: { messages: { [target.id]: target } } }, o);
}

export function buttonPress(customId: string, message: any, o?: PayloadOptions): any {
  return { ...base(3, { custom_id: customId, component_type: 2 }, o), message };
}

/**
 * A modal submit with text inputs and file uploads, in the label layout, as Discord sends it: every field of
 * the form is present, an empty text input as `value: ""` and an empty upload as `values: []`.
 */
export function modalSubmit(
  customId: string,
  texts: Record<string, string>,
  uploads: Record<string, AttachmentJSON[]> = {},
  o?: PayloadOptions,
): any {
  let n = 0;
  const components = [
    ...Object.entries(texts).map(([id, value]) => ({ type: 18, id: ++n, component: { type: 4, id: ++n, custom_id: id, value } })),
    ...Object.entries(uploads).map(([id, files]) => ({
      type: 18,
      id: ++n,
      component: { type: 19, id: ++n, custom_id: id, values: files.map((f) => f.id) },
    })),
  ];
  const all = Object.values(uploads).flat();
  // an empty upload field is sent as `values: []`, and `resolved` is left out when nothing was uploaded
  const resolved = all.length ? { attachments: Object.fromEntries(all.map((a) => [a.id, a])) } : undefined;
  return base(5, { custom_id: customId, components, ...(resolved ? { resolved } : {}) }, o);
}
