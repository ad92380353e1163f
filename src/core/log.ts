// Logging that never leaks secrets: any environment value whose name looks secret is masked in every line.
export interface Logger {
  info(msg: string): void;
  error(msg: string, err?: unknown): void;
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

/** an error's stack, which already starts with "Name: message"; the headline alone when it has no stack */
function errorText(err: Error): string {
  const head = `${err.name}: ${err.message}`;
  if (!err.stack) return head;
  return err.stack.startsWith(head) ? err.stack : `${head}\n${err.stack.split('\n').filter((l) => /^\s+at /.test(l)).join('\n')}`;
}

export function consoleLogger(sink: Pick<Console, 'log' | 'error'> = console): Logger {
  return {
    info: (msg) => sink.log(redact(`[domainshift] ${msg}`)),
    error: (msg, err) => {
      const detail = err === undefined ? '' : err instanceof Error ? errorText(err) : String(err);
      sink.error(redact(`[domainshift] ${msg}${detail ? `\n${detail}` : ''}`));
    },
  };
}
