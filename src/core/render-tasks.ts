// The render work of every job, as data: a RenderTask names what to render and carries everything it needs
// (no closures), so the same task runs in this process (engine threads) or on a render worker elsewhere
// (BullMQ). runRenderTask is the one place that turns a task into pictures; commands only build tasks.
import type { DomainVector, Engine } from '../engine/types.js';
import { beforeAfter, encodePng, grid } from '../engine/images.js';
import type { EngineCache } from './cache.js';
import type { PictureCache } from './picture-cache.js';
import { base64ToFloats, domainId, floatsToBase64 } from './encoding.js';
import type { JobControl } from './jobs.js';
import { UserError } from './platform.js';
import { renderMorph, renderResult, sampleSource } from './results.js';
import type { ResultRecord } from './stores.js';

/** A result record before it is posted (its message id comes after). */
export type PendingRecord = Omit<ResultRecord, 'messageId'>;

export interface EditSpec {
  text: string;
  neutral?: string;
  amount: number;
}

export type RenderTask =
  /** a before/after grid; the domain from text or the edit direction are found inside the job */
  | { name: 'result'; pack: string; rec: PendingRecord; domainFromText?: { target: string; source?: string }; addEdit?: EditSpec }
  /** a photo re-drawn: faces found, aligned, inverted, re-rendered and pasted back */
  | {
      name: 'photo';
      pack: string;
      photo: Buffer;
      prompt: string;
      strength: number;
      /** sample: one sample of a result, drawn inside the job and used as the reference picture */
      domain?: { vector: Float32Array } | { text: string } | { image: Buffer } | { sample: { rec: PendingRecord; index: number } };
      edit?: EditSpec;
    }
  | { name: 'morph'; pack: string; rec: ResultRecord; format: 'webp' | 'gif' }
  | { name: 'evaluate'; pack: string; domain: Float32Array; target: string }
  | { name: 'gallery'; rows: Array<{ pack: string; domain: Float32Array; label: string }>; seeds: number[] };

export interface PhotoOutput {
  domain?: DomainVector;
  styleDelta?: Float32Array;
  ws: Float32Array;
  /** per face: the identity score and, where the engine gave one, why it is missing or how it was taken */
  faces: Array<{ identity: number | null; identityNote?: string }>;
  pairPng: Buffer;
  compositePng: Buffer;
}

export interface RenderOutputs {
  result: { rec: PendingRecord; png: Buffer };
  photo: PhotoOutput;
  morph: Buffer;
  evaluate: { semanticScore: number; diversity: number };
  gallery: Buffer;
}

export type OutputOf<T extends RenderTask> = RenderOutputs[T['name']];

/** What a task needs where it runs: the engines by pack name and the CLIP/domain cache. */
export interface RenderDeps {
  engines: Map<string, Engine>;
  cache: EngineCache;
  /** rendered "before" rows kept for re-renders (this process's; a worker keeps its own) */
  pictures?: PictureCache;
}

function engineOf(deps: RenderDeps, pack: string): Engine {
  const engine = deps.engines.get(pack);
  if (!engine) throw new UserError(`The pack \`${pack}\` is not loaded where this job ran.`);
  return engine;
}

async function editDelta(deps: RenderDeps, engine: Engine, edit: EditSpec, previous?: Float32Array): Promise<Float32Array> {
  const delta = Float32Array.from(await deps.cache.editDirection(engine, edit.text, edit.neutral, edit.amount));
  // edits stack: an edit of an edited result adds both offsets
  if (previous) for (let i = 0; i < delta.length; i++) delta[i] += previous[i];
  return delta;
}

/** One sample of a result as its picture (PNG), the way its grid shows it after the domain. */
async function renderSample(engine: Engine, rec: PendingRecord, index: number): Promise<Buffer> {
  const src = sampleSource(engine, rec);
  const dim = engine.manifest.latentDim;
  const one = 'seeds' in src ? { seeds: [src.seeds[index]] } : 'z' in src ? { z: src.z.slice(index * dim, (index + 1) * dim), n: 1 } : src;
  const domain = rec.domain ? base64ToFloats(rec.domain) : undefined;
  const styleDelta = rec.styleDelta ? base64ToFloats(rec.styleDelta) : undefined;
  const { images } = await engine.generate({ samples: one, domain, strength: rec.strength, styleDelta, nadaDomain: rec.nadaDomain });
  return encodePng(images[0]);
}

export async function runRenderTask<T extends RenderTask>(task: T, deps: RenderDeps, job: JobControl): Promise<OutputOf<T>> {
  return (await run(task, deps, job)) as OutputOf<T>;
}

async function run(task: RenderTask, deps: RenderDeps, job: JobControl): Promise<RenderOutputs[keyof RenderOutputs]> {
  switch (task.name) {
    case 'result': {
      const engine = engineOf(deps, task.pack);
      const rec = { ...task.rec };
      if (task.domainFromText) {
        job.progress(0.1, 'reading the prompt with CLIP');
        const domain = await deps.cache.domainFromText(engine, task.domainFromText.target, task.domainFromText.source);
        rec.domain = floatsToBase64(domain);
        rec.domainId = domainId(domain);
      }
      if (task.addEdit) {
        job.progress(0.1, 'finding the edit direction with CLIP');
        rec.styleDelta = floatsToBase64(
          await editDelta(deps, engine, task.addEdit, rec.styleDelta ? base64ToFloats(rec.styleDelta) : undefined),
        );
      }
      job.throwIfCancelled();
      return { rec, png: await renderResult(engine, rec, job, deps.pictures) };
    }
    case 'photo': {
      const engine = engineOf(deps, task.pack);
      job.progress(0.1, 'reading the condition with CLIP');
      const d = task.domain;
      const domain = !d
        ? undefined
        : 'vector' in d
          ? d.vector
          : 'text' in d
            ? await deps.cache.domainFromText(engine, d.text)
            : await deps.cache.domainFromImage(engine, 'image' in d ? d.image : await renderSample(engine, d.sample.rec, d.sample.index));
      const styleDelta = task.edit ? await editDelta(deps, engine, task.edit) : undefined;
      job.throwIfCancelled();
      job.progress(0.4, 'finding and re-drawing the face');
      const out = await engine.stylize({ image: task.photo, domain, styleDelta, strength: task.strength });
      if (!out.faces.length)
        throw new UserError(
          engine.manifest.subject === 'faces' ? 'I could not find a face in that picture.' : 'Nothing in that picture could be re-drawn.',
        );
      job.throwIfCancelled();
      job.progress(0.9, 'drawing the result');
      const pair = await beforeAfter(
        out.faces.map((f) => f.before),
        out.faces.map((f) => f.after),
        ['before', task.prompt.slice(0, 28)],
      );
      return {
        domain,
        styleDelta,
        // the first face's W+, so that the result can be re-rendered and edited later
        ws: out.faces[0].ws,
        faces: out.faces.map((f) => ({ identity: f.identity, identityNote: f.identityNote })),
        pairPng: await encodePng(pair),
        compositePng: await encodePng(out.composite),
      };
    }
    case 'morph':
      return renderMorph(engineOf(deps, task.pack), task.rec, task.format, job);
    case 'evaluate':
      job.progress(0.2, 'scoring with CLIP');
      return engineOf(deps, task.pack).evaluate({ domain: task.domain, target: { text: task.target } });
    case 'gallery': {
      const rows = [];
      for (const [i, row] of task.rows.entries()) {
        const { images } = await engineOf(deps, row.pack).generate({ samples: { seeds: task.seeds }, domain: row.domain });
        rows.push(images);
        job.throwIfCancelled();
        job.progress((i + 1) / task.rows.length, 'rendering thumbnails');
      }
      return encodePng(await grid(rows, { rowLabels: task.rows.map((r) => r.label), cell: 96 }));
    }
  }
}

/** The packs a task uses (a render worker must hold each of them, with the same files). */
export function packsOf(task: RenderTask): string[] {
  return task.name === 'gallery' ? [...new Set(task.rows.map((r) => r.pack))] : [task.pack];
}
