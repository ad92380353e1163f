// The bot's side of the one error family (engine/errors.ts holds its root, InputError) and the one function that
// turns any error into what a user is told: an input error's own words, or the one generic sentence for a failure
// of ours (which the caller logs). Every adapter, createBot and the CLI answer through these.
import { InputError } from '../engine/errors.js';

export { InputError };

/** A refusal whose message is written for the chat user as it is (no prefix). */
export class UserError extends InputError {}

/** A non-user error with the id of the job it happened in, so the answer can name it. */
export class JobFailure extends Error {
  constructor(
    readonly jobId: string,
    readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'JobFailure';
    if (cause instanceof Error && cause.stack) this.stack = cause.stack;
  }
}

/** The text to show a user for an error, or undefined when it is an internal failure (to be logged, not shown). */
export function userMessageOf(e: unknown): string | undefined {
  const cause = e instanceof JobFailure ? e.cause : e;
  if (cause instanceof UserError) return cause.message;
  // the engine's and the CLI's messages name the problem ("seed must be an integer"): said as a refusal
  if (cause instanceof InputError) return `That did not work: ${cause.message}`;
  return undefined;
}

/** The one answer to a failure of ours; `ref` ("job abc123") lets the operator find it in the log. */
export function somethingWentWrong(ref?: string): string {
  return `Something went wrong${ref ? ` (${ref})` : ''}. The error was logged; please try again.`;
}
