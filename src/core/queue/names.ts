// What front ends and render workers agree on in Redis.
import { randomBytes } from 'node:crypto';

export const RENDER_QUEUE = 'domainshift-render';
/** a front end publishes a running job's id here; the worker running it aborts it */
export const CANCEL_CHANNEL = 'domainshift:cancel';
/** set when a job is cancelled, so a worker that picks it up later (or a front end asking after it) knows */
export const cancelledKey = (jobId: string) => `domainshift:cancelled:${jobId}`;
export const CANCEL_MARK_SECONDS = 3600;

/** JSON bytes at most: a job (a photo and a reference picture of up to 8 MB each, as base64) and a result */
export const DEFAULT_JOB_BYTES = 24 * 1024 * 1024;
export const DEFAULT_RESULT_BYTES = 24 * 1024 * 1024;

/** A job id users can type (base64url, never all digits: BullMQ refuses numeric custom ids). */
export function newJobId(): string {
  for (;;) {
    const id = randomBytes(6).toString('base64url');
    if (!/^\d+$/.test(id)) return id;
  }
}

export interface RenderJobData {
  /** the RenderTask, encoded (codec.ts) */
  task: unknown;
  /** fingerprints of the packs the task uses, as the front end holds them */
  packs: Record<string, string>;
  userId: string;
  serverId: string;
  kind: string;
  description: string;
  createdAt: number;
}

export interface RenderProgress {
  fraction: number;
  note?: string;
}
