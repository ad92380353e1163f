// The one logger: structured JSON lines (pino) that never leak secrets. Any environment value whose name looks
// secret, and the password of any URL, is masked in every line; jobs are logged with their jobId field.
import { pino, type Logger as PinoLogger } from 'pino';

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  error(msg: string, err?: unknown, fields?: LogFields): void;
}

function secretValues(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([k, v]) => /TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE/i.test(k) && typeof v === 'string' && v.length >= 6)
    .map(([, v]) => v as string)
    .sort((a, b) => b.length - a.length);
}

export function redact(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const s of secretValues(env)) out = out.split(s).join('[redacted]');
  // URLs with credentials (redis://user:pass@host)
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+):([^/@\s]+)@/gi, '$1$2:[redacted]@');
}

function errorFields(err: unknown): Record<string, string> | undefined {
  if (err === undefined) return undefined;
  if (err instanceof Error) return { type: err.name, message: redact(err.message), stack: redact(err.stack ?? '') };
  return { type: typeof err, message: redact(String(err)) };
}

/**
 * pino writing info lines to `sink.log` and errors to `sink.error` (stdout and stderr by default), each line
 * redacted once more as a whole, so that a secret inside any field is masked too.
 */
export function consoleLogger(sink: Pick<Console, 'log' | 'error'> = console, base: LogFields = {}): Logger {
  const make = (write: (line: string) => void): PinoLogger =>
    pino(
      { name: 'domainshift', base: { pid: process.pid, ...base }, formatters: { level: (label) => ({ level: label }) } },
      { write: (line: string) => write(redact(line.trimEnd())) },
    );
  const out = make((l) => sink.log(l));
  const err = make((l) => sink.error(l));
  return {
    info: (msg, fields) => out.info(fields ?? {}, redact(msg)),
    error: (msg, e, fields) => err.error({ ...fields, error: errorFields(e) }, redact(msg)),
  };
}

/**
 * The same logger, also masking secrets it was handed in code rather than through the environment (a bot token
 * passed as an option), and whatever `scrub` hides (Discord's interaction tokens in webhook paths).
 */
export function withSecrets(base: Logger, secrets: string[], scrub: (text: string) => string = (t) => t): Logger {
  const hidden = secrets.filter((s) => s.length >= 8);
  const clean = (text: string) => scrub(hidden.reduce((out, s) => out.split(s).join('[redacted]'), text));
  return {
    info: (m, fields) => base.info(clean(m), fields),
    error: (m, err, fields) =>
      base.error(
        clean(m),
        err instanceof Error ? Object.assign(new Error(clean(err.message)), { name: err.name, stack: err.stack && clean(err.stack) }) : err,
        fields,
      ),
  };
}
