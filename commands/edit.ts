// /edit: text-guided manipulation inside a domain (StyleCLIP global directions): a picture, an earlier result
// (by id), or the latest result in the channel, moved toward a text ("smiling", "blond hair").
import type { Command } from '../src/core/command.js';
import { optAttachment, optNumber, optString } from '../src/core/command.js';
import { UserError, type OptionSpec } from '../src/core/platform.js';
import { checkPrompt, fetchPicture } from '../src/core/limits.js';
import { OPTION_RANGES, PROMPT_MAX_LENGTH, rangeOption } from '../src/core/options.js';
import type { PackManifest } from '../src/engine/manifest.js';
import { alphaPerEditStrength } from '../src/engine/styleclip.js';
import { postResult } from './shared.js';
import { postPhotoResult } from './photo.js';

const options: OptionSpec[] = [
  {
    name: 'text',
    description: 'what to change toward: "smiling", "blond hair"',
    type: 'string',
    required: true,
    maxLength: PROMPT_MAX_LENGTH,
  },
  { name: 'image', description: 'a picture to edit', type: 'attachment' },
  { name: 'result', description: 'the id of an earlier result (default: the latest in this channel)', type: 'string', maxLength: 16 },
  rangeOption('strength', 'number', 'how far (negative goes the other way)', OPTION_RANGES.editStrength),
  {
    name: 'neutral',
    description: "what the text is relative to (default: the pack's description)",
    type: 'string',
    maxLength: PROMPT_MAX_LENGTH,
  },
];

export const editCommand: Command = {
  spec: {
    name: 'edit',
    description: 'Change a picture or a result with text ("smiling", "blond hair")',
    kind: 'slash',
    options,
  },

  async run(ctx, inv, services) {
    const settings = await services.stores.getSettings(ctx.place.serverId);
    const text = checkPrompt(optString(inv, 'text') ?? '', services.limits, settings.blocklist, 'The edit text');
    const neutralText = optString(inv, 'neutral');
    const neutral = neutralText ? checkPrompt(neutralText, services.limits, settings.blocklist, 'The neutral text') : undefined;
    // strength on the common scale (1 the standard edit) → the StyleCLIP α of the pack the edit runs on
    const strength = optNumber(inv, 'strength')!;
    const editOn = (manifest: PackManifest) => ({ text, neutral, amount: strength * alphaPerEditStrength(manifest) });
    const image = optAttachment(inv, 'image');
    const resultId = optString(inv, 'result');
    if (image && resultId) throw new UserError('Edit either a picture or a result, not both.');

    if (image) {
      const photo = await fetchPicture(image, services.limits);
      const engine = await services.engineFor(ctx.place.serverId);
      await postPhotoResult(ctx, services, engine, {
        kind: 'edit',
        description: `/edit ${text}`,
        prompt: `edit: ${text}`,
        photo,
        strength: 1,
        edit: editOn(engine.manifest),
      });
      return;
    }

    const base = resultId
      ? await services.stores.getResult(ctx.place.serverId, resultId)
      : await services.stores.latestResult(ctx.place.serverId, ctx.place.channelId);
    if (!base)
      throw new UserError(
        resultId
          ? `There is no result \`${resultId}\` on this server.`
          : 'There is no result in this channel yet: give a picture (`image`) or a result id.',
      );
    if (!base.ws && !base.seeds.length)
      throw new UserError('That result cannot be re-rendered; edit the photo itself with `/edit image:`.');
    const engine = services.engines.get(base.pack);
    if (!engine) throw new UserError(`That result was made with the pack \`${base.pack}\`, which is not loaded.`);
    // edits stack: the job adds the new direction to the result's own offset
    await postResult(ctx, services, engine, `/edit ${text} on ${base.id}`, {
      fields: {
        kind: 'edit',
        prompt: `${base.prompt} + ${text}`,
        seeds: base.seeds,
        ws: base.ws,
        strength: base.strength,
        domain: base.domain,
        domainId: base.domainId,
        nadaDomain: base.nadaDomain,
        styleDelta: base.styleDelta,
      },
      addEdit: editOn(engine.manifest),
    });
  },
};
