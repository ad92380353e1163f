// The platform side in tests: a CommandContext that records every reply, edit and modal, like an adapter would
// deliver them. Not a fake of the code under test (the bot and commands run for real).
import type { Actor, CommandContext, ModalSpec, OutgoingMessage, Place, PostedMessage } from '../../src/core/platform.js';

/** a copy that keeps Buffers as Buffers (structuredClone would turn them into plain Uint8Arrays) */
function copy(m: OutgoingMessage): OutgoingMessage {
  return { ...m, files: m.files?.map((f) => ({ ...f })), buttons: m.buttons?.map((row) => row.map((b) => ({ ...b }))) };
}

export interface RecordedMessage {
  id: string;
  /** every version of the message, first the posted one, then each edit */
  versions: OutgoingMessage[];
  deleted: boolean;
  readonly latest: OutgoingMessage;
}

export class Recorder {
  messages: RecordedMessage[] = [];
  modals: ModalSpec[] = [];
  private next = 1;

  post(msg: OutgoingMessage): PostedMessage & { record: RecordedMessage } {
    const record: RecordedMessage = {
      id: `m${this.next++}`,
      versions: [copy(msg)],
      deleted: false,
      get latest() {
        return this.versions[this.versions.length - 1];
      },
    };
    this.messages.push(record);
    return {
      id: record.id,
      record,
      edit: async (m) => {
        record.versions.push(copy(m));
      },
      delete: async () => {
        record.deleted = true;
      },
    };
  }

  context(opts: { actor?: Partial<Actor>; place?: Partial<Place>; source?: RecordedMessage; modals?: boolean } = {}): CommandContext {
    const actor: Actor = { id: 'u1', name: 'Ada', isManager: false, ...opts.actor };
    const place: Place = { platform: 'playground', serverId: 's1', channelId: 'c1', ...opts.place };
    const source = opts.source;
    const ctx: CommandContext = {
      actor,
      place,
      reply: async (msg) => this.post(msg),
      source: source
        ? {
            id: source.id,
            edit: async (m) => {
              source.versions.push(copy(m));
            },
            delete: async () => {
              source.deleted = true;
            },
          }
        : undefined,
    };
    if (opts.modals !== false) ctx.openModal = async (m) => void this.modals.push(structuredClone(m));
    return ctx;
  }

  /** every button id on a message's latest version */
  static buttonIds(m: RecordedMessage): string[] {
    return (m.latest.buttons ?? []).flat().map((b) => b.id);
  }
}
