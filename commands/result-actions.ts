// The buttons under every result: more samples, strength −/+, morph, save (a modal asks the name),
// 👍/👎 with live tallies, delete (the owner, or managers).
import { checkField, UserError, type CommandContext, type ModalValues } from '../src/core/platform.js';
import { makeId } from '../src/core/command.js';
import { resultInfoText, resultMessage, voteKey } from '../src/core/results.js';
import { Stores, type ResultRecord } from '../src/core/stores.js';
import type { BotServices } from '../src/core/services.js';
import { base64ToFloats } from '../src/core/encoding.js';
import { OPTION_RANGES } from '../src/core/options.js';
import { onReferenceModal, onSampleButton, remixForm } from './sample-actions.js';
import { postResult, seedsFrom } from './shared.js';
import { runAndFinish } from './finish.js';

const STRENGTH_STEP = 0.25;

export async function loadResult(ctx: CommandContext, services: BotServices, id: string | undefined): Promise<ResultRecord> {
  const rec = id ? await services.stores.getResult(ctx.place.serverId, id) : undefined;
  if (!rec) throw new UserError('That result is no longer available (it was deleted, or made on another server).');
  return rec;
}

async function engineOf(services: BotServices, rec: ResultRecord) {
  const engine = services.engines.get(rec.pack);
  if (!engine) throw new UserError(`This result was made with the pack \`${rec.pack}\`, which is not loaded any more.`);
  return engine;
}

export async function mayDelete(ctx: CommandContext, services: BotServices, ownerId: string): Promise<boolean> {
  if (ctx.actor.id === ownerId || ctx.actor.isManager) return true;
  return (await services.stores.getSettings(ctx.place.serverId)).deleteOthers === 'everyone';
}

async function maySave(ctx: CommandContext, services: BotServices): Promise<boolean> {
  return ctx.actor.isManager || (await services.stores.getSettings(ctx.place.serverId)).saveDomains === 'everyone';
}

export async function onResultButton(ctx: CommandContext, args: string[], services: BotServices): Promise<void> {
  const [action, id, arg] = args;
  const rec = await loadResult(ctx, services, id);
  const engine = await engineOf(services, rec);
  const derived = {
    kind: rec.kind,
    prompt: rec.prompt,
    domain: rec.domain,
    domainId: rec.domainId,
    styleDelta: rec.styleDelta,
    ws: rec.ws,
    z: rec.z,
    large: rec.large,
    nadaDomain: rec.nadaDomain,
  };

  if (['more', 'str', 'morph', 'vary', 'big', 'ref'].includes(action) && !rec.ws && !rec.z && !rec.seeds.length)
    throw new UserError('This result cannot be re-rendered; run the command again instead.');

  switch (action) {
    case 'vary':
    case 'big':
    case 'ref':
      return onSampleButton(ctx, action, rec, arg, engine, services);
    case 'remix':
      if (!ctx.openModal) throw new UserError('This platform cannot show the form; run `/adapt` with the prompt instead.');
      return ctx.openModal(remixForm(rec));
    case 'more': {
      if (rec.ws) throw new UserError('A stylized photo has no other samples.');
      const last = rec.seeds[rec.seeds.length - 1];
      const seeds = seedsFrom(last + rec.seeds.length > 0xffffffff ? 0 : last + 1, rec.seeds.length);
      await postResult(ctx, services, engine, `more samples of ${rec.prompt}`, { fields: { ...derived, seeds, strength: rec.strength } });
      return;
    }
    case 'str': {
      const step = arg === 'down' ? -STRENGTH_STEP : STRENGTH_STEP;
      const strength =
        Math.round(Math.min(OPTION_RANGES.strength.max, Math.max(OPTION_RANGES.strength.min, rec.strength + step)) * 100) / 100;
      if (strength === rec.strength) throw new UserError(`The strength is already ${rec.strength}.`);
      await postResult(ctx, services, engine, `${rec.prompt} at strength ${strength}`, {
        fields: { ...derived, seeds: rec.seeds, strength },
      });
      return;
    }
    case 'morph': {
      // Slack shows animated GIFs inline but not animated WebP
      const format = ctx.place.platform === 'slack' ? 'gif' : 'webp';
      await runAndFinish(
        ctx,
        services,
        { kind: 'morph', description: `morph of ${rec.prompt}`, task: { name: 'morph', pack: engine.manifest.name, rec, format } },
        {
          name: 'file',
          text: `**Morph:** ${rec.prompt} (strength 0 → ${rec.strength}) · result \`${rec.id}\``,
          file: { name: `domainshift-${rec.id}-morph.${format}`, contentType: `image/${format}`, description: `morph: ${rec.prompt}` },
        },
      );
      return;
    }
    case 'save': {
      if (!rec.domain) throw new UserError('Only results with a domain can be saved.');
      if (!(await maySave(ctx, services))) throw new UserError('On this server only managers can save domains.');
      if (!ctx.openModal) throw new UserError('This platform cannot show a form here; use `/domains` after saving from another client.');
      await ctx.openModal({
        id: makeId('adapt', 'save', rec.id),
        title: 'Save this domain',
        fields: [
          {
            id: 'name',
            label: 'Name (letters, digits, - or _)',
            kind: 'text',
            required: true,
            maxLength: 32,
            placeholder: suggestName(rec.prompt),
          },
        ],
      });
      return;
    }
    case 'vote': {
      if (arg !== 'up' && arg !== 'down') throw new UserError('This button no longer works.');
      const { mine } = await services.stores.vote(ctx.place.serverId, voteKey(rec), ctx.actor.id, arg === 'up' ? 1 : -1);
      // the message keeps its picture: an edit without files leaves the posted files in place
      if (ctx.source) await ctx.source.edit(await resultMessage(services, rec));
      else await ctx.reply({ text: mine === 0 ? 'Vote withdrawn.' : `Voted ${mine > 0 ? '👍' : '👎'}.`, private: true });
      return;
    }
    case 'info': {
      await ctx.reply({ text: resultInfoText(rec, engine), private: true });
      return;
    }
    case 'delete': {
      if (!(await mayDelete(ctx, services, rec.ownerId)))
        throw new UserError('Only the person who made this result, or a manager, can delete it.');
      await services.stores.deleteResult(rec.serverId, rec.id);
      if (ctx.source) await ctx.source.delete();
      await ctx.reply({ text: `Deleted result \`${rec.id}\`.`, private: true });
      return;
    }
    default:
      throw new UserError('This button no longer works.');
  }
}

function suggestName(prompt: string): string {
  const target = prompt.split('→').pop() ?? prompt;
  return (
    target
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 32) || 'my-domain'
  );
}

export async function onResultModal(ctx: CommandContext, args: string[], values: ModalValues, services: BotServices): Promise<void> {
  const [action, id, arg] = args;
  if (action === 'ref') {
    const rec = await loadResult(ctx, services, id);
    return onReferenceModal(ctx, rec, arg, values, await engineOf(services, rec), services);
  }
  if (action !== 'save') throw new UserError('This form no longer works.');
  const rec = await loadResult(ctx, services, id);
  if (!rec.domain || !rec.domainId) throw new UserError('Only results with a domain can be saved.');
  if (!(await maySave(ctx, services))) throw new UserError('On this server only managers can save domains.');
  const raw = typeof values.name === 'string' ? values.name : '';
  // a bad or taken name is shown beside the form's field where the platform can (the form stays open)
  const name = await checkField('name', async () => {
    const n = Stores.normalizeName(raw || suggestName(rec.prompt));
    if (await services.stores.getSaved(ctx.place.serverId, n))
      throw new UserError(`A domain called \`${n}\` already exists on this server.`);
    return n;
  });
  const engine = await engineOf(services, rec);
  const target = rec.prompt.split('→').pop()!.trim();
  // Semantic-Score and Diversity (seed 004) with the pack's CLIP, once, when the domain is saved
  await runAndFinish(
    ctx,
    services,
    {
      kind: 'evaluate',
      description: `saving ${name}`,
      task: { name: 'evaluate', pack: engine.manifest.name, domain: base64ToFloats(rec.domain), target },
    },
    {
      name: 'save',
      saved: {
        name,
        serverId: ctx.place.serverId,
        pack: rec.pack,
        domain: rec.domain,
        domainId: rec.domainId,
        prompt: rec.prompt,
        creatorId: ctx.actor.id,
        creatorName: ctx.actor.name,
      },
    },
  );
}
