// pack.json, contract v1: the one description of a model pack that the Python exporter writes
// and the engine reads. docs/pack-format.md explains each field; keep the two in step.
import { z } from 'zod';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256');

/** A file of the pack, relative to the pack folder. */
const packFileSchema = z.object({
  path: z.string().min(1),
  sha256,
  bytes: z.number().int().nonnegative(),
});

/** How the hypernet's `target` and `source` inputs are formed from a request. */
const conditionRecipeSchema = z.object({
  /** what feeds `target`: the CLIP text embedding of the target text, or the CLIP image embedding of the reference */
  target: z.enum(['text', 'image']),
  /** what feeds `source`: the CLIP text embedding of the source text (default source when none is given), or zeros */
  source: z.enum(['text', 'zeros']),
  /** L2-normalise each embedding before it enters the hypernet */
  normalize: z.boolean(),
  /** after normalising, scale the target to this length (text fed to a hypernet trained on raw image embeddings) */
  norm: z.number().positive().optional(),
});

/** HyperGAN-CLIP domains as published: `slots` residual slots of `slotSize` floats, each with its gain γ at `gainIndex`. */
export const slotLayoutSchema = z.object({
  kind: z.literal('residual-slots'),
  slots: z.number().int().positive(),
  slotSize: z.number().int().positive(),
  gainIndex: z.number().int().nonnegative(),
  /** HyperGAN-CLIP's model.py ("residual") or model_old.py ("in-weight"); informative, the graph implements it */
  formulation: z.enum(['residual', 'in-weight']),
});

/** A plain vector, linear around the identity domain; "additive" is this project's own HyperGAN-CLIP formulation (the trained demo pack). */
export const linearLayoutSchema = z.object({ kind: z.literal('linear'), formulation: z.literal('additive') });

export const domainLayoutSchema = z.discriminatedUnion('kind', [slotLayoutSchema, linearLayoutSchema]);

const words = z.string().trim().min(1, 'must not be empty');

/**
 * How StyleCLIP edit texts are said in this pack's own words (absent: the 79 official templates, neutral = defaultSource).
 * A pack whose CLIP learned a small caption grammar (the trained demo) never saw "a bad photo of a {}.".
 */
export const styleclipTextSchema = z
  .object({
    /** each text is put into every template (one "{}" each) and the normalised embeddings averaged */
    templates: z
      .array(words.refine((t) => t.split('{}').length === 2, 'a prompt template holds exactly one "{}", where the text goes'))
      .min(1, 'at least one prompt template (leave `templates` out for the 79 official ones)')
      .optional(),
    /** what an edit moves away from when the request names nothing (default: `defaultSource`); said as an edit text is */
    neutral: words.optional(),
    /** a short edit text ("smiling", "glasses") said as the grammar's subject phrase ("a smiling face", "a face with glasses") */
    phrase: z
      .object({
        /** the subject phrases; the first is built on; a text holding any one's last word ("face", "person") is kept as typed */
        subjects: z.array(words).min(1, 'at least one subject phrase'),
        /** leading words said before the subject's noun ("smiling" → "a smiling face"); the rest follows "with" */
        before: z.array(words).min(1, 'at least one word (leave `before` out when none)').optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const manifestSchema = z.object({
  contract: z.literal(1),
  name: z.string().min(1),
  /** which method the hypernet implements; decides the layout of a domain vector */
  method: z.enum(['hypergan-clip', 'hyperdomainnet']),
  description: z.string(),
  /** true for packs made from random weights (tests, the demo): their pictures are abstract */
  randomWeights: z.boolean(),
  /** packs trained on a small world (the demo) know only these words; prompts with others get a hint */
  vocabulary: z.array(z.string()).optional(),
  /** what the generator draws: faces go through face detection and FFHQ alignment; anything else is centre-cropped */
  subject: z.enum(['faces', 'other']),
  resolution: z.number().int().positive(), // R
  numWs: z.number().int().positive(), // N
  latentDim: z.number().int().positive(), // 512 for real packs (z and w)
  domainDim: z.number().int().positive(), // D
  styleDim: z.number().int().positive(), // S
  embedDim: z.number().int().positive(), // E
  truncation: z.number().min(0).max(1), // default ψ for generation
  /** W+ entries from this index on are "fine": reference-guided synthesis copies the reference's inverted latent into them */
  fineLayersFrom: z.number().int().nonnegative(),
  defaultSource: z.string().min(1), // e.g. "a photo of a face"
  /** absent: domains are linear around the identity domain (strength and blends mix them directly) */
  domainLayout: domainLayoutSchema.optional(),
  condition: z.object({ text: conditionRecipeSchema, image: conditionRecipeSchema }),
  clip: z.object({
    model: z.string(), // e.g. "ViT-B/32"
    /** the CLIP model the hypernet was trained with, where known (HyperGAN-CLIP: ViT-B/16; HyperDomainNet: ViT-B/32) */
    hypernetTrainedWith: z.string().optional(),
    imageSize: z.number().int().positive(), // 224
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number(), z.number(), z.number()]),
    contextLength: z.number().int().positive(), // 77
    /** the text graph's input name and dtype: HF exports take int64 input_ids (+ attention_mask) */
    textInputs: z.array(z.string()).min(1),
    /** the output name carrying the projected embedding in each graph */
    textOutput: z.string(),
    imageOutput: z.string(),
  }),
  encoder: z.object({
    resolution: z.number().int().positive(), // R_enc
    alignment: z.enum(['ffhq', 'center-crop']),
  }),
  files: z.object({
    mapping: packFileSchema,
    synthesis: packFileSchema,
    /** absent in a pack exported from a generator alone: StyleCLIP edits and imported domains only */
    hypernet: packFileSchema.optional(),
    /** absent without an e4e checkpoint: no photo inversion */
    encoder: packFileSchema.optional(),
    clipText: packFileSchema,
    clipVision: packFileSchema,
    tokenizer: packFileSchema,
    /** float32 little-endian [latentDim] */
    wAvg: packFileSchema,
    /** float32 little-endian [domainDim]: the domain that leaves the generator unchanged */
    identityDomain: packFileSchema,
    /** optional: float32 [styleDim, embedDim], StyleCLIP global-direction relevance of each style channel */
    styleRelevance: packFileSchema.optional(),
    /** optional: styles.onnx, ws [B,N,L] -> styles [B,S] (the style vectors style_delta is added to) */
    styles: packFileSchema.optional(),
    /** optional: float32 [2, styleDim]: row 0 the mean, row 1 the σ of each style channel (StyleCLIP statistics) */
    styleStats: packFileSchema.optional(),
    /** optional: synthesis.onnx in fp16 with fp32 normalisations and float32 inputs/outputs, for GPUs (exporter --fp16-synthesis) */
    synthesisFp16: packFileSchema.optional(),
    /**
     * optional: synthesis_identity.onnx, ws [B,N,L] + style_delta [B,S] -> images: the generator without the domain
     * branch, i.e. the identity domain's pictures (every "before" row), cheaper than synthesis.onnx
     */
    synthesisIdentity: packFileSchema.optional(),
  }),
  /** how the StyleCLIP statistics and relevance of this pack were made (docs/pack-format.md) */
  styleclip: z
    .object({
      /** seeded samples behind styleStats, at ψ = truncation (absent: the pack has no statistics) */
      statsSamples: z.number().int().positive().optional(),
      truncation: z.number().min(0).max(1),
      /** relevance covers the StyledConvs of at most this many px (128, as the official code) … */
      maxResolution: z.number().int().positive(),
      /** … which are the first `channels` style channels; the rows of the others are zero and edits leave them */
      channels: z.number().int().nonnegative(),
      relevance: z
        .object({
          source: z.enum(['computed', 'imported']),
          samples: z.number().int().positive().optional(),
          push: z.number().positive().optional(),
          recipe: z.string().optional(),
        })
        .optional(),
      /** edit texts in the pack's own words (docs/pack-format.md, "StyleCLIP global directions") */
      text: styleclipTextSchema.optional(),
      /** the StyleCLIP α of the standard edit (/edit strength 1) on this pack's σ scale; absent: 3 */
      alphaPerStrength: z.number().positive().max(20).optional(),
    })
    .optional(),
  /** StyleGAN-NADA generators imported as fixed domains: their own synthesis graph, same inputs */
  domains: z
    .array(
      z.object({
        name: z.string().min(1),
        prompt: z.string().optional(),
        synthesis: packFileSchema,
        noise: z.enum(['fixed', 'random']).optional(),
      }),
    )
    .default([]),
  provenance: z.object({
    source: z.enum(['random', 'checkpoints', 'trained']),
    seed: z.number().int().optional(),
    config: z.string().optional(), // tiny | small | ffhq256 | ffhq1024 …
    checkpoints: z
      .array(
        z.object({
          role: z.string(),
          file: z.string(),
          sha256: z.string().optional(),
          url: z.string().optional(),
          licence: z.string().optional(),
        }),
      )
      .default([]),
    exporter: z.string(), // exporter version + torch version
  }),
});

export type PackFile = z.infer<typeof packFileSchema>;
export type DomainLayout = z.infer<typeof domainLayoutSchema>;
export type SlotLayout = z.infer<typeof slotLayoutSchema>;
export type PackManifest = z.infer<typeof manifestSchema>;
export type StyleClipText = z.infer<typeof styleclipTextSchema>;
