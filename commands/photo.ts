// A user's photo re-drawn (stylize, or edit of a picture): the engine finds and aligns the faces, re-renders
// them and pastes them back. Posted as the composite plus before/after of each face, with the identity score.
import type { CommandContext } from '../src/core/platform.js';
import { deliverResult, runAsJob } from '../src/core/progress.js';
import { describedPng, resultMessage } from '../src/core/results.js';
import { domainId, floatsToBase64, shortId } from '../src/core/encoding.js';
import type { ResultRecord } from '../src/core/stores.js';
import type { BotServices } from '../src/core/services.js';
import type { Engine } from '../src/engine/types.js';
import type { EditSpec, RenderTask } from '../src/core/render-tasks.js';

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

export async function postPhotoResult(ctx: CommandContext, services: BotServices, engine: Engine, req: PhotoRequest): Promise<ResultRecord> {
  const outcome = await runAsJob(ctx, services, {
    kind: req.kind,
    description: req.description,
    task: { name: 'photo', pack: engine.manifest.name, photo: req.photo, prompt: req.prompt, strength: req.strength, domain: req.domain, edit: req.edit },
  });
  const { message, result } = outcome;
  const rec: ResultRecord = {
    id: shortId(),
    kind: req.kind,
    serverId: ctx.place.serverId,
    channelId: ctx.place.channelId,
    ownerId: ctx.actor.id,
    pack: engine.manifest.name,
    prompt: req.prompt,
    seeds: [],
    strength: req.strength,
    domain: result.domain ? floatsToBase64(result.domain) : undefined,
    domainId: result.domain ? domainId(result.domain) : undefined,
    styleDelta: result.styleDelta ? floatsToBase64(result.styleDelta) : undefined,
    ws: floatsToBase64(result.ws),
    messageId: message.id,
    createdAt: Date.now(),
  };
  await services.stores.putResult(rec);
  const ids = result.faces.map((f) => f.identity).filter((v): v is number => v !== null);
  // the face engine says why a score is missing, or how it was taken when the result's face was not detected
  const why = result.faces.map((f) => f.identityNote).find((n) => n);
  const note = ids.length ? identityLine(ids, why) : engine.manifest.subject === 'faces' ? `identity: not measured${why ? ` (${why})` : ''}` : undefined;
  const msg = await resultMessage(services, rec, result.pairPng, note);
  msg.files = [...(msg.files ?? []), { name: `domainshift-${rec.id}-photo.png`, data: describedPng(result.compositePng, rec, engine), contentType: 'image/png', description: 'the photo, re-drawn' }];
  await deliverResult(outcome, req.description, msg);
  return rec;
}

/** docs/faces.md: face-descriptor cosine ≥ 0.97 is the same person, ≤ 0.93 someone else */
export const SAME_PERSON = 0.97;
export const SOMEONE_ELSE = 0.93;

/** The identity scores in words a user can act on: a face that became someone else is not "kept". */
export function identityLine(scores: number[], why?: string): string {
  const worst = Math.min(...scores);
  const verdict =
    worst >= SAME_PERSON ? 'identity kept' : worst > SOMEONE_ELSE ? 'identity partly kept' : 'identity lost: this looks like someone else';
  const how = `face-descriptor cosine ${scores.map((v) => v.toFixed(2)).join(', ')}; ≥ ${SAME_PERSON} the same person, ≤ ${SOMEONE_ELSE} someone else`;
  return `${verdict} (${how}${why ? `; ${why}` : ''})`;
}
