// What the rest of the product sees of the engine. It knows nothing of chat; the bot knows nothing of tensors
// beyond Float32Array domain vectors and W+ latents, which it stores and passes back.
import type { PackManifest } from './manifest.js';

/** A domain: D floats in the layout the pack's method defines (pack.json `method`, docs/pack-format.md). */
export type DomainVector = Float32Array;
/** W+ latents of n images: float32 [n, numWs, latentDim], row-major. */
export type WPlus = Float32Array;

/** An 8-bit RGB picture, row-major, 3 bytes a pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Buffer;
}

/** Where the samples of a request come from: seeds (reproducible), given z latents [n, latentDim], or given W+. */
export type SampleSource = { seeds: number[] } | { z: Float32Array; n: number } | { ws: WPlus; n: number };

export interface GenerateRequest {
  samples: SampleSource;
  /** omitted: the identity domain (the unchanged generator) */
  domain?: DomainVector;
  /** 0 = identity, 1 = the domain as given; values past 1 extrapolate */
  strength?: number;
  /** StyleCLIP style-space offset [styleDim], added to every sample */
  styleDelta?: Float32Array;
  /** the name of an imported StyleGAN-NADA domain (pack.json `domains`), which runs its own synthesis graph */
  nadaDomain?: string;
  /** ψ; default pack.json `truncation` */
  truncation?: number;
}

export interface GenerateResult {
  images: RgbImage[];
  /** the W+ used, so that a result can be edited or re-rendered later */
  ws: WPlus;
}

export interface InvertResult {
  /** W+ of the aligned crop(s), [n, numWs, latentDim] */
  ws: WPlus;
  /** the crop(s) fed to the encoder, at the encoder's resolution */
  aligned: RgbImage[];
}

export interface DomainScores {
  /** seed 004: mean CLIP cosine between the adapted samples and the target (text or image) */
  semanticScore: number;
  /** seed 004: mean pairwise CLIP cosine distance between the adapted samples */
  diversity: number;
}

export interface StageTimes {
  [stage: string]: number; // milliseconds
}

export interface EditRequest {
  target: string;
  /** default: the pack's neutral description */
  neutral?: string;
  /** α of α·σ_c·r_c/max|r| */
  strength: number;
  /** β: channels with |r_c| below it stay still */
  disentanglement?: number;
}

export interface EditDirection {
  /** the style-space offset [styleDim] */
  delta: Float32Array;
  /** how many style channels it moves (0: nothing passed the disentanglement threshold) */
  channels: number;
}

export interface StylizeRequest {
  /** the photo, encoded (PNG, JPEG, WebP…) */
  image: Buffer;
  domain?: DomainVector;
  nadaDomain?: string;
  styleDelta?: Float32Array;
  strength?: number;
  /** how many faces at most, largest first; default 1 */
  maxFaces?: number;
}

export interface StylizedFace {
  /** the aligned crop as the encoder saw it, and its re-rendering in the domain */
  before: RgbImage;
  after: RgbImage;
  /** cosine of the face descriptors of before and after; null where the pack's subject is not faces */
  identity: number | null;
  /** the face's box in the original photo */
  box: { x: number; y: number; width: number; height: number };
  /** this face's W+ [numWs, latentDim] as the encoder gave it, so the result can be re-rendered and edited later */
  ws: WPlus;
  /** why `identity` is null, when it is ("no face found in the aligned input crop") */
  identityNote?: string;
}

export interface StylizeResult {
  /** the original photo with every stylized face pasted back (for non-face packs: the stylized crop) */
  composite: RgbImage;
  faces: StylizedFace[];
}

/** One loaded pack: its sessions are shared by every request for it. */
export interface Engine {
  readonly manifest: PackManifest;
  readonly packDir: string;
  /** "cpu" or "cuda", whichever ONNX Runtime actually runs */
  readonly provider: string;

  embedText(texts: string[]): Promise<Float32Array[]>;
  /** encoded pictures (PNG/JPEG/WebP…) or RGB; CLIP preprocessing happens here */
  embedImage(images: Array<Buffer | RgbImage>): Promise<Float32Array[]>;

  /** HyperGAN-CLIP/HyperDomainNet from text; embeddings may be given to skip CLIP (the core caches them) */
  domainFromText(req: {
    target: string;
    source?: string;
    targetEmbedding?: Float32Array;
    sourceEmbedding?: Float32Array;
  }): Promise<DomainVector>;
  /** one-shot adaptation from a reference picture */
  domainFromImage(req: { image: Buffer | RgbImage; imageEmbedding?: Float32Array }): Promise<DomainVector>;

  generate(req: GenerateRequest): Promise<GenerateResult>;
  /** reference-guided synthesis: the reference's domain, and its inverted latent copied into the fine W+ layers */
  generateFromReference(req: {
    samples: SampleSource;
    reference: Buffer | RgbImage;
    strength?: number;
  }): Promise<GenerateResult & { domain: DomainVector }>;

  /** e4e inversion of (already aligned) pictures */
  invert(images: Array<Buffer | RgbImage>): Promise<InvertResult>;

  /** StyleCLIP global direction: a style-space offset for "neutral → target" text, and how many channels it moves */
  editDirection(req: EditRequest): Promise<EditDirection>;

  /**
   * A photo re-drawn in a domain (issue 6): faces detected and FFHQ-aligned (or the pack's centre crop when
   * `subject` is not faces), inverted, re-rendered in the domain and pasted back with a feathered mask.
   */
  stylize(req: StylizeRequest): Promise<StylizeResult>;

  identityDomain(): DomainVector;
  /** Σ wᵢ·(dᵢ − identity) + identity */
  blend(domains: DomainVector[], weights: number[]): DomainVector;
  evaluate(req: { domain: DomainVector; target: { text: string } | { image: Buffer | RgbImage }; samples?: number }): Promise<DomainScores>;

  close(): Promise<void>;
}
