// Slash-command autocomplete from the bot's specs: command names, then subcommands, then `option:` names,
// their choices, the bot's completions (saved domain names) and the channel's pictures for attachment options.
// Tab or Enter takes the highlighted one.
import { el } from './render.js';

function optionsOf(spec, sub) {
  if (spec.subcommands?.length) return spec.subcommands.find((s) => s.name === sub)?.options || [];
  return spec.options || [];
}

/** What the text so far calls for: a list of {label, hint, insert} where insert replaces the current token. */
function suggest(text, state) {
  const slash = state.specs.filter((s) => s.kind === 'slash');
  let m = /^\/(\S*)$/.exec(text);
  if (m) {
    return slash
      .filter((s) => s.name.startsWith(m[1].toLowerCase()))
      .map((s) => ({ label: `/${s.name}`, hint: s.description, replace: text, insert: `/${s.name} ` }));
  }
  m = /^\/(\S+)\s+([\s\S]*)$/.exec(text);
  if (!m) return [];
  const spec = slash.find((s) => s.name === m[1].toLowerCase());
  if (!spec) return [];
  let rest = m[2];
  let sub;
  if (spec.subcommands?.length) {
    const sm = /^(\S*)(\s+[\s\S]*)?$/.exec(rest);
    if (!sm[2]) {
      return spec.subcommands
        .filter((s) => s.name.startsWith(sm[1].toLowerCase()))
        .map((s) => ({ label: s.name, hint: s.description, replace: sm[1], insert: `${s.name} ` }));
    }
    sub = sm[1].toLowerCase();
    rest = sm[2];
  }
  const options = optionsOf(spec, sub);
  // the option being typed: "name: partial" at the end of the text
  const current = /(?:^|\s)([\w-]+):\s*([^:]*)$/.exec(rest);
  const named = options.find((o) => current && o.name === current[1]);
  if (named && !/\s$/.test(current[2])) {
    const partial = current[2];
    if (named.choices?.length) {
      return named.choices
        .filter((c) => c.name.toLowerCase().startsWith(partial.toLowerCase()))
        .map((c) => ({ label: c.name, hint: named.name, replace: partial, insert: `${c.value} ` }));
    }
    if (named.complete) {
      const found = completionsFor(state, named.complete, partial);
      return (found || []).map((c) => ({ label: c.value, hint: c.name, replace: partial, insert: `${c.value} ` }));
    }
    if (named.type === 'attachment') {
      return state.pictures
        .slice(-8)
        .reverse()
        .filter((p) => p.id.startsWith(partial))
        .map((p) => ({ label: p.name, hint: `from ${p.from}`, image: p.url, replace: partial, insert: `${p.id} ` }));
    }
    if (partial) return [];
    return [{ label: `${named.name}: ${named.type}`, hint: hintOf(named), replace: '', insert: '', inert: true }];
  }
  const used = new Set([...rest.matchAll(/(?:^|\s)([\w-]+):/g)].map((x) => x[1]));
  const word = /(\S*)$/.exec(rest)[1];
  if (word.includes(':')) return [];
  return options
    .filter((o) => !used.has(o.name) && o.name.startsWith(word.toLowerCase()))
    .map((o) => ({ label: `${o.name}:`, hint: hintOf(o), replace: word, insert: `${o.name}: ` }));
}

/** the bot's completions, fetched once per (source, text typed) and kept until the server says they changed */
function completionsFor(state, source, typed) {
  const key = `${source}\n${typed}`;
  if (state.completions.has(key)) return state.completions.get(key);
  state.completions.set(key, undefined);
  const q = new URLSearchParams({ source, q: typed });
  void fetch(`/api/complete?${q}`)
    .then((res) => (res.ok ? res.json() : { completions: [] }))
    .then(({ completions }) => {
      state.completions.set(key, completions);
      state.onCompletions?.();
    });
  return undefined;
}

function hintOf(o) {
  const range = o.min !== undefined || o.max !== undefined ? ` (${o.min ?? ''}…${o.max ?? ''})` : '';
  return `${o.required ? 'required · ' : ''}${o.type}${range} — ${o.description}`;
}

export function setupAutocomplete({ input, list, state }) {
  let items = [];
  let active = 0;

  function close() {
    items = [];
    list.hidden = true;
    list.replaceChildren();
  }

  const completed = (item) => input.value.slice(0, input.value.length - item.replace.length) + item.insert;

  function take(item) {
    if (item.inert) return;
    input.value = completed(item);
    input.focus();
    refresh();
  }

  function refresh() {
    items = input.value.startsWith('/') ? suggest(input.value, state) : [];
    active = 0;
    if (!items.length) return close();
    list.replaceChildren(
      ...items.map((it, i) =>
        el(
          'li',
          {
            role: 'option',
            class: i === active ? 'active' : '',
            'data-insert': it.insert,
            onmousedown: (e) => {
              e.preventDefault();
              take(it);
            },
          },
          [
            it.image ? el('img', { src: it.image, alt: '' }) : null,
            el('span', { class: 'label', text: it.label }),
            el('span', { class: 'hint', text: it.hint || '' }),
          ],
        ),
      ),
    );
    list.hidden = false;
  }

  function highlight(i) {
    active = (i + items.length) % items.length;
    [...list.children].forEach((li, j) => li.classList.toggle('active', j === active));
  }

  input.addEventListener('input', refresh);
  // completions arrive after the keystroke that asked for them
  state.onCompletions = () => document.activeElement === input && refresh();
  input.addEventListener('blur', () => setTimeout(close, 150));

  return {
    close,
    /** true when the key was for the suggestion list */
    handleKey(e) {
      if (list.hidden || !items.length) return false;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        highlight(active + (e.key === 'ArrowDown' ? 1 : -1));
        return true;
      }
      // Enter sends what is already complete ("/help" with "/help " offered); otherwise it takes the suggestion
      if (e.key === 'Tab' || (e.key === 'Enter' && !items[active].inert && completed(items[active]).trim() !== input.value.trim())) {
        e.preventDefault();
        take(items[active]);
        return true;
      }
      if (e.key === 'Escape') {
        close();
        return true;
      }
      return false;
    },
  };
}
