// A Bot built from the platform.ts types, standing on the platform-neutral side of the contract: each test
// scripts what its commands do (reply, edit, download) and the adapter under test translates it to Discord.
import type { Bot, CommandContext, CommandSpec, Invocation, ModalValues } from '../../../src/core/platform.js';

export const testSpecs: CommandSpec[] = [
  {
    name: 'adapt',
    description: 'A new domain from text',
    kind: 'slash',
    options: [
      { name: 'strength', description: 'how far', type: 'number', min: 0, max: 2 },
      { name: 'prompt', description: 'source → target', type: 'string', required: true, maxLength: 200 },
      { name: 'image', description: 'a picture', type: 'attachment' },
    ],
  },
  {
    name: 'domains',
    description: 'Saved domains',
    kind: 'slash',
    subcommands: [
      { name: 'gallery', description: 'top domains' },
      { name: 'delete', description: 'delete one', options: [{ name: 'name', description: 'which', type: 'string', required: true }] },
    ],
  },
  { name: 'settings', description: 'Server settings', kind: 'slash', managersOnly: true },
  { name: 'stylize', description: 'Stylize a picture', kind: 'message', label: 'Stylize' },
];

export interface Call {
  kind: 'command' | 'button' | 'modal';
  ctx: CommandContext;
  inv?: Invocation;
  id?: string;
  values?: ModalValues;
}

type Script<A extends unknown[]> = (ctx: CommandContext, ...args: A) => Promise<void>;

export class ScriptedBot implements Bot {
  readonly calls: Call[] = [];
  specs = testSpecs;
  onCommand!: Script<[Invocation]>;
  onButton!: Script<[string]>;
  onModal!: Script<[string, ModalValues]>;
  modalFor!: (inv: Invocation) => boolean;

  constructor() {
    this.reset();
  }

  /** back to plain answers, between tests */
  reset(): void {
    this.calls.length = 0;
    this.onCommand = async (ctx) => void (await ctx.reply({ text: 'ok' }));
    this.onButton = async (ctx) => void (await ctx.reply({ text: 'pressed' }));
    this.onModal = async (ctx) => void (await ctx.reply({ text: 'submitted' }));
    this.modalFor = () => false;
  }

  wantsModal(inv: Invocation): boolean {
    return this.modalFor(inv);
  }
  async handleCommand(ctx: CommandContext, inv: Invocation): Promise<void> {
    this.calls.push({ kind: 'command', ctx, inv });
    await this.onCommand(ctx, inv);
  }
  async handleButton(ctx: CommandContext, id: string): Promise<void> {
    this.calls.push({ kind: 'button', ctx, id });
    await this.onButton(ctx, id);
  }
  async handleModal(ctx: CommandContext, id: string, values: ModalValues): Promise<void> {
    this.calls.push({ kind: 'modal', ctx, id, values });
    await this.onModal(ctx, id, values);
  }
}
