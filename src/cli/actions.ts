// What each CLI command does. Engines are opened per command and closed before returning.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openOnnxPack, type OnnxEngine, type OpenPackOptions } from '../engine/index.js';
import { animate, beforeAfter, encodePng, grid } from '../engine/images.js';
import { morphSteps } from '../engine/domains.js';
import { loadPack, releasePack } from '../engine/loaded-pack.js';
import { readNpyF32, writeNpy } from '../engine/npy.js';
import { alphaPerEditStrength } from '../engine/styleclip.js';
import { listPackFiles, readManifest, verifyPackFile } from '../engine/pack.js';
import type { DomainVector, Engine, RgbImage, SampleSource } from '../engine/types.js';
import { OPTION_RANGES } from '../core/options.js';
import { runEngineBench } from './bench-engine.js';
import { formatWorldEvaluation, runWorldEvaluation } from '../engine/world-eval-run.js';
import { CliInputError, parseInteger, parseList, parseNumber, parsePrompt, readInputFile, readLatents } from './input.js';

interface CommonOpts {
  pack: string;
  latents?: string;
  seed: string;
  n: string;
  strength?: string;
  truncation?: string;
  out?: string;
  json?: boolean;
  provider: 'auto' | 'cpu' | 'cuda';
  threads?: string;
}

function say(opts: { json?: boolean }, line: string): void {
  if (!opts.json) process.stderr.write(line + '\n');
}
function report(opts: { json?: boolean }, summary: Record<string, unknown>): void {
  if (opts.json) process.stdout.write(JSON.stringify(summary) + '\n');
  else
    process.stdout.write(
      Object.entries(summary)
        .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`)
        .join('\n') + '\n',
    );
}

async function open(opts: CommonOpts): Promise<OnnxEngine> {
  const o: OpenPackOptions = { provider: opts.provider, threads: parseInteger('threads', opts.threads, 1, 256) };
  const engine = await openOnnxPack(opts.pack, o);
  say(opts, `pack ${engine.manifest.name} (${engine.manifest.method}, ${engine.manifest.resolution} px) on ${engine.provider}`);
  return engine;
}

async function samplesOf(engine: Engine, opts: CommonOpts): Promise<SampleSource> {
  if (opts.latents) {
    const { data, n } = await readLatents(opts.latents, engine.manifest.latentDim, '--latents');
    return { z: data, n };
  }
  const seed = parseInteger('seed', opts.seed, 0, 0xffffffff - 64)!;
  const n = parseInteger('n', opts.n, 1, 64)!;
  return { seeds: Array.from({ length: n }, (_, i) => seed + i) };
}

async function readDomain(engine: Engine, file: string): Promise<DomainVector> {
  await readInputFile('--domain', file);
  let a: { shape: number[]; data: Float32Array };
  try {
    a = await readNpyF32(file);
  } catch (err) {
    throw new CliInputError(`--domain ${file}: ${(err as Error).message.replace(`${file}: `, '')}`);
  }
  if (a.data.length !== engine.manifest.domainDim)
    throw new CliInputError(`--domain ${file}: ${a.data.length} values, pack ${engine.manifest.name} wants ${engine.manifest.domainDim}`);
  return a.data;
}

async function writeOut(opts: { out?: string; json?: boolean }, fallback: string, png: Buffer): Promise<string> {
  const file = opts.out ?? fallback;
  try {
    await writeFile(file, png);
  } catch (err) {
    throw new CliInputError(`cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  say(opts, `wrote ${file}`);
  return path.resolve(file);
}

async function withEngine<T>(opts: CommonOpts, fn: (engine: OnnxEngine) => Promise<T>): Promise<T> {
  const engine = await open(opts);
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

export async function packVerify(dir: string, opts: { json?: boolean; provider: 'auto' | 'cpu' | 'cuda' }): Promise<void> {
  const pack = await loadPack(dir, { provider: opts.provider });
  try {
    const m = pack.manifest;
    report(opts, {
      ok: true,
      pack: m.name,
      method: m.method,
      provider: pack.provider,
      files: listPackFiles(m).length,
      loadMs: Math.round(pack.loadMs),
    });
  } finally {
    await releasePack(pack.sessions);
  }
}

export async function packInspect(dir: string, opts: { json?: boolean }): Promise<void> {
  const m = await readManifest(dir);
  const files = await Promise.all(
    listPackFiles(m).map(async ({ role, file }) => {
      const status = await verifyPackFile(dir, file, { hash: false }).then(
        () => 'present',
        (e: Error) => e.message,
      );
      return { role, path: file.path, bytes: file.bytes, status };
    }),
  );
  // the manifest's scalar facts as they are, then the nested ones summarised
  const facts = ['name', 'method', 'description', 'randomWeights', 'subject', 'resolution'] as const;
  const shape = ['numWs', 'latentDim', 'domainDim', 'styleDim', 'embedDim', 'truncation', 'defaultSource'] as const;
  report(opts, {
    ...Object.fromEntries([...facts, ...shape].map((key) => [key, m[key]])),
    clip: m.clip.model,
    encoder: m.encoder,
    domains: m.domains.map((d) => d.name),
    provenance: m.provenance,
    files,
  });
}

function strengthOf(opts: CommonOpts): number | undefined {
  return parseNumber('strength', opts.strength, -10, 10);
}
function truncationOf(opts: CommonOpts): number | undefined {
  return parseNumber('truncation', opts.truncation, 0, 1);
}

async function domainFromOpts(
  engine: Engine,
  o: { target?: string; domain?: string; reference?: string },
): Promise<DomainVector | undefined> {
  const given = [o.target, o.domain, o.reference].filter((x) => x !== undefined).length;
  if (given > 1) throw new CliInputError('give one of --target, --domain or --reference');
  if (o.domain) return readDomain(engine, o.domain);
  if (o.target !== undefined) return engine.domainFromText(parsePrompt(o.target));
  if (o.reference) return engine.domainFromImage({ image: await readInputFile('--reference', o.reference) });
  return undefined;
}

export async function generate(opts: CommonOpts & { target?: string; domain?: string; nada?: string }): Promise<void> {
  await withEngine(opts, async (engine) => {
    const domain = await domainFromOpts(engine, opts);
    const samples = await samplesOf(engine, opts);
    const { images } = await engine.generate({
      samples,
      domain,
      strength: strengthOf(opts),
      truncation: truncationOf(opts),
      nadaDomain: opts.nada,
    });
    const file = await writeOut(opts, 'domainshift-generate.png', await encodePng(await grid([images])));
    report(opts, { provider: engine.provider, images: images.length, out: file });
  });
}

export async function adapt(
  opts: CommonOpts & { prompt?: string; target?: string; source?: string; saveDomain?: string; morph?: string },
): Promise<void> {
  if (opts.prompt !== undefined && opts.target !== undefined) throw new CliInputError('give --prompt or --target, not both');
  const parsed =
    opts.prompt !== undefined
      ? parsePrompt(opts.prompt)
      : opts.target !== undefined
        ? { target: opts.target.trim(), source: undefined }
        : null;
  if (!parsed?.target) throw new CliInputError('say what to adapt to: --prompt "a photo → a pencil sketch" or --target TEXT');
  const source = opts.source ?? parsed.source;
  await withEngine(opts, async (engine) => {
    const domain = await engine.domainFromText({ target: parsed.target, source });
    const samples = await samplesOf(engine, opts);
    const truncation = truncationOf(opts);
    const before = await engine.generate({ samples, truncation });
    const after = await engine.generate({ samples: { ws: before.ws, n: before.images.length }, domain, strength: strengthOf(opts) });
    const src = source ?? engine.manifest.defaultSource;
    const png = await encodePng(await beforeAfter(before.images, after.images, [src, parsed.target]));
    const file = await writeOut(opts, 'domainshift-adapt.png', png);
    if (opts.saveDomain) await writeNpy(opts.saveDomain, domain, [domain.length]);
    let morph: string | undefined;
    if (opts.morph) {
      const frames: RgbImage[] = [];
      for (const d of morphSteps(domain, engine.identityDomain(), 8, engine.manifest.domainLayout))
        frames.push(
          (
            await engine.generate({
              samples: { ws: before.ws.subarray(0, engine.manifest.numWs * engine.manifest.latentDim), n: 1 },
              domain: d,
            })
          ).images[0],
        );
      const anim = await animate(frames, opts.morph.endsWith('.gif') ? 'gif' : 'webp');
      morph = await writeOut({ out: opts.morph, json: opts.json }, opts.morph, anim);
    }
    report(opts, {
      provider: engine.provider,
      source: src,
      target: parsed.target,
      samples: after.images.length,
      out: file,
      ...(opts.saveDomain ? { domain: path.resolve(opts.saveDomain) } : {}),
      ...(morph ? { morph } : {}),
    });
  });
}

export async function stylize(
  opts: CommonOpts & { image: string; domain?: string; target?: string; reference?: string; maxFaces: string },
): Promise<void> {
  const maxFaces = parseInteger('max-faces', opts.maxFaces, 1, 16)!;
  const photo = await readInputFile('--image', opts.image);
  await withEngine(opts, async (engine) => {
    const domain = await domainFromOpts(engine, opts);
    if (!domain) throw new CliInputError('say which domain: --domain FILE, --target TEXT or --reference PICTURE');
    const result = await engine.stylize({ image: photo, domain, strength: strengthOf(opts), maxFaces });
    // --out gets the whole photo with the faces pasted back; the aligned before/after pairs go beside it
    const file = await writeOut(opts, 'domainshift-stylize.png', await encodePng(result.composite));
    const rows = result.faces.map((f) => [f.before, f.after]);
    const pairsPng = await encodePng(await grid(rows, { rowLabels: result.faces.map((_, i) => `face ${i + 1}`) }));
    const pairs = await writeOut({ ...opts, out: file.replace(/(\.png)?$/i, '.pairs.png') }, '', pairsPng);
    const identity = result.faces.map((f) => f.identity);
    // why a score is missing, or how it was taken (random-weight packs draw no face the detector can find)
    const notes = result.faces.map((f) => f.identityNote ?? null);
    report(opts, {
      provider: engine.provider,
      faces: result.faces.length,
      identity,
      ...(notes.some((n) => n) ? { identityNotes: notes } : {}),
      out: file,
      pairs,
    });
  });
}

export async function edit(
  opts: CommonOpts & { image?: string; text: string; neutral?: string; disentanglement: string; domain?: string; target?: string },
): Promise<void> {
  const beta = parseNumber('disentanglement', opts.disentanglement, 0, 1)!;
  // the strength of /edit in chat (1 the standard edit, negative the other way), not a raw StyleCLIP α
  const { min, max, default: standard } = OPTION_RANGES.editStrength;
  const strength = parseNumber('strength', opts.strength ?? String(standard), min, max)!;
  if (!opts.text.trim()) throw new CliInputError('--text must say what to edit toward');
  await withEngine(opts, async (engine) => {
    const alpha = strength * alphaPerEditStrength(engine.manifest);
    const domain = await domainFromOpts(engine, opts);
    let samples: SampleSource;
    if (opts.image) samples = { ws: (await engine.invert([await readInputFile('--image', opts.image)])).ws, n: 1 };
    else samples = await samplesOf(engine, opts);
    const before = await engine.generate({ samples, domain, truncation: truncationOf(opts) });
    const { delta, channels } = await engine.editDirection({
      target: opts.text,
      neutral: opts.neutral,
      strength: alpha,
      disentanglement: beta,
    });
    const after = await engine.generate({ samples: { ws: before.ws, n: before.images.length }, domain, styleDelta: delta });
    const png = await encodePng(await beforeAfter(before.images, after.images, [opts.neutral ?? 'before', opts.text]));
    const file = await writeOut(opts, 'domainshift-edit.png', png);
    if (channels === 0) say(opts, `no style channel passed the disentanglement threshold ${beta}; try a lower --disentanglement`);
    report(opts, { provider: engine.provider, text: opts.text, strength, alpha, disentanglement: beta, channels, out: file });
  });
}

export async function blend(opts: CommonOpts & { target?: string[]; domain?: string[]; weights?: string }): Promise<void> {
  await withEngine(opts, async (engine) => {
    const domains: DomainVector[] = [];
    for (const t of opts.target ?? []) domains.push(await engine.domainFromText(parsePrompt(t)));
    for (const f of opts.domain ?? []) domains.push(await readDomain(engine, f));
    if (domains.length < 2) throw new CliInputError('blend needs at least two domains (--target TEXT… and/or --domain FILE…)');
    const weights = parseList('weights', opts.weights) ?? domains.map(() => 1 / domains.length);
    if (weights.length !== domains.length) throw new CliInputError(`${domains.length} domains but ${weights.length} weights`);
    const mixed = engine.blend(domains, weights);
    const samples = await samplesOf(engine, opts);
    const base = await engine.generate({ samples, truncation: truncationOf(opts) });
    const rows: RgbImage[][] = [];
    for (const d of [...domains, mixed])
      rows.push((await engine.generate({ samples: { ws: base.ws, n: base.images.length }, domain: d, strength: strengthOf(opts) })).images);
    const labels = [...(opts.target ?? []), ...(opts.domain ?? []).map((f) => path.basename(f)), `blend ${weights.join('/')}`];
    const file = await writeOut(opts, 'domainshift-blend.png', await encodePng(await grid(rows, { rowLabels: labels })));
    report(opts, { provider: engine.provider, domains: domains.length, weights, out: file });
  });
}

export async function evaluate(
  opts: CommonOpts & {
    target?: string;
    domain?: string;
    against?: string;
    samples: string;
    judge?: string;
    editStrength: string;
    disentanglement?: string;
  },
): Promise<void> {
  const samples = parseInteger('samples', opts.samples, 2, 64)!;
  const { min, max } = OPTION_RANGES.editStrength;
  const editStrength = parseNumber('edit-strength', opts.editStrength, min, max)!;
  const editDisentanglement = parseNumber('disentanglement', opts.disentanglement, 0, 1);
  await withEngine(opts, async (engine) => {
    const against = opts.against ?? (opts.target ? parsePrompt(opts.target).target : undefined);
    if (!against) {
      // no target: the whole evaluation of a world-trained pack by its independent judge
      const judgeDir = opts.judge ?? 'models/judge';
      const result = await runWorldEvaluation(engine, judgeDir, { editStrength, editDisentanglement });
      if (opts.json) report(opts, { provider: engine.provider, ...result });
      else process.stdout.write(`${formatWorldEvaluation(result)}\n`);
      return;
    }
    const domain = (await domainFromOpts(engine, { target: opts.target, domain: opts.domain })) ?? engine.identityDomain();
    const scores = await engine.evaluate({ domain, target: { text: against }, samples });
    const identity = await engine.evaluate({ domain: engine.identityDomain(), target: { text: against }, samples });
    report(opts, {
      provider: engine.provider,
      against,
      samples,
      ...scores,
      identitySemanticScore: identity.semanticScore,
      identityDiversity: identity.diversity,
    });
  });
}

export async function bench(opts: CommonOpts & { repeat: string }): Promise<void> {
  const repeat = parseInteger('repeat', opts.repeat, 1, 100)!;
  const n = parseInteger('n', opts.n, 1, 64)!;
  await withEngine(opts, async (engine) => {
    const rows = await runEngineBench(engine, { batch: n, repeat });
    if (opts.json) report(opts, { provider: engine.provider, batch: n, repeat, stages: rows });
    else
      for (const r of rows)
        process.stdout.write(
          `${r.stage.padEnd(17)} ${r.ms.toFixed(2).padStart(10)} ms/batch ${r.perImageMs.toFixed(2).padStart(10)} ms/image\n`,
        );
  });
}
