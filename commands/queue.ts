// /queue: your jobs with their positions, and a cancel button for each (managers see the whole server's).
import type { Command } from '../src/core/command.js';
import { makeId } from '../src/core/command.js';
import { UserError, type ButtonSpec } from '../src/core/platform.js';

export const queueCommand: Command = {
  spec: {
    name: 'queue',
    description: 'Your jobs, their places in the queue, and cancel buttons',
    kind: 'slash',
    options: [{ name: 'all', description: 'managers: every job on this server', type: 'boolean' }],
  },

  async run(ctx, inv, services) {
    const all = inv.options.all === true && ctx.actor.isManager;
    const jobs = await services.jobs.list({ serverId: ctx.place.serverId, userId: all ? undefined : ctx.actor.id });
    if (!jobs.length) {
      await ctx.reply({
        text: all ? 'No jobs are queued or running on this server.' : 'You have no jobs queued or running.',
        private: true,
      });
      return;
    }
    const lines = jobs.map((j) => {
      const where = j.position === 0 ? `running ${Math.round(j.progress * 100)}%` : `position ${j.position}`;
      return `• \`${j.id}\` ${j.description} — ${where}${all && j.userId !== ctx.actor.id ? ` (<@${j.userId}>)` : ''}`;
    });
    const buttons: ButtonSpec[] = jobs
      .slice(0, 25)
      .map((j) => ({ id: makeId('queue', 'cancel', j.id), label: `Cancel ${j.id}`, style: 'danger' }));
    const rows: ButtonSpec[][] = [];
    for (let i = 0; i < buttons.length; i += 5) rows.push(buttons.slice(i, i + 5));
    await ctx.reply({ text: `${all ? 'Jobs on this server' : 'Your jobs'}:\n${lines.join('\n')}`, buttons: rows, private: true });
  },

  async onButton(ctx, args, services) {
    const [action, jobId] = args;
    if (action !== 'cancel' || !jobId) throw new UserError('This button no longer works.');
    const found = await services.jobs.cancel(jobId, { userId: ctx.actor.id, serverId: ctx.place.serverId, isManager: ctx.actor.isManager });
    await ctx.reply({ text: found ? `Cancelled job \`${jobId}\`.` : `Job \`${jobId}\` has already finished.`, private: true });
  },
};
