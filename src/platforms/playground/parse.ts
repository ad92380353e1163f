// Typed text in the playground's message box → an Invocation, checked against the command specs the way
// Discord checks its option form: `/cmd [sub] name: value name2: value2`. Free text without `name:` goes
// through the command's own parseText (the Slack parser), or becomes its first text option.
import { UserError, type Attachment, type CommandSpec, type Invocation, type OptionSpec, type OptionValue } from '../../core/platform.js';

export interface ParseInput {
  text: string;
  /** resolves an attachment option's value (a picture id in the channel) */
  attachmentById(id: string): Attachment | undefined;
  /** pictures the user staged in the composer, used for attachment options not named in the text */
  staged: Attachment[];
  /** the user's latest picture in the channel, for a required attachment option still empty */
  latest?: Attachment;
}

export function slashSpecs(specs: CommandSpec[]): CommandSpec[] {
  return specs.filter((s) => s.kind === 'slash');
}

export function parseCommandText(specs: CommandSpec[], input: ParseInput): Invocation {
  const text = input.text.trim();
  const match = /^\/(\S+)\s*([\s\S]*)$/.exec(text);
  if (!match) throw new UserError('Commands start with "/", for example /help.');
  const [, name, rest] = match;
  const spec = slashSpecs(specs).find((s) => s.name === name.toLowerCase());
  if (!spec) {
    const known = slashSpecs(specs).map((s) => `/${s.name}`).join(', ');
    throw new UserError(`There is no command /${name}. Commands: ${known}.`);
  }

  let subcommand: string | undefined;
  let body = rest;
  let optionSpecs: OptionSpec[] = spec.options ?? [];
  if (spec.subcommands?.length) {
    const [first = '', ...more] = rest.split(/\s+/);
    const sub = spec.subcommands.find((s) => s.name === first.toLowerCase());
    if (sub) {
      subcommand = sub.name;
      body = more.join(' ');
      optionSpecs = sub.options ?? [];
    } else if (!spec.parseText || hasNamedOptions(rest, allOptions(spec))) {
      const names = spec.subcommands.map((s) => s.name).join(', ');
      throw new UserError(`/${spec.name} needs one of: ${names}.`);
    }
  }

  let raw: Record<string, string | number | boolean>;
  // Discord's form (`name: value`, values of several words) when the text starts with an option name;
  // otherwise the command's own free-text parser, which also takes `key:value` anywhere in the text
  const discordForm = hasNamedOptions(body, optionSpecs) && (!spec.parseText || !leadText(body, optionSpecs));
  if (discordForm) {
    raw = splitNamedOptions(spec, body, optionSpecs);
  } else if (spec.parseText && rest.trim()) {
    const parsed = spec.parseText(rest.trim());
    raw = parsed.options;
    if (parsed.subcommand) {
      subcommand = parsed.subcommand;
      optionSpecs = spec.subcommands?.find((s) => s.name === parsed.subcommand)?.options ?? optionSpecs;
    }
  } else {
    raw = {};
    const first = optionSpecs.find((o) => o.type === 'string');
    if (body.trim()) {
      if (!first) throw new UserError(`/${commandLabel(spec, subcommand)} takes no text; try /${spec.name} alone.`);
      raw[first.name] = body.trim();
    }
  }

  const options: Record<string, OptionValue> = {};
  const staged = [...input.staged];
  for (const o of optionSpecs) {
    const value = raw[o.name];
    if (o.type === 'attachment') {
      const picked = value !== undefined ? input.attachmentById(String(value).replace(/^#/, '')) : undefined;
      if (value !== undefined && !picked) {
        throw new UserError(`${o.name}: no picture "${value}" in this channel; drop one in or pick one from the list.`);
      }
      const chosen = picked ?? staged.shift() ?? (o.required ? input.latest : undefined);
      if (chosen) options[o.name] = chosen;
    } else if (value !== undefined && value !== '') {
      options[o.name] = coerce(o, value);
    }
    if (o.required && options[o.name] === undefined) {
      throw new UserError(
        o.type === 'attachment'
          ? `/${commandLabel(spec, subcommand)} needs a picture for ${o.name}: drop one into the channel first.`
          : `/${commandLabel(spec, subcommand)} needs ${o.name}: ${o.description}`,
      );
    }
  }
  return { command: spec.name, subcommand, options };
}

function commandLabel(spec: CommandSpec, subcommand?: string): string {
  return subcommand ? `${spec.name} ${subcommand}` : spec.name;
}

function allOptions(spec: CommandSpec): OptionSpec[] {
  return [...(spec.options ?? []), ...(spec.subcommands ?? []).flatMap((s) => s.options ?? [])];
}

function namePattern(options: OptionSpec[]): RegExp | undefined {
  if (!options.length) return undefined;
  const names = options.map((o) => o.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return new RegExp(`(?:^|\\s)(${names}):`, 'gi');
}

function hasNamedOptions(text: string, options: OptionSpec[]): boolean {
  const re = namePattern(options);
  return !!re && re.test(text);
}

function leadText(text: string, options: OptionSpec[]): string {
  const first = [...text.matchAll(namePattern(options)!)][0];
  return first ? text.slice(0, first.index).trim() : text.trim();
}

function splitNamedOptions(spec: CommandSpec, text: string, options: OptionSpec[]): Record<string, string> {
  const re = namePattern(options)!;
  const hits = [...text.matchAll(re)];
  const lead = leadText(text, options);
  if (lead) throw new UserError(`/${spec.name}: "${lead}" comes before any option name; write name: value.`);
  const out: Record<string, string> = {};
  hits.forEach((hit, i) => {
    const key = options.find((o) => o.name.toLowerCase() === hit[1].toLowerCase())!.name;
    const start = hit.index! + hit[0].length;
    const end = i + 1 < hits.length ? hits[i + 1].index! : text.length;
    if (key in out) throw new UserError(`/${spec.name}: ${key} is given twice.`);
    out[key] = text.slice(start, end).trim();
  });
  return out;
}

function coerce(o: OptionSpec, value: string | number | boolean): string | number | boolean {
  const s = String(value).trim();
  let v: string | number | boolean;
  if (o.type === 'boolean') {
    if (/^(true|yes|1|on)$/i.test(s)) v = true;
    else if (/^(false|no|0|off)$/i.test(s)) v = false;
    else throw new UserError(`${o.name} must be true or false (got "${s}").`);
  } else if (o.type === 'integer' || o.type === 'number') {
    const n = Number(s);
    if (s === '' || !Number.isFinite(n) || (o.type === 'integer' && !Number.isInteger(n))) {
      throw new UserError(`${o.name} must be ${o.type === 'integer' ? 'a whole number' : 'a number'} (got "${s}").`);
    }
    if (o.min !== undefined && n < o.min) throw new UserError(`${o.name} must be at least ${o.min} (got ${s}).`);
    if (o.max !== undefined && n > o.max) throw new UserError(`${o.name} must be at most ${o.max} (got ${s}).`);
    v = n;
  } else {
    if (o.maxLength !== undefined && s.length > o.maxLength) {
      throw new UserError(`${o.name} is ${s.length} characters long; at most ${o.maxLength}.`);
    }
    v = s;
  }
  if (o.choices?.length) {
    const choice = o.choices.find((c) => String(c.value) === String(v) || c.name.toLowerCase() === s.toLowerCase());
    if (!choice) throw new UserError(`${o.name} must be one of: ${o.choices.map((c) => c.name).join(', ')}.`);
    v = choice.value;
  }
  return v;
}
