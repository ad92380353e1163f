// `domainshift` CLI: commander wiring and the exit-code policy (0 success, 2 bad input, 1 internal failure).
import { Command, CommanderError, Option } from 'commander';
import { userMessageOf } from '../core/errors.js';
import { PackError } from '../engine/pack.js';
import * as actions from './actions.js';
import { packRelevance } from './relevance.js';

function common(cmd: Command): Command {
  return cmd
    .option('--pack <dir>', 'model pack folder', 'models/demo')
    .option('--latents <file>', 'float32 .npy z latents [n, latentDim]')
    .option('--seed <n>', 'first seed (samples use seed, seed+1, …)', '0')
    .option('--n <count>', 'number of samples', '4')
    .option('--strength <alpha>', 'domain strength: 0 = unchanged, 1 = as given')
    .option('--truncation <psi>', "ψ toward the average latent (default: the pack's)")
    .option('--out <file>', 'where to write the picture')
    .option('--json', 'print a JSON summary on stdout')
    .addOption(new Option('--provider <name>', 'execution provider').choices(['auto', 'cpu', 'cuda']).default('auto'))
    .option('--threads <n>', 'intra-op threads per ONNX session');
}

function buildProgram(): Command {
  const program = new Command('domainshift')
    .description('StyleGAN2 domain adaptation with CLIP on ONNX Runtime (model packs: docs/pack-format.md)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const pack = program.command('pack').description('check or describe a model pack');
  pack
    .command('verify <dir>')
    .description('load a pack: schema, sizes, sha256, graph contracts, a warm-up run')
    .option('--json', 'JSON output')
    .addOption(new Option('--provider <name>').choices(['auto', 'cpu', 'cuda']).default('auto'))
    .action(actions.packVerify);
  pack
    .command('relevance <dir>')
    .description("StyleCLIP σ and relevance (official recipe) computed with the pack's graphs, or imported, and stored in the pack")
    .option('--samples <k>', 'latent samples per channel (2·channels·K generator + CLIP passes)', '100')
    .option('--style-samples <n>', "latent samples for the style channels' mean and σ", '100000')
    .option('--import <fs3.npy>', "store StyleCLIP's published relevance file (fs3.npy) instead of computing one")
    .option('--force', 'recompute even if the pack brings a relevance')
    .option('--json', 'JSON output')
    .addOption(new Option('--provider <name>').choices(['auto', 'cpu', 'cuda']).default('auto'))
    .action(packRelevance);
  pack.command('inspect <dir>').description('print what pack.json says').option('--json', 'JSON output').action(actions.packInspect);

  common(program.command('generate').description('samples in a domain (identity by default)'))
    .option('--target <text>', 'a domain from this text')
    .option('--domain <file>', 'a domain vector (.npy float32 [D])')
    .option('--nada <name>', 'an imported StyleGAN-NADA domain of the pack')
    .action(actions.generate);

  common(program.command('adapt').description('a new domain from text; writes a before/after grid'))
    .option('--prompt <text>', '"source → target" (also -> or " to "), or just the target')
    .option('--target <text>', 'target text')
    .option('--source <text>', "source text (default: the pack's)")
    .option('--save-domain <file>', 'write the domain vector as .npy')
    .option('--morph <file>', 'also write an animation from identity to the domain (.webp or .gif)')
    .action(actions.adapt);

  common(program.command('stylize').description('a photo re-drawn in a domain'))
    .requiredOption('--image <file>', 'the photo')
    .option('--domain <file>', 'domain vector .npy')
    .option('--target <text>', 'domain from text')
    .option('--reference <file>', 'domain from a reference picture')
    .option('--max-faces <n>', 'stylize up to this many faces, largest first', '1')
    .action(actions.stylize);

  common(
    program
      .command('edit')
      .description('StyleCLIP global direction: "neutral → target" text edit; --strength as /edit in chat (1 the standard edit, -2 to 2)'),
  )
    .option('--image <file>', 'edit this (aligned) picture instead of seeded samples')
    .requiredOption('--text <target>', 'what to move toward, e.g. "smiling"')
    .option('--neutral <text>', "what to move away from (default: the pack's source text)")
    .option('--disentanglement <beta>', 'β: channels less relevant than this are left alone', '0.1')
    .option('--domain <file>', 'render in this domain')
    .option('--target <text>', 'render in a domain from text')
    .action(actions.edit);

  common(program.command('blend').description('a weighted blend of domains'))
    .option('--target <text...>', 'domains from texts')
    .option('--domain <file...>', 'domain vector files')
    .option('--weights <list>', 'comma-separated weights (default: equal)')
    .action(actions.blend);

  common(
    program
      .command('eval')
      .description('Semantic-Score and Diversity of a domain (seed 004); without --target, the judged evaluation of a world-trained pack'),
  )
    .option('--judge <dir>', 'the independent judge and evaluation set (default models/judge)')
    .option('--target <text>', 'the domain from this text, scored against it')
    .option('--domain <file>', 'a domain vector file (scored against --against)')
    .option('--against <text>', 'the text to score against (default: --target)')
    .option('--samples <n>', 'samples to score', '8')
    .option('--edit-strength <s>', "the judged evaluation's /edit strength, -2 to 2 (StyleCLIP α = s × the pack's standard step)", '1')
    .option('--disentanglement <beta>', "the judged evaluation's /edit β (default: the engine's, 0.1)")
    .action(actions.evaluate);

  common(program.command('bench').description('per-stage engine timings on one pack (npm run bench compares with PyTorch)'))
    .option('--repeat <n>', 'timed repetitions', '3')
    .action(actions.bench);

  program
    .command('worker')
    .description('a render worker for distributed mode: jobs from QUEUE_URL (Redis), the pack from PACK_DIR (the same as the front ends)')
    .action(async () => (await import('../worker.js')).runWorker());
  return program;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests and bin share it. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
      return 2; // commander has printed its one-line reason already
    }
    // the words every adapter uses (core/errors.ts); a pack the user pointed at that is broken is their input too
    const said = userMessageOf(err) ?? (err instanceof PackError ? err.message : undefined);
    if (said !== undefined) {
      process.stderr.write(`error: ${said.split('\n')[0]}\n`);
      return 2;
    }
    process.stderr.write(`internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}
