// What users of image bots expect from a result grid, one sample at a time: variations around that sample
// (V), the sample alone and larger (U), the sample as the reference picture of a Stylize (R); and Remix, the
// result's prompt re-opened in a form. Every new picture goes through postResult / postPhotoResult like any other.
import { makeId } from '../src/core/command.js';
import { base64ToFloats, floatsToBase64 } from '../src/core/encoding.js';
import { fetchPicture } from '../src/core/limits.js';
import { OPTION_RANGES, PROMPT_MAX_LENGTH } from '../src/core/options.js';
import { checkField, UserError, type CommandContext, type ModalSpec, type ModalValues } from '../src/core/platform.js';
import { RESULT_COMMAND, sampleCount } from '../src/core/results.js';
import type { BotServices } from '../src/core/services.js';
import type { ResultRecord } from '../src/core/stores.js';
import { gaussian, zFromSeeds } from '../src/engine/latents.js';
import type { Engine } from '../src/engine/types.js';
import { postPhotoResult } from './photo.js';
import { postResult } from './shared.js';

/** How far a variation strays from its sample: z = cos θ·z₀ + sin θ·g (θ = 0.5 keeps 77 % of z₀'s variance). */
const VARIATION_ANGLE = 0.5;
const VARIATIONS = 4;

/** The z latent of one sample of a result (seeded or already a variation). */
function sampleZ(engine: Engine, rec: ResultRecord, index: number): Float32Array {
  const dim = engine.manifest.latentDim;
  if (rec.z) return base64ToFloats(rec.z).slice(index * dim, (index + 1) * dim);
  return zFromSeeds([rec.seeds[index]], dim);
}

/** Variations of z₀: the same for the same sample (their noise is seeded by it), different from sample to sample. */
function variationsOf(z0: Float32Array, count: number, noiseSeed: number): Float32Array {
  const dim = z0.length;
  const out = new Float32Array(count * dim);
  for (let k = 0; k < count; k++) {
    const g = gaussian((noiseSeed + 7919 * (k + 1)) >>> 0, dim);
    for (let i = 0; i < dim; i++) out[k * dim + i] = Math.cos(VARIATION_ANGLE) * z0[i] + Math.sin(VARIATION_ANGLE) * g[i];
  }
  return out;
}

function noiseSeedOf(z0: Float32Array): number {
  let h = 2166136261;
  for (const v of new Uint8Array(z0.buffer, z0.byteOffset, z0.byteLength)) h = Math.imul(h ^ v, 16777619) >>> 0;
  return h;
}

function checkIndex(engine: Engine, rec: ResultRecord, arg: string | undefined): number {
  const index = Number(arg);
  if (rec.ws || !Number.isInteger(index) || index < 0 || index >= sampleCount(rec, engine.manifest.latentDim))
    throw new UserError('This button no longer works.');
  return index;
}

/** The fields a picture derived from a result keeps (its domain, edit and pack), without its samples. */
function derivedFields(rec: ResultRecord) {
  return {
    kind: rec.kind,
    domain: rec.domain,
    domainId: rec.domainId,
    styleDelta: rec.styleDelta,
    nadaDomain: rec.nadaDomain,
    strength: rec.strength,
  };
}

export async function onSampleButton(
  ctx: CommandContext,
  action: string,
  rec: ResultRecord,
  arg: string | undefined,
  engine: Engine,
  services: BotServices,
): Promise<void> {
  const index = checkIndex(engine, rec, arg);
  const which = `sample ${index + 1} of ${rec.prompt}`;
  const z0 = sampleZ(engine, rec, index);
  switch (action) {
    case 'vary': {
      const z = variationsOf(z0, VARIATIONS, noiseSeedOf(z0));
      await postResult(ctx, services, engine, `variations of ${which}`, {
        fields: { ...derivedFields(rec), prompt: rec.prompt, seeds: [], z: floatsToBase64(z) },
      });
      return;
    }
    case 'big': {
      const one = rec.z ? { seeds: [], z: floatsToBase64(z0) } : { seeds: [rec.seeds[index]] };
      await postResult(ctx, services, engine, `${which}, larger`, {
        fields: { ...derivedFields(rec), prompt: rec.prompt, ...one, large: true },
      });
      return;
    }
    case 'ref': {
      if (!ctx.openModal)
        throw new UserError('This platform cannot show the form; save the picture and use `/stylize reference:` instead.');
      await ctx.openModal({
        id: makeId(RESULT_COMMAND, 'ref', rec.id, index),
        title: `Stylize like sample ${index + 1}`,
        fields: [{ id: 'image', label: 'The picture to re-draw (a face)', kind: 'attachment', required: true }],
      });
      return;
    }
  }
}

/** The "use as reference" form: the user's picture re-drawn with the sample's picture as the reference. */
export async function onReferenceModal(
  ctx: CommandContext,
  rec: ResultRecord,
  arg: string | undefined,
  values: ModalValues,
  engine: Engine,
  services: BotServices,
): Promise<void> {
  const index = checkIndex(engine, rec, arg);
  const picture = Array.isArray(values.image) ? values.image[0] : undefined;
  if (!picture) throw new UserError('The form needs a picture to re-draw.');
  const photo = await checkField('image', () => fetchPicture(picture, services.limits));
  const prompt = `the style of sample ${index + 1} of ${rec.prompt}`;
  const { messageId: _posted, ...sample } = rec;
  await postPhotoResult(ctx, services, engine, {
    kind: 'stylize',
    description: `stylize like ${prompt}`,
    prompt,
    photo,
    strength: 1,
    domain: { sample: { rec: sample, index } },
  });
}

/** Remix: the result's prompt, strength and seed in a form, to change and run again as /adapt. */
export function remixForm(rec: ResultRecord): ModalSpec {
  return {
    id: makeId(RESULT_COMMAND, 'remix', rec.id),
    title: 'Remix',
    fields: [
      { id: 'prompt', label: 'Prompt', kind: 'text', required: true, maxLength: PROMPT_MAX_LENGTH, value: rec.prompt },
      {
        id: 'strength',
        label: `Strength (${OPTION_RANGES.strength.min} to ${OPTION_RANGES.strength.max})`,
        kind: 'text',
        maxLength: 8,
        value: String(rec.strength),
      },
      {
        id: 'seed',
        label: 'First seed (empty: new samples)',
        kind: 'text',
        maxLength: 10,
        value: rec.seeds.length ? String(rec.seeds[0]) : '',
      },
    ],
  };
}
