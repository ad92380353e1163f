// What each command does with a finished job's result — store it, word it, edit the job's message into it —
// as data (FinishSpec) and one function (finishJob), so that the front end that ran the command and a front
// end that adopts the job after the first one died (src/core/queue/adopter.ts) finish it the same way.
import type { Actor, CommandContext, Place } from '../src/core/platform.js';
import { deliverResult, type JobOutcome, runAsJob } from '../src/core/progress.js';
import { describedPng, resultMessage } from '../src/core/results.js';
import { domainId, floatsToBase64, shortId } from '../src/core/encoding.js';
import type { OutputOf, RenderOutputs, RenderTask } from '../src/core/render-tasks.js';
import type { ResultRecord, SavedDomain } from '../src/core/stores.js';
import type { BotServices } from '../src/core/services.js';
import { UserError } from '../src/core/platform.js';

export type FinishSpec =
  /** a rendered result record: stored, and posted with its buttons */
  | { name: 'result' }
  /** a photo re-drawn: a record made from the job's output, posted with the identity line */
  | { name: 'photo'; kind: 'stylize' | 'edit'; prompt: string; strength: number; pack: string }
  /** bytes posted as one file under a text (morph, gallery) */
  | { name: 'file'; text: string; file: { name: string; contentType: string; description: string } }
  /** a domain saved with its scores (the job computed them) */
  | { name: 'save'; saved: Omit<SavedDomain, 'semanticScore' | 'diversity' | 'createdAt'> };

/** who asked, where, and the job's description: the part of the command's context a finish needs */
export interface Asker {
  actor: Actor;
  place: Place;
  description: string;
}

/** Runs the job in front of the user, then finishes it; the finish travels with the job as data. */
export async function runAndFinish<T extends RenderTask>(
  ctx: CommandContext,
  services: BotServices,
  job: { kind: string; description: string; task: T },
  finish: FinishSpec,
): Promise<ResultRecord | undefined> {
  const outcome = await runAsJob(ctx, services, { ...job, finish });
  return finishJob(services, finish, { actor: ctx.actor, place: ctx.place, description: job.description }, outcome);
}

export async function finishJob(
  services: BotServices,
  spec: FinishSpec,
  asker: Asker,
  outcome: JobOutcome<unknown>,
): Promise<ResultRecord | undefined> {
  switch (spec.name) {
    case 'result': {
      const { rec: pending, png } = outcome.result as RenderOutputs['result'];
      const rec = { ...pending, messageId: outcome.message.id };
      await services.stores.putResult(rec);
      await deliverResult(outcome, asker.description, await resultMessage(services, rec, png));
      return rec;
    }
    case 'photo':
      return finishPhoto(services, spec, asker, outcome as JobOutcome<RenderOutputs['photo']>);
    case 'file': {
      await deliverResult(outcome, asker.description, { text: spec.text, files: [{ ...spec.file, data: outcome.result as Buffer }] });
      return undefined;
    }
    case 'save': {
      const scores = outcome.result as OutputOf<{ name: 'evaluate'; pack: string; domain: Float32Array; target: string }>;
      const saved = await services.stores.saveDomain({
        ...spec.saved,
        semanticScore: scores.semanticScore,
        diversity: scores.diversity,
        createdAt: Date.now(),
      });
      await deliverResult(outcome, asker.description, {
        text: `💾 Saved **${saved.name}** (${saved.prompt}) · Semantic-Score ${scores.semanticScore.toFixed(3)} · Diversity ${scores.diversity.toFixed(3)}. Use it with \`/stylize domain: ${saved.name}\` or \`/domains info name: ${saved.name}\`.`,
      });
      return undefined;
    }
  }
}

async function finishPhoto(
  services: BotServices,
  spec: Extract<FinishSpec, { name: 'photo' }>,
  asker: Asker,
  outcome: JobOutcome<RenderOutputs['photo']>,
): Promise<ResultRecord> {
  const engine = services.engines.get(spec.pack);
  if (!engine) throw new UserError(`The pack \`${spec.pack}\` is not loaded.`);
  const { message, result } = outcome;
  const rec: ResultRecord = {
    id: shortId(),
    kind: spec.kind,
    serverId: asker.place.serverId,
    channelId: asker.place.channelId,
    ownerId: asker.actor.id,
    pack: spec.pack,
    prompt: spec.prompt,
    seeds: [],
    strength: spec.strength,
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
  const note = ids.length
    ? identityLine(ids, why)
    : engine.manifest.subject === 'faces'
      ? `identity: not measured${why ? ` (${why})` : ''}`
      : undefined;
  const msg = await resultMessage(services, rec, result.pairPng, note);
  msg.files = [
    ...(msg.files ?? []),
    {
      name: `domainshift-${rec.id}-photo.png`,
      data: describedPng(result.compositePng, rec, engine),
      contentType: 'image/png',
      description: 'the photo, re-drawn',
    },
  ];
  await deliverResult(outcome, asker.description, msg);
  return rec;
}

/** docs/faces.md: face-descriptor cosine ≥ 0.97 is the same person, ≤ 0.93 someone else */
const SAME_PERSON = 0.97;
const SOMEONE_ELSE = 0.93;

/** The identity scores in words a user can act on: a face that became someone else is not "kept". */
export function identityLine(scores: number[], why?: string): string {
  const worst = Math.min(...scores);
  const verdict =
    worst >= SAME_PERSON ? 'identity kept' : worst > SOMEONE_ELSE ? 'identity partly kept' : 'identity lost: this looks like someone else';
  const how = `face-descriptor cosine ${scores.map((v) => v.toFixed(2)).join(', ')}; ≥ ${SAME_PERSON} the same person, ≤ ${SOMEONE_ELSE} someone else`;
  return `${verdict} (${how}${why ? `; ${why}` : ''})`;
}
