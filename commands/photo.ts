// A user's photo re-drawn (stylize, or edit of a picture): the engine finds and aligns the faces, re-renders
// them and pastes them back. Posted as the composite plus before/after of each face, with the identity score.
import type { CommandContext } from '../src/core/platform.js';
import { UserError } from '../src/core/platform.js';
import { deliverResult, runAsJob } from '../src/core/progress.js';
import { resultMessage } from '../src/core/results.js';
import { domainId, floatsToBase64, shortId } from '../src/core/encoding.js';
import type { ResultRecord } from '../src/core/stores.js';
import type { BotServices } from '../src/core/services.js';
import type { DomainVector, Engine } from '../src/engine/types.js';
import { beforeAfter, encodePng } from '../src/engine/images.js';

export interface PhotoRequest {
  kind: 'stylize' | 'edit';
  description: string;
  prompt: string;
  photo: Buffer;
  strength: number;
  /** found inside the job (CLIP, hypernet), so that the wait shows in the queue */
  domain?: () => Promise<DomainVector | undefined>;
  styleDelta?: () => Promise<Float32Array | undefined>;
}

export async function postPhotoResult(ctx: CommandContext, services: BotServices, engine: Engine, req: PhotoRequest): Promise<ResultRecord> {
  const outcome = await runAsJob(ctx, services, {
    kind: req.kind,
    description: req.description,
    work: async (job) => {
      job.progress(0.1, 'reading the condition with CLIP');
      const domain = await req.domain?.();
      const styleDelta = await req.styleDelta?.();
      job.throwIfCancelled();
      job.progress(0.4, 'finding and re-drawing the face');
      const out = await engine.stylize({ image: req.photo, domain, styleDelta, strength: req.strength });
      if (!out.faces.length)
        throw new UserError(engine.manifest.subject === 'faces' ? 'I could not find a face in that picture.' : 'Nothing in that picture could be re-drawn.');
      // the first face's W+ (e4e on the crop the encoder saw), so that the result can be re-rendered and edited later
      job.progress(0.8, 'inverting the face for later edits');
      const { ws } = await engine.invert([out.faces[0].before]);
      job.progress(0.9, 'drawing the result');
      const pair = await beforeAfter(out.faces.map((f) => f.before), out.faces.map((f) => f.after), ['before', req.prompt.slice(0, 28)]);
      return { domain, styleDelta, ws, faces: out.faces, pairPng: await encodePng(pair), compositePng: await encodePng(out.composite) };
    },
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
  const why = result.faces.map((f) => (f as { identityNote?: string }).identityNote).find((n) => n);
  const note = ids.length ? identityLine(ids, why) : engine.manifest.subject === 'faces' ? `identity: not measured${why ? ` (${why})` : ''}` : undefined;
  const msg = await resultMessage(services, rec, result.pairPng, note);
  msg.files = [...(msg.files ?? []), { name: `domainshift-${rec.id}-photo.png`, data: result.compositePng, contentType: 'image/png', description: 'the photo, re-drawn' }];
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
