// The one option boundary: the ranges every command's numbers live in (OPTION_RANGES), the one parser of typed
// text into options (Slack's slash text, the playground's message box), and validateInvocation, which createBot
// runs on every invocation, from every platform, before any command sees it. Commands read checked values only.
import { UserError, type CommandSpec, type Invocation, type OptionSpec, type OptionValue, type ParsedText } from './platform.js';

export interface OptionRange {
  min: number;
  max: number;
  /** what a command gets when the option is left out (none: the command decides, e.g. a random seed) */
  default?: number;
}

/** The largest sample count; seeds stop this far below 2³² so that seed + count − 1 is still a 32-bit seed. */
const MAX_COUNT = 8;

export const OPTION_RANGES = {
  /** how far a domain moves the generator: 0 none, 1 as trained, 2 twice as far */
  strength: { min: 0, max: 2, default: 1 },
  /** /edit: the same scale (0 none, 1 the standard edit, 2 twice it); negative goes the other way */
  editStrength: { min: -2, max: 2, default: 1 },
  seed: { min: 0, max: 0xffffffff - (MAX_COUNT - 1) },
  count: { min: 1, max: MAX_COUNT, default: 4 },
  /** /blend: how much of the second domain */
  weight: { min: 0, max: 1, default: 0.5 },
  userJobCap: { min: 1, max: 20 },
  serverJobCap: { min: 1, max: 200 },
} as const satisfies Record<string, OptionRange>;

/** The longest text a prompt-like option or form field takes (prompts, targets, sources, edit texts). */
export const PROMPT_MAX_LENGTH = 200;

/** An option spec whose limits (and default) come from OPTION_RANGES; the description says them. */
export function rangeOption(name: string, type: 'integer' | 'number', what: string, range: OptionRange): OptionSpec {
  const dflt = range.default === undefined ? '' : ` (default ${range.default})`;
  return {
    name,
    description: `${what}, ${range.min} to ${range.max}${dflt}`,
    type,
    min: range.min,
    max: range.max,
    default: range.default,
  };
}

function label(spec: CommandSpec, subcommand?: string): string {
  return subcommand ? `${spec.name} ${subcommand}` : spec.name;
}

/** The options of the (sub)command an invocation names. */
function optionsOf(spec: CommandSpec, subcommand?: string): OptionSpec[] {
  if (subcommand === undefined) return spec.options ?? [];
  return spec.subcommands?.find((s) => s.name === subcommand)?.options ?? [];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Typed text into options, one rule for every platform that has no option form:
 * - a first word naming a subcommand picks it;
 * - `name: value` anywhere, for the (sub)command's option names; a text value runs to the next `name:`, a number,
 *   yes/no or picture id is one word; `name: "quoted value"` either way;
 * - a bare word that names a yes/no option turns it on ("/queue all");
 * - everything else is the free text, which goes to the spec's `freeText` options in order (each but the last
 *   takes one word), or the first text option.
 * Values stay strings: validateInvocation converts and checks them.
 */
export function parseOptionText(spec: CommandSpec, text: string): ParsedText {
  let body = text.trim();
  let subcommand: string | undefined;
  if (spec.subcommands?.length) {
    const first = body.split(/\s+/, 1)[0]?.toLowerCase() ?? '';
    const sub = spec.subcommands.find((s) => s.name.toLowerCase() === first);
    if (sub) {
      subcommand = sub.name;
      body = body.slice(first.length).trim();
    }
  }
  const specs = optionsOf(spec, subcommand);
  const options: Record<string, string> = {};
  const free: string[] = [];
  const names = specs.map((o) => escapeRegExp(o.name)).join('|');
  const hits = names ? [...body.matchAll(new RegExp(`(?:^|\\s)(${names}):`, 'gi'))] : [];
  free.push(body.slice(0, hits[0]?.index ?? body.length));
  hits.forEach((hit, i) => {
    const o = specs.find((s) => s.name.toLowerCase() === hit[1].toLowerCase())!;
    if (o.name in options) throw new UserError(`/${label(spec, subcommand)}: ${o.name} is given twice.`);
    const segment = body.slice(hit.index! + hit[0].length, hits[i + 1]?.index ?? body.length).trim();
    const quoted = /^(?:"([^"]*)"|“([^”]*)”)([\s\S]*)$/.exec(segment);
    if (quoted) {
      options[o.name] = (quoted[1] ?? quoted[2]).trim();
      free.push(quoted[3]);
    } else if (o.type === 'string') {
      options[o.name] = segment;
    } else {
      const [word = '', ...rest] = segment.split(/\s+/);
      options[o.name] = word;
      free.push(rest.join(' '));
    }
  });

  // a bare word naming a yes/no option turns it on: "/queue all"
  let rest = free.join(' ').replace(/\s+/g, ' ').trim();
  for (const o of specs.filter((s) => s.type === 'boolean' && !(s.name in options))) {
    const words = rest.split(' ');
    const at = words.findIndex((w) => w.toLowerCase() === o.name.toLowerCase());
    if (at < 0) continue;
    options[o.name] = 'true';
    rest = words.filter((_, i) => i !== at).join(' ');
  }
  if (rest) {
    const targets = freeTextOptions(spec, specs).filter((o) => !(o.name in options));
    if (!targets.length) {
      if (spec.subcommands?.length && !subcommand)
        throw new UserError(`/${spec.name} needs one of: ${spec.subcommands.map((s) => s.name).join(', ')}.`);
      const named = specs.length
        ? `; write name: value (${specs.map((o) => o.name).join(', ')})`
        : `; try /${label(spec, subcommand)} alone`;
      throw new UserError(`/${label(spec, subcommand)} does not know what "${rest}" is${named}.`);
    }
    const words = rest.split(' ');
    targets.forEach((o, i) => {
      const value = i === targets.length - 1 ? words.slice(i).join(' ') : words[i];
      if (value) options[o.name] = value;
    });
  }
  return { subcommand, options };
}

function freeTextOptions(spec: CommandSpec, specs: OptionSpec[]): OptionSpec[] {
  const named = (spec.freeText ?? []).map((n) => specs.find((o) => o.name === n)).filter((o): o is OptionSpec => !!o);
  if (named.length) return named;
  const first = specs.find((o) => o.type === 'string');
  return first ? [first] : [];
}

function describeNumber(o: OptionSpec): string {
  const kind = o.type === 'integer' ? 'a whole number' : 'a number';
  if (o.min !== undefined && o.max !== undefined) return `${kind} from ${o.min} to ${o.max}`;
  if (o.min !== undefined) return `${kind} of at least ${o.min}`;
  if (o.max !== undefined) return `${kind} of at most ${o.max}`;
  return kind;
}

/** a value as the user typed it: numbers bare whichever platform sent them (Discord as numbers, text as strings) */
function shown(v: OptionValue): string {
  const s = String(v).trim();
  return typeof v === 'string' && (s === '' || !Number.isFinite(Number(s))) ? `"${v}"` : s;
}

/** One option's value converted to its type and checked against its spec; undefined when it was left empty. */
function checkValue(o: OptionSpec, v: OptionValue | null | undefined): OptionValue | undefined {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return undefined;
  if (o.type === 'attachment') {
    if (typeof v !== 'object') throw new UserError(`${o.name} must be a picture.`);
    return v;
  }
  if (typeof v === 'object') throw new UserError(`${o.name} must be ${o.type === 'string' ? 'text' : 'a value'}, not a file.`);
  let out: string | number | boolean;
  if (o.type === 'integer' || o.type === 'number') {
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : Number.NaN;
    const bad =
      !Number.isFinite(n) ||
      (o.type === 'integer' && !Number.isInteger(n)) ||
      (o.min !== undefined && n < o.min) ||
      (o.max !== undefined && n > o.max);
    if (bad) throw new UserError(`${o.name} must be ${describeNumber(o)} (got ${shown(v)}).`);
    out = n;
  } else if (o.type === 'boolean') {
    const s = String(v).trim();
    if (typeof v === 'boolean') out = v;
    else if (/^(true|yes|1|on)$/i.test(s)) out = true;
    else if (/^(false|no|0|off)$/i.test(s)) out = false;
    else throw new UserError(`${o.name} must be yes or no (got ${shown(v)}).`);
  } else {
    out = String(v).trim();
    if (o.maxLength !== undefined && out.length > o.maxLength)
      throw new UserError(`${o.name} is ${out.length} characters long; the limit is ${o.maxLength}.`);
  }
  if (o.choices?.length) {
    const choice = o.choices.find((c) => String(c.value) === String(out) || c.name.toLowerCase() === String(out).toLowerCase());
    if (!choice) throw new UserError(`${o.name} must be one of: ${o.choices.map((c) => c.name).join(', ')} (got ${shown(v)}).`);
    out = choice.value;
  }
  return out;
}

/**
 * Checks an invocation against its command's spec, whichever platform it came from: the subcommand exists,
 * required options are there, values have their type, range, length and choice; defaults are filled in and
 * options the spec does not name are dropped. Returns the checked invocation; a problem is a UserError.
 */
export function validateInvocation(spec: CommandSpec, inv: Invocation): Invocation {
  if (spec.kind === 'message') return inv;
  if (inv.subcommand !== undefined && !spec.subcommands?.some((s) => s.name === inv.subcommand))
    throw new UserError(`/${spec.name} needs one of: ${(spec.subcommands ?? []).map((s) => s.name).join(', ') || 'no subcommand'}.`);
  const options: Record<string, OptionValue> = {};
  for (const o of optionsOf(spec, inv.subcommand)) {
    const value = checkValue(o, inv.options[o.name]) ?? o.default;
    if (value !== undefined) options[o.name] = value;
    else if (o.required)
      throw new UserError(
        o.type === 'attachment'
          ? `/${label(spec, inv.subcommand)} needs a picture for ${o.name}: ${o.description}.`
          : `/${label(spec, inv.subcommand)} needs ${o.name}: ${o.description}.`,
      );
  }
  return { ...inv, options };
}
