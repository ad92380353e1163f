// StyleCLIP for one open pack: where σ and the relevance come from (the pack's files, the cache beside the pack, or
// computed on demand through styles.onnx, synthesis and CLIP vision) and the edit direction of a text pair.
import { EngineInputError, requireFinite } from './errors.js';
import { broadcastWPlus, truncate, zFromSeeds } from './latents.js';
import type { PackManifest } from './manifest.js';
import { f32, type ort, runF32 } from './session.js';
import {
  computeRelevance,
  DEFAULT_RELEVANCE_SAMPLES,
  DEFAULT_STATS_SAMPLES,
  globalDirection,
  loadCached,
  meanDirection,
  type Progress,
  RELEVANCE_CACHE,
  saveCached,
  STATS_CACHE,
  STATS_SEED,
  statsFromSums,
  type StyleStats,
} from './styleclip.js';
import { editPrompts, neutralText } from './styleclip-templates.js';
import type { EditDirection, EditRequest, RgbImage } from './types.js';

export const DEFAULT_DISENTANGLEMENT = 0.1;
/** Most synthesis + CLIP passes an /edit may spend computing relevance on demand (more: `domainshift pack relevance`). */
export const DEFAULT_RELEVANCE_MAX_PASSES = 20_000;
const BATCH = 1024;

/** What StyleClipPack needs from the engine that owns it. */
export interface StyleClipHost {
  manifest: PackManifest;
  packDir: string;
  wAvg: Float32Array;
  styles: ort.InferenceSession | null;
  packStats: StyleStats | null;
  packRelevance: Float32Array | null;
  /** z [n,L] -> w [n,L] through mapping.onnx, any n */
  map(z: Float32Array, n: number): Promise<Float32Array>;
  /** W+ [n,N,L] rendered in the identity domain with style deltas [n,S] */
  render(ws: Float32Array, n: number, deltas: Float32Array): Promise<RgbImage[]>;
  embedImages(images: RgbImage[]): Promise<Float32Array[]>;
  embedText(texts: string[]): Promise<Float32Array[]>;
  timed<T>(stage: string, fn: () => Promise<T>): Promise<T>;
}

export interface RelevanceOptions {
  samples?: number;
  /** skip the on-demand budget (CLI, offline jobs) */
  force?: boolean;
  progress?: Progress;
}

export class StyleClipPack {
  private stats: Promise<StyleStats | null> | null = null;
  private relevance: Promise<Float32Array> | null = null;

  constructor(
    private readonly host: StyleClipHost,
    private readonly options: { relevanceSamples?: number; relevanceMaxPasses?: number } = {},
  ) {}

  private get psi(): number {
    return this.host.manifest.styleclip?.truncation ?? this.host.manifest.truncation;
  }

  /** style channels the relevance covers (StyledConvs up to 128 px); all of them when pack.json does not say */
  get coveredChannels(): number {
    return Math.min(this.host.manifest.styleclip?.channels ?? this.host.manifest.styleDim, this.host.manifest.styleDim);
  }

  /** W+ of seeded samples at ψ, any count (mapping runs in batches) */
  private async seededWs(first: number, n: number): Promise<Float32Array> {
    const { numWs: N, latentDim: L } = this.host.manifest;
    const z = zFromSeeds(
      Array.from({ length: n }, (_, i) => first + i),
      L,
    );
    const w = truncate(await this.host.map(z, n), this.host.wAvg, this.psi);
    return broadcastWPlus(w, n, N, L);
  }

  private async stylesOf(ws: Float32Array, n: number): Promise<Float32Array> {
    const { numWs: N, latentDim: L } = this.host.manifest;
    const session = this.host.styles!;
    return (await this.host.timed('styles', () => runF32(session, { ws: f32(ws, [n, N, L]) }, 'styles'))).data;
  }

  private statsKey(samples: number): string {
    const { files } = this.host.manifest;
    return `${files.styles?.sha256}:${files.mapping.sha256}:${files.wAvg.sha256}:${this.psi}:${samples}`;
  }

  /** μ and σ per style channel: the pack's, the cache's, or computed through styles.onnx; null when none can be had. */
  styleStats(samples = DEFAULT_STATS_SAMPLES, progress?: Progress): Promise<StyleStats | null> {
    this.stats ??= this.loadOrComputeStats(samples, progress).catch((err) => {
      this.stats = null;
      throw err;
    });
    return this.stats;
  }

  private async loadOrComputeStats(samples: number, progress?: Progress): Promise<StyleStats | null> {
    if (this.host.packStats) return this.host.packStats;
    if (!this.host.styles) return null;
    const S = this.host.manifest.styleDim;
    const cached = await loadCached(this.host.packDir, STATS_CACHE, this.statsKey(samples), 2 * S);
    if (cached) return { mean: cached.slice(0, S), std: cached.slice(S) };
    const sum = new Float64Array(S);
    const squares = new Float64Array(S);
    for (let start = 0; start < samples; start += BATCH) {
      const n = Math.min(BATCH, samples - start);
      const s = await this.stylesOf(await this.seededWs(STATS_SEED + start, n), n);
      for (let i = 0; i < n * S; i++) {
        sum[i % S] += s[i];
        squares[i % S] += s[i] * s[i];
      }
      progress?.(start + n, samples);
    }
    const stats = statsFromSums(sum, squares, samples);
    const data = new Float32Array(2 * S);
    data.set(stats.mean);
    data.set(stats.std, S);
    await saveCached(this.host.packDir, STATS_CACHE, this.statsKey(samples), data, { samples, truncation: this.psi });
    return stats;
  }

  /** R [S,E]: the pack's, else the cache's or computed (official recipe) and cached beside the pack. */
  styleRelevance(opts: RelevanceOptions = {}): Promise<Float32Array> {
    if (this.host.packRelevance && !opts.force) return Promise.resolve(this.host.packRelevance);
    if (opts.force) return this.loadOrComputeRelevance(opts);
    this.relevance ??= this.loadOrComputeRelevance(opts).catch((err) => {
      this.relevance = null;
      throw err;
    });
    return this.relevance;
  }

  private relevanceKey(samples: number): string {
    const { files } = this.host.manifest;
    return `${files.synthesis.sha256}:${files.clipVision.sha256}:${this.statsKey(DEFAULT_STATS_SAMPLES)}:${files.styleStats?.sha256}:${samples}:${this.coveredChannels}`;
  }

  /** the cached on-demand relevance for K samples, if any */
  cachedRelevance(samples: number): Promise<Float32Array | null> {
    const { styleDim: S, embedDim: E } = this.host.manifest;
    return loadCached(this.host.packDir, RELEVANCE_CACHE, this.relevanceKey(samples), S * E);
  }

  private async loadOrComputeRelevance(opts: RelevanceOptions): Promise<Float32Array> {
    const { styleDim: S, embedDim: E, numWs: N, latentDim: L, name } = this.host.manifest;
    const samples = opts.samples ?? this.options.relevanceSamples ?? DEFAULT_RELEVANCE_SAMPLES;
    if (!Number.isInteger(samples) || samples < 1 || samples > 10_000)
      throw new EngineInputError(`relevance samples must be 1 to 10000, got ${samples}`);
    const cached = await this.cachedRelevance(samples);
    if (cached) return cached;
    const passes = 2 * this.coveredChannels * samples;
    const budget = this.options.relevanceMaxPasses ?? DEFAULT_RELEVANCE_MAX_PASSES;
    if (!opts.force && passes > budget) {
      throw new EngineInputError(
        `text edits need the StyleCLIP relevance of pack ${name}, which it does not include; computing it takes ${passes} generator passes. ` +
          `Precompute it once with: domainshift pack relevance ${this.host.packDir}`,
      );
    }
    const stats = await this.styleStats();
    if (!stats || !this.host.styles) {
      throw new EngineInputError(
        `pack ${name} predates styles.onnx, so its StyleCLIP relevance cannot be computed here: re-export it with the exporter (docs/pack-format.md)`,
      );
    }
    const ws = await this.seededWs(0, samples);
    const sampleStyles = await this.stylesOf(ws, samples);
    const R = await this.host.timed('styleRelevance', () =>
      computeRelevance(
        {
          styleDim: S,
          embedDim: E,
          sampleStyles,
          embed: async (ks, deltas) => {
            const batch = new Float32Array(ks.length * N * L);
            ks.forEach((k, i) => batch.set(ws.subarray(k * N * L, (k + 1) * N * L), i * N * L));
            return this.host.embedImages(await this.host.render(batch, ks.length, deltas));
          },
        },
        stats,
        this.coveredChannels,
        64,
        opts.progress,
      ),
    );
    await saveCached(this.host.packDir, RELEVANCE_CACHE, this.relevanceKey(samples), R, { samples, channels: this.coveredChannels });
    return R;
  }

  /** A text through the pack's prompt templates (the 79 official ones by default): the normalised mean of their normalised embeddings. */
  async textDirection(text: string): Promise<Float32Array> {
    return meanDirection(await this.host.embedText(editPrompts(text, this.host.manifest)));
  }

  async editDirection(req: EditRequest): Promise<EditDirection> {
    requireFinite('strength', req.strength, -20, 20);
    requireFinite('disentanglement', req.disentanglement, 0, 1);
    if (typeof req.target !== 'string' || !req.target.trim()) throw new EngineInputError('text must not be empty');
    const t = await this.textDirection(req.target);
    const n = await this.textDirection(neutralText(this.host.manifest, req.neutral));
    const R = await this.styleRelevance();
    const stats = await this.styleStats();
    const { styleDim: S, embedDim: E } = this.host.manifest;
    return globalDirection(
      R,
      S,
      E,
      t.map((v, i) => v - n[i]),
      req.strength,
      req.disentanglement ?? DEFAULT_DISENTANGLEMENT,
      stats?.std ?? null,
    );
  }
}
