// Per-server settings that managers change with /settings.

export type Permission = 'everyone' | 'managers';

export interface ServerSettings {
  /** pack name (pack.json `name`) used on this server; null: the bot's default pack */
  defaultPack: string | null;
  /** channel ids where the bot answers; empty: everywhere */
  allowedChannels: string[];
  /** jobs one user may have queued or running at once */
  userJobCap: number;
  /** jobs one server may have queued or running at once */
  serverJobCap: number;
  /** lower-case words; a prompt containing one (as a word) is refused */
  blocklist: string[];
  /** who may save domains */
  saveDomains: Permission;
  /** who may delete domains and results (owners may always delete their own) */
  deleteOthers: Permission;
}

export function defaultSettings(): ServerSettings {
  return {
    defaultPack: null,
    allowedChannels: [],
    userJobCap: 3,
    serverJobCap: 10,
    blocklist: [],
    saveDomains: 'everyone',
    deleteOthers: 'managers',
  };
}
