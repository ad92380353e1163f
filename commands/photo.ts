// A user's photo re-drawn (stylize, or edit of a picture): the engine finds and aligns the faces, re-renders
// them and pastes them back. Posted as the composite plus before/after of each face, with the identity score
// (the finishing step is commands/finish.ts).
import type { CommandContext } from '../src/core/platform.js';
import type { ResultRecord } from '../src/core/stores.js';
import type { BotServices } from '../src/core/services.js';
import type { Engine } from '../src/engine/types.js';
import type { EditSpec, RenderTask } from '../src/core/render-tasks.js';
import { runAndFinish } from './finish.js';

export interface PhotoRequest {
  kind: 'stylize' | 'edit';
  description: string;
  prompt: string;
  photo: Buffer;
  strength: number;
  /** found inside the job (CLIP, hypernet), so that the wait shows in the queue */
  domain?: Extract<RenderTask, { name: 'photo' }>['domain'];
  edit?: EditSpec;
}

export async function postPhotoResult(
  ctx: CommandContext,
  services: BotServices,
  engine: Engine,
  req: PhotoRequest,
): Promise<ResultRecord> {
  const pack = engine.manifest.name;
  const rec = await runAndFinish(
    ctx,
    services,
    {
      kind: req.kind,
      description: req.description,
      task: { name: 'photo', pack, photo: req.photo, prompt: req.prompt, strength: req.strength, domain: req.domain, edit: req.edit },
    },
    { name: 'photo', kind: req.kind, prompt: req.prompt, strength: req.strength, pack },
  );
  return rec!;
}
