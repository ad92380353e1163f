// The Engine of types.ts on ONNX Runtime. Graph plumbing lives here; the arithmetic is in latents.ts, domains.ts,
// styleclip.ts and evaluate.ts, pixels in images.ts and CLIP specifics in clip.ts.
import { clipPixels, conditioned, l2normalize, runClipText, runClipVision, splitRows } from './clip.js';
import { allIdentity, blendDomains, domainBatch, withStrength } from './domains.js';
import { EngineInputError, requireFinite } from './errors.js';
import { diversity, semanticScore } from './evaluate.js';
import { centerCrop, decodeImage, imagesToTensor, tensorToImages } from './images.js';
import { broadcastWPlus, copyFineLayers, truncate, zFromSeeds } from './latents.js';
import type { LoadedPack } from './loaded-pack.js';
import type { PackManifest } from './manifest.js';
import { f32, ort, runF32 } from './session.js';
import type { Progress } from './styleclip.js';
import { DEFAULT_DISENTANGLEMENT, DEFAULT_RELEVANCE_MAX_PASSES, StyleClipPack } from './styleclip-pack.js';
import { stylizePhoto } from './faces/stylize.js';
import type {
  DomainScores,
  DomainVector,
  EditDirection,
  EditRequest,
  Engine,
  GenerateRequest,
  GenerateResult,
  InvertResult,
  RgbImage,
  SampleSource,
  StageTimes,
  StylizeRequest,
  StylizeResult,
  WPlus,
} from './types.js';

/** Most samples one request may ask for (they run as one batch). */
const MAX_SAMPLES = 64;
const DEFAULT_EVAL_SAMPLES = 8;
export { DEFAULT_DISENTANGLEMENT, DEFAULT_RELEVANCE_MAX_PASSES };

export interface EngineOptions {
  /** K in the StyleCLIP relevance recipe when the pack brings none (styleclip.ts; default 100, as the official) */
  relevanceSamples?: number;
  /**
   * Most synthesis + CLIP passes (2·channels·K) an edit request may spend computing relevance on demand; past this
   * the request is refused with a hint to precompute (`domainshift pack relevance DIR`). Default 20,000.
   */
  relevanceMaxPasses?: number;
}

export class OnnxEngine implements Engine {
  readonly manifest: PackManifest;
  readonly packDir: string;
  readonly provider: string;
  /** milliseconds spent per stage since the last resetStageTimes(): what the bench reads */
  stageTimes: StageTimes = {};
  readonly styleclip: StyleClipPack;
  private closed = false;

  constructor(
    private readonly pack: LoadedPack,
    private readonly onClose: () => Promise<void>,
    options: EngineOptions = {},
  ) {
    this.manifest = pack.manifest;
    this.packDir = pack.dir;
    this.provider = pack.provider;
    this.styleclip = new StyleClipPack(
      {
        manifest: pack.manifest,
        packDir: pack.dir,
        wAvg: pack.wAvg,
        styles: pack.sessions.styles,
        packStats: pack.styleStats,
        packRelevance: pack.styleRelevance,
        map: async (z, n) =>
          (await this.timed('mapping', () => runF32(pack.sessions.mapping, { z: f32(z, [n, this.manifest.latentDim]) }, 'w'))).data,
        render: (ws, n, deltas) => this.synthesize(ws, n, pack.identity, splitRows(deltas, n)),
        embedImages: (images) => this.embedRgb(images),
        embedText: (texts) => this.embedText(texts),
        timed: (stage, fn) => this.timed(stage, fn),
      },
      options,
    );
  }

  resetStageTimes(): void {
    this.stageTimes = {};
  }

  private async timed<T>(stage: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('this engine has been closed');
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.stageTimes[stage] = (this.stageTimes[stage] ?? 0) + performance.now() - t0;
    }
  }

  // ---- CLIP ----

  async embedText(texts: string[]): Promise<Float32Array[]> {
    if (!texts.length) return [];
    for (const t of texts) if (typeof t !== 'string' || !t.trim()) throw new EngineInputError('text must not be empty');
    const tokens = this.pack.tokenizer.encode(texts);
    return this.timed('clipText', () => runClipText(this.pack.sessions.clipText, this.manifest, tokens));
  }

  async embedImage(images: Array<Buffer | RgbImage>): Promise<Float32Array[]> {
    if (!images.length) return [];
    const rgb = await Promise.all(images.map((i) => decodeImage(i)));
    return this.embedRgb(rgb);
  }

  private async embedRgb(rgb: RgbImage[]): Promise<Float32Array[]> {
    const pixels = await this.timed('clipPreprocess', () => clipPixels(rgb, this.manifest));
    return this.timed('clipImage', () => runClipVision(this.pack.sessions.clipVision, this.manifest, pixels));
  }

  // ---- domains ----

  private async hypernet(target: Float32Array, source: Float32Array): Promise<DomainVector> {
    return (await this.hypernetBatch([target], [source]))[0];
  }

  /** The hypernet on a batch of (target, source) embedding pairs, as the pack's recipe already formed them. */
  async hypernetBatch(targets: Float32Array[], sources: Float32Array[]): Promise<DomainVector[]> {
    const { embedDim: E, domainDim: D } = this.manifest;
    const n = targets.length;
    if (n !== sources.length || n === 0) throw new EngineInputError('the hypernet needs as many sources as targets');
    if ([...targets, ...sources].some((v) => v.length !== E)) throw new EngineInputError(`CLIP embeddings of this pack have ${E} values`);
    const t = new Float32Array(n * E);
    const s = new Float32Array(n * E);
    targets.forEach((v, i) => t.set(v, i * E));
    sources.forEach((v, i) => s.set(v, i * E));
    const hypernet = this.pack.sessions.hypernet;
    if (!hypernet) throw new EngineInputError(noHypernet(this.manifest.name));
    const out = await this.timed('hypernet', () => runF32(hypernet, { target: f32(t, [n, E]), source: f32(s, [n, E]) }, 'domain'));
    return splitRows(out.data, n).map((d) => d.slice(0, D));
  }

  async domainFromText(req: {
    target: string;
    source?: string;
    targetEmbedding?: Float32Array;
    sourceEmbedding?: Float32Array;
  }): Promise<DomainVector> {
    const recipe = this.manifest.condition.text;
    if (recipe.target !== 'text') throw new EngineInputError(`pack ${this.manifest.name} is not conditioned on text`);
    const target = req.targetEmbedding ?? (await this.embedText([req.target]))[0];
    let source: Float32Array;
    if (recipe.source === 'zeros') source = new Float32Array(this.manifest.embedDim);
    else source = req.sourceEmbedding ?? (await this.embedText([req.source?.trim() || this.manifest.defaultSource]))[0];
    return this.hypernet(conditioned(target, recipe), recipe.source === 'zeros' || !recipe.normalize ? source : l2normalize(source));
  }

  async domainFromImage(req: { image: Buffer | RgbImage; imageEmbedding?: Float32Array }): Promise<DomainVector> {
    const recipe = this.manifest.condition.image;
    const target = req.imageEmbedding ?? (recipe.target === 'image' ? (await this.embedImage([req.image]))[0] : null);
    if (!target) throw new EngineInputError(`pack ${this.manifest.name} is not conditioned on pictures`);
    let source: Float32Array;
    if (recipe.source === 'zeros') source = new Float32Array(this.manifest.embedDim);
    else source = (await this.embedText([this.manifest.defaultSource]))[0];
    return this.hypernet(conditioned(target, recipe), recipe.source === 'zeros' || !recipe.normalize ? source : l2normalize(source));
  }

  identityDomain(): DomainVector {
    return new Float32Array(this.pack.identity);
  }

  blend(domains: DomainVector[], weights: number[]): DomainVector {
    try {
      return blendDomains(domains, weights, this.pack.identity, this.manifest.domainLayout);
    } catch (err) {
      throw new EngineInputError((err as Error).message);
    }
  }

  // ---- latents and synthesis ----

  /** W+ [n, N, L] for a sample source; seeds and z go through mapping and truncation. */
  async samplesToWs(samples: SampleSource, psi?: number): Promise<{ ws: WPlus; n: number }> {
    const { numWs: N, latentDim: L } = this.manifest;
    requireFinite('truncation', psi, 0, 1);
    if ('ws' in samples) {
      checkCount(samples.n);
      if (samples.ws.length !== samples.n * N * L)
        throw new EngineInputError(`W+ latents must hold ${samples.n}×${N}×${L} floats, got ${samples.ws.length}`);
      return { ws: samples.ws, n: samples.n };
    }
    let z: Float32Array;
    let n: number;
    if ('seeds' in samples) {
      n = samples.seeds.length;
      checkCount(n);
      for (const s of samples.seeds)
        if (!Number.isInteger(s) || s < 0 || s > 0xffffffff)
          throw new EngineInputError(`a seed must be an integer from 0 to 4294967295, got ${s}`);
      z = zFromSeeds(samples.seeds, L);
    } else {
      n = samples.n;
      checkCount(n);
      if (samples.z.length !== n * L) throw new EngineInputError(`z latents must hold ${n}×${L} floats, got ${samples.z.length}`);
      if (samples.z.some((v) => !Number.isFinite(v))) throw new EngineInputError('z latents must be finite numbers');
      z = samples.z;
    }
    const w = await this.timed('mapping', () => runF32(this.pack.sessions.mapping, { z: f32(z, [n, L]) }, 'w'));
    const wt = truncate(w.data, this.pack.wAvg, psi ?? this.manifest.truncation);
    return { ws: broadcastWPlus(wt, n, N, L), n };
  }

  /** One batch through a synthesis graph; per-sample domains allowed (batches may mix domains). */
  async synthesize(
    ws: WPlus,
    n: number,
    domains: DomainVector | DomainVector[],
    styleDelta?: Float32Array | Float32Array[],
    nadaDomain?: string,
  ): Promise<RgbImage[]> {
    const { numWs: N, latentDim: L, domainDim: D, styleDim: S } = this.manifest;
    let session = this.pack.sessions.synthesis;
    if (nadaDomain !== undefined) {
      const s = this.pack.sessions.nada.get(nadaDomain);
      if (!s) throw new EngineInputError(`pack ${this.manifest.name} has no imported domain "${nadaDomain}"`);
      session = s;
    }
    let delta: Float32Array;
    try {
      delta = styleDelta === undefined ? new Float32Array(n * S) : domainBatch(styleDelta, n, S);
    } catch (err) {
      throw new EngineInputError(`style delta: ${(err as Error).message}`);
    }
    let dom: Float32Array;
    try {
      dom = domainBatch(domains, n, D);
    } catch (err) {
      throw new EngineInputError((err as Error).message);
    }
    // the output's shape is fixed by the contract: ONNX Runtime writes into a tensor allocated here
    const R = this.manifest.resolution;
    const images = f32(new Float32Array(n * 3 * R * R), [n, 3, R, R]);
    // a batch of identity rows (every "before" row): the pack's graph without the domain branch draws the same pictures
    const plain = nadaDomain === undefined ? this.pack.sessions.synthesisIdentity : null;
    const feeds: Record<string, ort.Tensor> = { ws: f32(ws, [n, N, L]), style_delta: f32(delta, [n, S]) };
    if (plain && allIdentity(dom, this.pack.identity, n)) session = plain;
    else feeds.domain = f32(dom, [n, D]);
    const out = await this.timed('synthesis', () => runF32(session, feeds, 'images', images));
    return this.timed('toRgb', async () => tensorToImages(out.data, out.dims));
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    requireFinite('strength', req.strength, -10, 10);
    const { ws, n } = await this.samplesToWs(req.samples, req.truncation);
    const domain = req.domain ? this.checkedStrength(req.domain, req.strength ?? 1) : this.pack.identity;
    const images = await this.synthesize(ws, n, domain, req.styleDelta, req.nadaDomain);
    return { images, ws };
  }

  private checkedStrength(domain: DomainVector, alpha: number): DomainVector {
    if (domain.length !== this.manifest.domainDim)
      throw new EngineInputError(`a domain of pack ${this.manifest.name} has ${this.manifest.domainDim} values, got ${domain.length}`);
    return withStrength(domain, this.pack.identity, alpha, this.manifest.domainLayout);
  }

  async generateFromReference(req: {
    samples: SampleSource;
    reference: Buffer | RgbImage;
    strength?: number;
  }): Promise<GenerateResult & { domain: DomainVector }> {
    requireFinite('strength', req.strength, -10, 10);
    const reference = await decodeImage(req.reference);
    const domain = await this.domainFromImage({ image: reference });
    const inverted = await this.invert([reference]);
    const { ws, n } = await this.samplesToWs(req.samples);
    const { numWs: N, latentDim: L, fineLayersFrom } = this.manifest;
    const mixed = copyFineLayers(ws, inverted.ws, n, N, L, fineLayersFrom);
    const images = await this.synthesize(mixed, n, this.checkedStrength(domain, req.strength ?? 1));
    return { images, ws: mixed, domain };
  }

  /** e4e inversion; pictures are taken as aligned: the centred square is resized to the encoder's resolution. */
  async invert(images: Array<Buffer | RgbImage>): Promise<InvertResult> {
    if (!images.length) throw new EngineInputError('nothing to invert');
    checkCount(images.length);
    const R = this.manifest.encoder.resolution;
    const aligned = await Promise.all(images.map(async (i) => centerCrop(await decodeImage(i), R)));
    const t = imagesToTensor(aligned);
    const encoder = this.pack.sessions.encoder;
    if (!encoder)
      throw new EngineInputError(
        `pack ${this.manifest.name} has no e4e encoder, so it cannot invert photos; re-export it with --e4e e4e_ffhq_encode.pt`,
      );
    const out = await this.timed('encoder', () => runF32(encoder, { images: f32(t.data, t.dims) }, 'ws'));
    return { ws: out.data, aligned };
  }

  // ---- StyleCLIP (styleclip-pack.ts) ----

  /**
   * StyleCLIP relevance for packs that bring none: read from the cache beside the pack, else computed (official
   * recipe, forward passes only) and cached. `force` skips the on-demand budget: for the CLI and offline jobs.
   */
  async computeStyleRelevance(samples: number, force = true, progress?: Progress): Promise<{ relevance: Float32Array; cached: boolean }> {
    const before = await this.styleclip.cachedRelevance(samples);
    if (before) return { relevance: before, cached: true };
    return { relevance: await this.styleclip.styleRelevance({ samples, force, progress }), cached: false };
  }

  async editDirection(req: EditRequest): Promise<EditDirection> {
    return this.styleclip.editDirection(req);
  }

  // ---- photos, evaluation ----

  async stylize(req: StylizeRequest): Promise<StylizeResult> {
    return stylizePhoto(this, req);
  }

  async evaluate(req: {
    domain: DomainVector;
    target: { text: string } | { image: Buffer | RgbImage };
    samples?: number;
  }): Promise<DomainScores> {
    const n = req.samples ?? DEFAULT_EVAL_SAMPLES;
    if (!Number.isInteger(n) || n < 2 || n > MAX_SAMPLES)
      throw new EngineInputError(`evaluation needs 2 to ${MAX_SAMPLES} samples, got ${n}`);
    // fixed seeds, so that scores of different domains are comparable
    const { images } = await this.generate({ samples: { seeds: Array.from({ length: n }, (_, i) => 1000 + i) }, domain: req.domain });
    const emb = await this.embedRgb(images);
    const target = 'text' in req.target ? (await this.embedText([req.target.text]))[0] : (await this.embedImage([req.target.image]))[0];
    return { semanticScore: semanticScore(emb, target), diversity: diversity(emb) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.onClose();
  }
}

/** What a pack made from a generator alone says when asked for a domain from text or a picture. */
function noHypernet(pack: string): string {
  return `pack ${pack} has no hypernetwork, so it cannot make a new domain from text or a picture. It can still edit with text (/edit) and use its imported domains by name. To add one, re-export it with --hypernet (a HyperGAN-CLIP g_ema or a HyperDomainNet mapper; see the README's table of published files).`;
}

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_SAMPLES)
    throw new EngineInputError(`the number of samples must be 1 to ${MAX_SAMPLES}, got ${n}`);
}

export { ort };
