// Engine.stylize delegates to the face path (src/engine/faces/stylize.ts, stylizePhoto) when that module exists;
// otherwise, and for packs whose subject is not faces if the face module declines them, the centre-crop path runs.
import { stylizeCenterCrop } from './stylize-crop.js';
import type { Engine, StylizeRequest, StylizeResult } from './types.js';

type StylizePhoto = (engine: Engine, req: StylizeRequest) => Promise<StylizeResult>;
let facePath: Promise<StylizePhoto | null> | null = null;

function loadFacePath(): Promise<StylizePhoto | null> {
  // a computed specifier: the module is written by another engineer and may not exist yet
  const specifier = './faces/stylize.js';
  facePath ??= import(specifier).then(
    (mod: { stylizePhoto?: StylizePhoto }) => mod.stylizePhoto ?? null,
    (err: NodeJS.ErrnoException) => {
      if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('faces')) return null;
      throw err;
    },
  );
  return facePath;
}

export async function stylizeWithBestPath(engine: Engine, req: StylizeRequest): Promise<StylizeResult> {
  const stylizePhoto = await loadFacePath();
  return stylizePhoto ? stylizePhoto(engine, req) : stylizeCenterCrop(engine, req);
}
