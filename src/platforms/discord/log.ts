// The adapter logs through the core's Logger; this wrapper also masks the bot token in every line, even when
// it was passed in code rather than through the environment (which the core's logger already masks), and the
// interaction tokens in webhook paths.
import { consoleLogger, type Logger } from '../../core/log.js';
import { hideInteractionTokens } from './responder.js';

export type { Logger };

export function redactingLogger(base: Logger, secrets: string[]): Logger {
  const hidden = secrets.filter((s) => s.length >= 8);
  const clean = (text: string) => hideInteractionTokens(hidden.reduce((out, s) => out.split(s).join('[redacted]'), text));
  return {
    info: (m) => base.info(clean(m)),
    error: (m, err) =>
      base.error(clean(m), err instanceof Error ? Object.assign(new Error(clean(err.message)), { name: err.name, stack: err.stack && clean(err.stack) }) : err),
  };
}

export const defaultLogger: Logger = consoleLogger();
