// One family of errors for bad requests, rooted here at the bottom layer so that the engine belongs to it without
// importing anything above: InputError ← EngineInputError ← ImageInputError; core's UserError and the CLI's
// CliInputError extend InputError too. An InputError's message is written for the person who sent the request;
// anything else is an internal failure (bad packs are PackError, pack.ts). core/errors.ts turns both into words.
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    // each subclass is named after itself, so the name survives a thread or queue hop (reviveError)
    this.name = new.target.name;
  }
}

/** A request the engine refuses (an out-of-range value, an empty text). */
export class EngineInputError extends InputError {}

/** A picture the user sent that the engine cannot use. */
export class ImageInputError extends EngineInputError {}

const ENGINE_INPUT_ERRORS: Record<string, new (message: string) => InputError> = { InputError, EngineInputError, ImageInputError };

/**
 * An error rebuilt from its name and message after crossing a thread or a queue: the engine's input errors come
 * back as themselves (so they stay user-facing), anything else as a plain Error with the name kept. `more`
 * adds the classes of the layers above (core's UserError, CancelledError).
 */
export function reviveError(name: string, message: string, more: Record<string, new (message: string) => Error> = {}): Error {
  const Known = more[name] ?? ENGINE_INPUT_ERRORS[name];
  if (Known) return new Known(message);
  const e = new Error(message);
  e.name = name;
  return e;
}

export function requireFinite(name: string, v: number | undefined, min = -Infinity, max = Infinity): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v < min || v > max) {
    throw new EngineInputError(
      `${name} must be a number${Number.isFinite(min) ? ` from ${min}` : ''}${Number.isFinite(max) ? ` to ${max}` : ''}, got ${v}`,
    );
  }
}
