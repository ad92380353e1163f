// One pack in memory: verified files, ONNX sessions checked against the contract and warmed up, the tokenizer and
// the small float files. Shared by every Engine handle opened on the same folder (see index.ts).
import path from 'node:path';
import { ClipTokenizer, visionInputName } from './clip.js';
import type { PackFile, PackManifest } from './manifest.js';
import {
  checkGraph,
  clipContracts,
  graphContracts,
  PackError,
  readF32File,
  readManifest,
  resolvePackPath,
  verifyPackFiles,
  type GraphSpec,
} from './pack.js';
import { openSession, ort, ProviderError, type SessionOptions } from './session.js';

export interface PackSessions {
  mapping: ort.InferenceSession;
  synthesis: ort.InferenceSession;
  /** null in a pack made from a generator alone (no /adapt from text or pictures) */
  hypernet: ort.InferenceSession | null;
  /** null without an e4e encoder (no photo inversion) */
  encoder: ort.InferenceSession | null;
  clipText: ort.InferenceSession;
  clipVision: ort.InferenceSession;
  /** styles.onnx (ws -> style vectors), absent from packs exported before it existed */
  styles: ort.InferenceSession | null;
  /** synthesis_identity.onnx (the identity domain's pictures without the domain branch), likewise optional */
  synthesisIdentity: ort.InferenceSession | null;
  /** imported StyleGAN-NADA generators by name */
  nada: Map<string, ort.InferenceSession>;
}

export interface LoadedPack {
  dir: string;
  manifest: PackManifest;
  sessions: PackSessions;
  tokenizer: ClipTokenizer;
  wAvg: Float32Array;
  identity: Float32Array;
  /** pack-provided StyleCLIP relevance [S,E], if any */
  styleRelevance: Float32Array | null;
  /** pack-provided style statistics (style_stats.bin), if any */
  styleStats: { mean: Float32Array; std: Float32Array } | null;
  provider: 'cpu' | 'cuda';
  loadMs: number;
}

async function open(dir: string, m: PackManifest, role: keyof PackManifest['files'], opts: SessionOptions) {
  const file = m.files[role]!;
  try {
    return await openSession(resolvePackPath(dir, file), opts);
  } catch (err) {
    if (err instanceof PackError || err instanceof ProviderError) throw err;
    throw new PackError(file.path, `ONNX Runtime cannot load it (${(err as Error).message.split('\n')[0]})`);
  }
}

function zeros(spec: GraphSpec, session: ort.InferenceSession): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const inp of spec.inputs) {
    const dims = inp.shape.map((d) => (typeof d === 'number' ? d : 1));
    const size = dims.reduce((a, b) => a * b, 1);
    const meta = session.inputMetadata.find((x) => x.name === inp.name);
    const type = meta?.isTensor ? meta.type : 'float32';
    feeds[inp.name] =
      type === 'int64'
        ? new ort.Tensor('int64', new BigInt64Array(size), dims)
        : type === 'int32'
          ? new ort.Tensor('int32', new Int32Array(size), dims)
          : new ort.Tensor('float32', new Float32Array(size), dims);
  }
  return feeds;
}

export async function loadPack(packDir: string, opts: SessionOptions & { hash?: boolean; warmup?: boolean } = {}): Promise<LoadedPack> {
  const t0 = performance.now();
  const dir = path.resolve(packDir);
  const m = await readManifest(dir);
  await verifyPackFiles(dir, m, { hash: opts.hash });
  const settled = await Promise.allSettled(
    (['mapping', 'synthesis', 'hypernet', 'encoder', 'clipText', 'clipVision'] as const).map((r) =>
      m.files[r] ? open(dir, m, r, opts) : Promise.resolve(null),
    ),
  );
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    // release whatever did open before reporting the first failure
    await Promise.all(
      settled.map((s) => (s.status === 'fulfilled' && s.value ? s.value.session.release().catch(() => undefined) : undefined)),
    );
    throw failed.reason;
  }
  type Opened = Awaited<ReturnType<typeof open>>;
  const [mapping, synthesis, hypernet, encoder, clipText, clipVision] = settled.map(
    (s) => (s as PromiseFulfilledResult<Opened | null>).value,
  );
  if (!mapping || !synthesis || !clipText || !clipVision) throw new PackError(m.files.mapping.path, 'a required graph is missing');
  const sessions: PackSessions = {
    mapping: mapping.session,
    synthesis: synthesis.session,
    hypernet: hypernet?.session ?? null,
    encoder: encoder?.session ?? null,
    clipText: clipText.session,
    clipVision: clipVision.session,
    styles: null,
    synthesisIdentity: null,
    nada: new Map(),
  };
  const contracts = graphContracts(m);
  const clip = clipContracts(m, visionInputName(sessions.clipVision));
  const optional = (
    file: PackFile | undefined,
    session: ort.InferenceSession | null,
    spec: GraphSpec,
  ): Array<[string, ort.InferenceSession, GraphSpec]> => (file && session ? [[file.path, session, spec]] : []);
  const checks: Array<[string, ort.InferenceSession, GraphSpec]> = [
    [m.files.mapping.path, sessions.mapping, contracts.mapping],
    [m.files.synthesis.path, sessions.synthesis, contracts.synthesis],
    ...optional(m.files.hypernet, sessions.hypernet, contracts.hypernet),
    ...optional(m.files.encoder, sessions.encoder, contracts.encoder),
    [m.files.clipText.path, sessions.clipText, clip.clipText],
    [m.files.clipVision.path, sessions.clipVision, clip.clipVision],
  ];
  try {
    if (m.files.styles) {
      sessions.styles = (await open(dir, m, 'styles', opts)).session;
      checks.push([m.files.styles.path, sessions.styles, contracts.styles]);
    }
    if (m.files.synthesisIdentity) {
      sessions.synthesisIdentity = (await open(dir, m, 'synthesisIdentity', opts)).session;
      checks.push([m.files.synthesisIdentity.path, sessions.synthesisIdentity, contracts.synthesisIdentity]);
    }
    for (const d of m.domains) {
      const s = await openSession(resolvePackPath(dir, d.synthesis), opts).catch((err: Error) => {
        if (err instanceof ProviderError) throw err;
        throw new PackError(d.synthesis.path, `ONNX Runtime cannot load it (${err.message.split('\n')[0]})`);
      });
      sessions.nada.set(d.name, s.session);
      checks.push([d.synthesis.path, s.session, contracts.synthesis]);
    }
    for (const [label, session, spec] of checks) checkGraph(label, session, spec);
    const wAvg = await readF32File(dir, m.files.wAvg, m.latentDim);
    const identity = await readF32File(dir, m.files.identityDomain, m.domainDim);
    const styleRelevance = m.files.styleRelevance ? await readF32File(dir, m.files.styleRelevance, m.styleDim * m.embedDim) : null;
    const stats = m.files.styleStats ? await readF32File(dir, m.files.styleStats, 2 * m.styleDim) : null;
    const styleStats = stats ? { mean: stats.slice(0, m.styleDim), std: stats.slice(m.styleDim) } : null;
    let tokenizer: ClipTokenizer;
    try {
      tokenizer = await ClipTokenizer.load(resolvePackPath(dir, m.files.tokenizer), m.clip.contextLength);
    } catch (err) {
      throw new PackError(m.files.tokenizer.path, `not a usable tokenizer.json (${(err as Error).message})`);
    }
    if (opts.warmup !== false) {
      // one batch-1 run per graph: allocations and kernel choices happen here, not in the first request
      for (const [label, session, spec] of checks) {
        try {
          await session.run(zeros(spec, session));
        } catch (err) {
          throw new PackError(label, `fails on a warm-up run (${(err as Error).message.split('\n')[0]})`);
        }
      }
    }
    const provider = [mapping, synthesis, hypernet, encoder, clipText, clipVision].every((s) => !s || s.provider === 'cuda')
      ? 'cuda'
      : synthesis.provider;
    return { dir, manifest: m, sessions, tokenizer, wAvg, identity, styleRelevance, styleStats, provider, loadMs: performance.now() - t0 };
  } catch (err) {
    await releasePack(sessions);
    throw err;
  }
}

export async function releasePack(s: PackSessions): Promise<void> {
  const all = [s.mapping, s.synthesis, s.hypernet, s.encoder, s.clipText, s.clipVision, s.styles, s.synthesisIdentity, ...s.nada.values()];
  await Promise.all(all.map((x) => x?.release().catch(() => undefined)));
}
