// Issue 11's check on one machine, with the commands the docs give: `QUEUE_URL=redis://127.0.0.1:PORT npm start`
// (the playground) plus two `npx domainshift worker` processes. An 8-sample /adapt goes in through the
// playground; the worker that takes it is killed with SIGKILL mid-job; the job must finish on the other worker
// and its result show up in the playground exactly once, with nothing failed. Prints PASS or FAIL (exit 0 / 1).
//   npx tsx scripts/check-distributed.ts [--pack models/demo] [--redis redis://127.0.0.1:6379]
// Without --redis it starts a throwaway redis-server on a free port (Debian's package).
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { type FrontEnd, logLines, type Proc, type RedisHandle, startFrontEnd, startRedis, startWorker } from './processes.js';

const { values: args } = parseArgs({
  options: {
    pack: { type: 'string', default: 'models/demo' },
    redis: { type: 'string' },
  },
});

const PROMPT = 'a photo → a pencil sketch';
const started = /started: render for user checker/;
const procs: Proc[] = [];
let redis: RedisHandle | undefined;
let failed = '';

try {
  if (!args.redis) redis = await startRedis();
  const url = args.redis ?? redis!.url;
  console.log(
    `redis: ${url}; pack ${args.pack}; load average ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
  // a 5 s lock: BullMQ gives a dead worker's job to the other one within seconds, not the default 30
  const worker = { PACK_DIR: args.pack, WORKER_LOCK_MS: '5000' };
  const [w1, w2] = await Promise.all([startWorker(url, 'worker-1', worker, 'npm'), startWorker(url, 'worker-2', worker, 'npm')]);
  procs.push(w1, w2);
  const fe: FrontEnd = await startFrontEnd(url, 'front-end', { PACK_DIR: args.pack, PLAYGROUND: '1' }, 'npm');
  procs.push(fe);
  console.log(`npm start (playground ${fe.base}) and two \`npx domainshift worker\` are up`);

  await fe.command('checker', `/adapt prompt: ${PROMPT} count: 8 seed: 11`);
  const which = await Promise.race([w1, w2].map((w, i) => w.waitFor(started, 300_000).then(() => i)));
  const [victim, other] = which === 0 ? [w1, w2] : [w2, w1];
  const jobId = logLines(victim).find((l) => started.test(l.msg))?.jobId;
  await victim.kill('SIGKILL');
  console.log(`worker-${which + 1} took job ${jobId} and was killed with SIGKILL mid-job`);
  if (logLines(victim).some((l) => l.jobId === jobId && / done /.test(l.msg)))
    failed = 'the killed worker had already finished the job (not mid-job)';

  await other.waitFor(new RegExp(`job ${jobId} done`), 300_000);
  console.log(`worker-${2 - which} finished job ${jobId}`);
  // the result reaches the playground once; a second delivery would add a second message
  const results = async () => (await fe.messages('checker')).filter((m) => m.text.startsWith(`**Domain:** ${PROMPT}`));
  for (let t = 0; t < 60 && (await results()).length === 0; t++) await new Promise((r) => setTimeout(r, 1000));
  await new Promise((r) => setTimeout(r, 5000));
  const shown = (await results()).length;
  const failures = (await fe.messages('checker')).filter((m) => /❌|Something went wrong/.test(m.text)).map((m) => m.text);
  console.log(`results in the playground: ${shown}; failure messages: ${failures.length}`);
  if (shown !== 1) failed ||= `the result was shown ${shown} times`;
  if (failures.length) failed ||= `failures: ${failures.join(' | ')}`;
} catch (e) {
  failed = e instanceof Error ? e.message : String(e);
} finally {
  for (const p of procs.reverse()) await p.kill('SIGTERM').catch(() => undefined);
  await redis?.stop();
}
console.log(
  `load average ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}`,
);
console.log(failed ? `FAIL: ${failed}` : 'PASS');
process.exit(failed ? 1 : 0);
