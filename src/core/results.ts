// A result is a domain shown on samples: stored (so buttons can re-render, vary, morph, save and vote on it),
// rendered as a before/after grid, and posted with the same buttons whichever command made it.
import type { Engine, SampleSource } from '../engine/types.js';
import { animate, beforeAfter, encodePng, grid } from '../engine/images.js';
import type { ButtonSpec, OutgoingMessage } from './platform.js';
import { UserError } from './platform.js';
import type { ResultRecord, VoteTally } from './stores.js';
import { base64ToFloats } from './encoding.js';
import { makeId } from './command.js';
import { withTextChunks } from './png-text.js';
import { renderKey, type PictureCache } from './picture-cache.js';
import type { BotServices } from './services.js';
import type { JobControl } from './jobs.js';

/** Button ids of results are routed to the adapt command, which handles them for every kind of result. */
export const RESULT_COMMAND = 'adapt';

export function sampleSource(engine: Engine, rec: ResultRecord): SampleSource {
  if (rec.ws) {
    const ws = base64ToFloats(rec.ws);
    return { ws, n: ws.length / (engine.manifest.numWs * engine.manifest.latentDim) };
  }
  if (rec.z) {
    const z = base64ToFloats(rec.z);
    return { z, n: z.length / engine.manifest.latentDim };
  }
  return { seeds: rec.seeds };
}

/** How many samples a result shows (0: a result that cannot be re-rendered). */
export function sampleCount(rec: ResultRecord, latentDim: number): number {
  if (rec.ws) return 1;
  if (rec.z) return base64ToFloats(rec.z).length / latentDim;
  return rec.seeds.length;
}

/** The per-sample actions (variations, larger, as a reference) cover the first samples of a grid, a row each. */
const PER_SAMPLE_MAX = 5;

/** Size of a "larger" render's tiles: at least 512 px, the pack's own resolution when it is more. */
function largeCell(resolution: number): number {
  return Math.max(512, resolution);
}

function label(text: string, max = 28): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Before (top row) and after (bottom row) of the same samples. Before is the unchanged generator, or for an
 * edit the domain without the edit; it depends only on the pack, the samples, ψ and that domain, so it is taken
 * from `pictures` when an earlier render drew it (the strength buttons, a repeated seed, an /edit of a result).
 */
export async function renderResult(engine: Engine, rec: ResultRecord, job?: JobControl, pictures?: PictureCache): Promise<Buffer> {
  const samples = sampleSource(engine, rec);
  const domain = rec.domain ? base64ToFloats(rec.domain) : undefined;
  const styleDelta = rec.styleDelta ? base64ToFloats(rec.styleDelta) : undefined;
  job?.progress(0.4, 'rendering the originals');
  const beforeRequest = styleDelta ? { samples, domain, strength: rec.strength, nadaDomain: rec.nadaDomain } : { samples };
  const drawBefore = () => engine.generate(beforeRequest);
  const before = pictures ? await pictures.through(renderKey(engine, beforeRequest), drawBefore) : await drawBefore();
  job?.throwIfCancelled();
  job?.progress(0.7, 'rendering the new domain');
  // a render without a style edit is cached too: it is the "before" row of an /edit of this result
  const afterRequest = { samples, domain, strength: rec.strength, nadaDomain: rec.nadaDomain };
  const drawAfter = () => engine.generate({ ...afterRequest, styleDelta });
  const after = pictures && !styleDelta ? await pictures.through(renderKey(engine, afterRequest), drawAfter) : await drawAfter();
  job?.progress(0.95, 'drawing the grid');
  const labels: [string, string] = [styleDelta ? 'before edit' : 'before', label(rec.prompt)];
  const picture = rec.large
    ? await grid([before.images, after.images], { rowLabels: labels, cell: largeCell(engine.manifest.resolution) })
    : await beforeAfter(before.images, after.images, labels);
  return encodePng(picture);
}

/** The domain fading in, from the unchanged generator to the result's strength, as an animated WebP (or GIF). */
export async function renderMorph(
  engine: Engine,
  rec: ResultRecord,
  format: 'webp' | 'gif',
  job?: JobControl,
  frames = 10,
): Promise<Buffer> {
  const domain = rec.domain ? base64ToFloats(rec.domain) : undefined;
  const styleDelta = rec.styleDelta ? base64ToFloats(rec.styleDelta) : undefined;
  if (!domain && !styleDelta && !rec.nadaDomain) throw new UserError('This result has no domain to morph into.');
  const src = sampleSource(engine, rec);
  // at most four samples a frame keeps the file small
  const samples: SampleSource = 'seeds' in src ? { seeds: src.seeds.slice(0, 4) } : src;
  const pictures = [];
  for (let i = 0; i < frames; i++) {
    const t = i / (frames - 1);
    const delta = styleDelta ? styleDelta.map((x) => x * t) : undefined;
    const { images } = await engine.generate({
      samples,
      domain,
      strength: domain ? rec.strength * t : undefined,
      styleDelta: delta,
      nadaDomain: rec.nadaDomain,
    });
    pictures.push(await grid([images.slice(0, 4)], { gap: 2 }));
    job?.throwIfCancelled();
    job?.progress((i + 1) / frames, 'rendering frames');
  }
  // hold the last frame: a short pause before the loop restarts
  pictures.push(pictures[pictures.length - 1], pictures[pictures.length - 1]);
  return animate(pictures, format, 140);
}

/** What votes on a result count toward: its domain (shared by every result and saved domain with that vector). */
export function voteKey(rec: ResultRecord): string {
  return rec.domainId ?? `result-${rec.id}`;
}

/** How a result was made, as stored in its PNG's text chunks and shown by its Info button. */
function resultParameters(rec: ResultRecord, engine?: Engine): Record<string, string> {
  const params: Record<string, string> = {
    Software: 'DomainShift',
    Kind: rec.kind,
    Prompt: rec.prompt,
    Strength: String(rec.strength),
    Pack: rec.pack,
  };
  if (rec.seeds.length) params.Seeds = rec.seeds.length > 1 ? `${rec.seeds[0]}-${rec.seeds[rec.seeds.length - 1]}` : String(rec.seeds[0]);
  if (rec.domainId) params.Domain = rec.domainId;
  if (engine?.manifest.randomWeights) params.Weights = 'random (a demo or test pack: the pictures do not follow the prompt)';
  return params;
}

/** A result picture carrying its parameters (PNG iTXt chunks). */
export function describedPng(png: Buffer, rec: ResultRecord, engine?: Engine): Buffer {
  return withTextChunks(png, resultParameters(rec, engine));
}

/** The Info button's answer: every parameter, one a line. */
export function resultInfoText(rec: ResultRecord, engine?: Engine): string {
  const lines = Object.entries(resultParameters(rec, engine))
    .filter(([k]) => k !== 'Software')
    .map(([k, v]) => `${k.toLowerCase()}: \`${v}\``);
  return [`**Result \`${rec.id}\`**`, ...lines, '(the PNG file carries the same in its text chunks)'].join('\n');
}

function resultText(rec: ResultRecord, note?: string, engine?: Engine): string {
  const what = rec.kind === 'edit' ? 'Edit' : rec.kind === 'stylize' ? 'Stylized' : rec.kind === 'blend' ? 'Blend' : 'Domain';
  const seeds =
    rec.ws || !rec.seeds.length
      ? ''
      : rec.seeds.length === 1
        ? ` · seed ${rec.seeds[0]}`
        : ` · seeds ${rec.seeds[0]}–${rec.seeds[rec.seeds.length - 1]}`;
  const lines = [`**${what}:** ${rec.prompt}`, `strength ${rec.strength}${seeds} · result \`${rec.id}\` · by <@${rec.ownerId}>`];
  if (note) lines.push(note);
  if (engine?.manifest.randomWeights)
    lines.push(`⚠️ pack \`${rec.pack}\` has random weights: these pictures are abstract and do not follow the prompt.`);
  return lines.join('\n');
}

function resultButtons(rec: ResultRecord, tally: VoteTally, samples = rec.seeds.length): ButtonSpec[][] {
  const id = (action: string, ...args: Array<string | number>) => makeId(RESULT_COMMAND, action, rec.id, ...args);
  const first: ButtonSpec[] = [];
  // a photo result re-renders from its inverted W+ (no other samples); one without either only has save, votes, delete
  const renderable = Boolean(rec.ws) || Boolean(rec.z) || rec.seeds.length > 0;
  if (!rec.ws && !rec.z && renderable) first.push({ id: id('more'), label: 'More samples', emoji: '🎲' });
  if (renderable)
    first.push(
      { id: id('str', 'down'), label: 'Strength −', disabled: rec.strength <= 0 },
      { id: id('str', 'up'), label: 'Strength +', disabled: rec.strength >= 2 },
      { id: id('morph'), label: 'Morph', emoji: '🎞️' },
    );
  if (rec.domain) first.push({ id: id('save'), label: 'Save', emoji: '💾', style: 'primary' });
  const votes: ButtonSpec[] = [
    { id: id('vote', 'up'), label: String(tally.up), emoji: '👍', style: 'success' },
    { id: id('vote', 'down'), label: String(tally.down), emoji: '👎' },
    { id: id('info'), label: 'Info', emoji: 'ℹ️' },
    { id: id('delete'), label: 'Delete', emoji: '🗑️', style: 'danger' },
  ];
  // a text prompt can be re-opened in a form (remix); a photo's cannot
  if (rec.kind === 'adapt') votes.splice(2, 0, { id: id('remix'), label: 'Remix', emoji: '🎨' });
  const rows = first.length ? [first, votes] : [votes];
  return [...rows, ...perSampleRows(rec, samples, id)];
}

/** Variations (V), a larger render (U) and "use as reference" (R) of one sample: Midjourney's grid buttons. */
function perSampleRows(
  rec: ResultRecord,
  samples: number,
  id: (action: string, ...args: Array<string | number>) => string,
): ButtonSpec[][] {
  if (rec.ws || samples < 1) return [];
  if (samples === 1 || rec.large) {
    return [
      [
        { id: id('vary', 0), label: 'Variations', emoji: '🔀' },
        ...(rec.large ? [] : [{ id: id('big', 0), label: 'Larger', emoji: '🔍' }]),
        { id: id('ref', 0), label: 'Use as reference', emoji: '🖼️' },
      ],
    ];
  }
  const n = Math.min(samples, PER_SAMPLE_MAX);
  const row = (action: string, letter: string) => Array.from({ length: n }, (_, i) => ({ id: id(action, i), label: `${letter}${i + 1}` }));
  return [row('vary', 'V'), row('big', 'U'), row('ref', 'R')];
}

/** The result as a message, its picture attached (omit the picture for edits that only change text or tallies). */
export async function resultMessage(services: BotServices, rec: ResultRecord, png?: Buffer, note?: string): Promise<OutgoingMessage> {
  const tally = await services.stores.tally(rec.serverId, voteKey(rec));
  const engine = services.engines.get(rec.pack);
  return {
    text: resultText(rec, note, engine),
    files: png
      ? [
          {
            name: `domainshift-${rec.id}.png`,
            data: describedPng(png, rec, engine),
            contentType: 'image/png',
            description: `before and after: ${rec.prompt}`,
          },
        ]
      : undefined,
    buttons: resultButtons(rec, tally, engine ? sampleCount(rec, engine.manifest.latentDim) : rec.seeds.length),
  };
}
