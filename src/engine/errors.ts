// Errors the engine raises for bad requests (as opposed to bad packs, PackError, or internal failures).
// Their messages are meant for the person who sent the request; callers map them to their own user-facing error.
export class EngineInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineInputError';
  }
}

export function requireFinite(name: string, v: number | undefined, min = -Infinity, max = Infinity): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v < min || v > max) {
    throw new EngineInputError(`${name} must be a number${Number.isFinite(min) ? ` from ${min}` : ''}${Number.isFinite(max) ? ` to ${max}` : ''}, got ${v}`);
  }
}
