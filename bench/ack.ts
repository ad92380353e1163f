// The ack benchmark (issue 11): the real bot process (playground, single-process mode) with every render worker
// busy on Stylize and /adapt jobs, while 200 interactions (/help, one at a time) are timed from the request to
// the HTTP ack and to the bot's answer in the channel. Prints p50/p95/p99/max and the load average beside them.
//   npx tsx bench/ack.ts [--workers 2] [--interactions 200] [--jobs 20] [--pack models/demo] [--ort-threads 0]
// (--ort-threads: ONNX Runtime threads per render thread, as ORT_THREADS; 0 = its default, one per core)
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startFrontEnd } from '../scripts/processes.js';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    interactions: { type: 'string', default: '200' },
    jobs: { type: 'string', default: '20' },
    pack: { type: 'string', default: 'models/demo' },
    photo: { type: 'string', default: 'node_modules/@vladmandic/face-api/demo/sample1.jpg' },
    'ort-threads': { type: 'string', default: '0' },
  },
});
const workers = Number(args.workers);
const interactions = Number(args.interactions);
const jobs = Number(args.jobs);

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

// the whole bot in one process (no QUEUE_URL)
const bot = await startFrontEnd(undefined, 'ack-bench', {
  PLAYGROUND: '1',
  PACK_DIR: args.pack,
  RENDER_WORKERS: String(workers),
  ORT_THREADS: args['ort-threads'],
  MAX_JOBS_PER_USER: '100',
});
const base = bot.base;

const post = (route: string, body: unknown) =>
  fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

try {
  // every event the probe user sees, in order
  const events: Array<{ at: number; message: { author: { bot: boolean }; visibleTo?: string; text: string } }> = [];
  const stream = await fetch(`${base}/api/events?user=probe`);
  void (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of stream.body!) {
      buf += decoder.decode(chunk, { stream: true });
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (data) {
          const ev = JSON.parse(data);
          if (ev.type === 'message') events.push({ at: performance.now(), message: ev.message });
        }
      }
    }
  })().catch(() => undefined);

  const photo = await readFile(args.photo);
  const up = await fetch(`${base}/api/upload?user=loader&name=loader&file=photo.jpg`, {
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    body: photo,
  });
  const { file } = (await up.json()) as { file: { id: string } };

  // the load: half Stylize (face detection, alignment, inversion, paste-back), half 8-sample /adapt
  for (let j = 0; j < jobs; j++) {
    // two jobs a user: within the default per-user cap, so every job is admitted
    const user = { id: `loader${j >> 1}`, name: `loader${j >> 1}` };
    const text = j % 2 ? `/adapt prompt: a dog → a marble statue ${j} count: 8` : `/stylize image: ${file.id} target: a bronze bust ${j}`;
    await post('/api/command', { user, text });
  }
  const load0 = loadavg();
  const ackMs: number[] = [];
  const answerMs: number[] = [];
  for (let k = 0; k < interactions; k++) {
    const seen = events.length;
    const t0 = performance.now();
    const res = await post('/api/command', { user: { id: 'probe', name: 'probe' }, text: '/help', panel: true });
    ackMs.push(performance.now() - t0);
    if (res.status !== 202) throw new Error(`the playground answered ${res.status}`);
    for (;;) {
      const ev = events.slice(seen).find((e) => e.message.author.bot && e.message.visibleTo === 'probe');
      if (ev) {
        answerMs.push(ev.at - t0);
        break;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const load1 = loadavg();
  // what every loader user sees, private answers included: refusals or failures would mean less load than claimed
  const seen = new Map<string, { text: string }>();
  for (let u = 0; u < Math.ceil(jobs / 2); u++) {
    const h = (await (await fetch(`${base}/api/messages?user=loader${u}`)).json()) as { messages: Array<{ id: string; text: string }> };
    for (const m of h.messages) seen.set(m.id, m);
  }
  const texts = [...seen.values()].map((m) => m.text);
  const finished = texts.filter((t) => /^\*\*(Domain|Stylized):\*\*/.test(t)).length;
  const busy = texts.filter((t) => /^⏳/.test(t)).length;
  const refused = texts.filter((t) => /limit|❌|Something went wrong|could not/i.test(t)).length;

  const line = (name: string, xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `${name.padEnd(24)} p50 ${quantile(s, 0.5).toFixed(1).padStart(7)} ms  p95 ${quantile(s, 0.95).toFixed(1).padStart(7)} ms  p99 ${quantile(s, 0.99).toFixed(1).padStart(7)} ms  max ${s[s.length - 1].toFixed(1).padStart(7)} ms`;
  };
  console.log(
    `ack benchmark: ${interactions} × /help while ${jobs} render jobs (Stylize + 8-sample /adapt) run on ${workers} worker thread(s), ORT_THREADS=${args['ort-threads']}, pack ${args.pack}`,
  );
  console.log(line('HTTP ack (202)', ackMs));
  console.log(line('answer in the channel', answerMs));
  console.log(
    `load average (1/5/15 min): before ${load0.map((v) => v.toFixed(2)).join(' ')}, after ${load1.map((v) => v.toFixed(2)).join(' ')}`,
  );
  console.log(
    `render jobs finished during the run: ${finished} of ${jobs}; still queued or running at the end: ${busy}${busy === 0 ? ' (workers went idle: raise --jobs)' : ''}; refused or failed: ${refused}`,
  );
  const p99 = quantile(
    [...answerMs].sort((a, b) => a - b),
    0.99,
  );
  console.log(p99 < 200 ? 'p99 < 200 ms: holds' : 'p99 < 200 ms: does NOT hold');
} finally {
  await bot.kill('SIGTERM');
}
