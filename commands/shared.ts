// Helpers shared by the commands that make results: seeds, and rendering a result as a job and posting it.
import type { CommandContext } from '../src/core/platform.js';
import { shortId } from '../src/core/encoding.js';
import type { EditSpec, PendingRecord } from '../src/core/render-tasks.js';
import type { ResultRecord } from '../src/core/stores.js';
import type { BotServices } from '../src/core/services.js';
import type { Engine } from '../src/engine/types.js';
import { runAndFinish } from './finish.js';

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

/** count consecutive seeds from the first (OPTION_RANGES.seed keeps the last one a 32-bit seed) */
export function seedsFrom(seed: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => seed + i);
}

/** Renders a result record as a job and posts it: the path every result-making command and button takes. */
export async function postResult(
  ctx: CommandContext,
  services: BotServices,
  engine: Engine,
  description: string,
  spec: {
    fields: Omit<ResultRecord, 'id' | 'createdAt' | 'serverId' | 'channelId' | 'ownerId' | 'pack'>;
    /** the domain from text, found inside the job (CLIP and the hypernet, so that the wait shows in the queue) */
    domainFromText?: { target: string; source?: string };
    /** a StyleCLIP edit added to the fields' style offset inside the job */
    addEdit?: EditSpec;
  },
): Promise<ResultRecord> {
  const pending: PendingRecord = {
    ...spec.fields,
    id: shortId(),
    serverId: ctx.place.serverId,
    channelId: ctx.place.channelId,
    ownerId: ctx.actor.id,
    pack: engine.manifest.name,
    createdAt: Date.now(),
  };
  const rec = await runAndFinish(
    ctx,
    services,
    {
      kind: 'render',
      description,
      task: { name: 'result', pack: engine.manifest.name, rec: pending, domainFromText: spec.domainFromText, addEdit: spec.addEdit },
    },
    { name: 'result' },
  );
  return rec!;
}
