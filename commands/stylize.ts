// Stylize: a picture re-drawn in a domain — a saved domain, a text target, or a reference picture (one-shot).
// Two ways in: the message command "Stylize" on a message with a picture (a form asks for the domain), and
// `/stylize image: reference: domain: target:`.
import type { Command } from '../src/core/command.js';
import { makeId, optAttachment, optNumber, optString } from '../src/core/command.js';
import { checkField, FieldError, UserError, type Attachment, type CommandContext, type OptionSpec } from '../src/core/platform.js';
import { checkAttachmentMeta, checkPrompt, fetchPicture } from '../src/core/limits.js';
import { OPTION_RANGES, PROMPT_MAX_LENGTH, rangeOption } from '../src/core/options.js';
import { base64ToFloats, shortId } from '../src/core/encoding.js';
import type { BotServices } from '../src/core/services.js';
import { findSaved } from './domains.js';
import { postPhotoResult } from './photo.js';

const options: OptionSpec[] = [
  { name: 'image', description: 'the picture to re-draw', type: 'attachment', required: true },
  { name: 'domain', description: 'a saved domain (see /domains gallery)', type: 'string', maxLength: 32, complete: 'saved-domain' },
  { name: 'target', description: 'a text target, e.g. "a marble statue"', type: 'string', maxLength: PROMPT_MAX_LENGTH },
  { name: 'reference', description: 'a reference picture whose domain to copy', type: 'attachment' },
  rangeOption('strength', 'number', 'how far to go', OPTION_RANGES.strength),
];

/** Pictures of messages acted on, waiting for their form to come back (the form id cannot hold a file). */
const PENDING_TTL_MS = 15 * 60 * 1000;
const pending = new Map<string, { picture: Attachment; userId: string; expires: number }>();

function remember(picture: Attachment, userId: string): string {
  const now = Date.now();
  for (const [k, v] of pending) if (v.expires < now) pending.delete(k);
  const token = shortId();
  pending.set(token, { picture, userId, expires: now + PENDING_TTL_MS });
  return token;
}

interface Condition {
  domain?: string;
  target?: string;
  reference?: Attachment;
}

async function stylize(ctx: CommandContext, services: BotServices, picture: Attachment, cond: Condition, strength: number): Promise<void> {
  const given = [cond.domain, cond.target, cond.reference].filter((v) => v !== undefined).length;
  // each failed check names its field, so that a form shows it beside that field (commands: an ordinary answer)
  if (given !== 1) throw new FieldError('domain', 'Give exactly one of: a saved `domain`, a text `target`, or a `reference` picture.');
  const settings = await services.stores.getSettings(ctx.place.serverId);
  const target = cond.target
    ? await checkField('target', () => checkPrompt(cond.target!, services.limits, settings.blocklist, 'The target'))
    : undefined;
  const saved = cond.domain ? await checkField('domain', () => findSaved(ctx, services, cond.domain!)) : undefined;
  // every check, and both downloads, before the job is queued
  const photo = await fetchPicture(picture, services.limits);
  const reference = cond.reference ? await checkField('reference', () => fetchPicture(cond.reference!, services.limits)) : undefined;
  const engine = saved ? services.engines.get(saved.pack) : await services.engineFor(ctx.place.serverId);
  if (!engine) throw new UserError(`\`${saved!.name}\` was made with the pack \`${saved!.pack}\`, which is not loaded.`);
  const prompt = saved ? `${saved.name} (${saved.prompt})` : (target ?? `the style of ${cond.reference!.name}`);
  await postPhotoResult(ctx, services, engine, {
    kind: 'stylize',
    description: `stylize as ${prompt}`,
    prompt,
    photo,
    strength,
    domain: saved ? { vector: base64ToFloats(saved.domain) } : target ? { text: target } : { image: reference! },
  });
}

function firstText(v: string | Attachment[] | undefined): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

export const stylizeMessageCommand: Command = {
  spec: { name: 'stylize-message', label: 'Stylize', description: 'Re-draw the picture of this message in a domain', kind: 'message' },
  wantsModal: () => true,

  async run(ctx, inv, services) {
    const picture = inv.target?.attachments.find((a) => !a.contentType || a.contentType.startsWith('image/'));
    if (!picture) throw new UserError('That message has no picture to stylize.');
    // what can be known without downloading (type, size, pixels) is checked before the form, not after it
    checkAttachmentMeta(picture, services.limits);
    if (!ctx.openModal) throw new UserError('This platform cannot show the form; use `/stylize image:` instead.');
    const token = remember(picture, ctx.actor.id);
    await ctx.openModal({
      id: makeId('stylize-message', 'go', token),
      title: 'Stylize this picture',
      fields: [
        { id: 'domain', label: 'A saved domain', kind: 'text', placeholder: 'e.g. pixar-faces', maxLength: 32, complete: 'saved-domain' },
        { id: 'target', label: 'Or a text target', kind: 'text', placeholder: 'e.g. a marble statue', maxLength: PROMPT_MAX_LENGTH },
        { id: 'reference', label: 'Or a reference picture', kind: 'attachment' },
      ],
    });
  },

  async onModal(ctx, args, values, services) {
    const [action, token] = args;
    const entry = action === 'go' && token ? pending.get(token) : undefined;
    if (!entry || entry.expires < Date.now()) throw new UserError('This form has expired; use Stylize on the message again.');
    if (entry.userId !== ctx.actor.id) throw new UserError('This form belongs to someone else.');
    pending.delete(token);
    const refs = Array.isArray(values.reference) ? values.reference : [];
    try {
      await stylize(
        ctx,
        services,
        entry.picture,
        { domain: firstText(values.domain), target: firstText(values.target), reference: refs[0] },
        1,
      );
    } catch (e) {
      // a form kept open beside its field's error is sent again: it still needs its picture
      if (e instanceof FieldError) pending.set(token, entry);
      throw e;
    }
  },
};

export const stylizeCommand: Command = {
  spec: {
    name: 'stylize',
    description: 'Re-draw a picture in a saved domain, a text target, or a reference picture’s domain',
    kind: 'slash',
    options,
    freeText: ['target'],
  },

  async run(ctx, inv, services) {
    const cond = { domain: optString(inv, 'domain'), target: optString(inv, 'target'), reference: optAttachment(inv, 'reference') };
    await stylize(ctx, services, optAttachment(inv, 'image')!, cond, optNumber(inv, 'strength')!);
  },
};
