// The playground page: one chat channel driven by the server's JSON API and server-sent events.
import { el, markup, renderMessage, renderModalFields } from './render.js';
import { setupAutocomplete } from './autocomplete.js';

const $ = (id) => document.getElementById(id);
const state = {
  user: loadUser(),
  specs: [],
  actions: [],
  pictures: [], // {id, name, url} of the channel, newest last, for attachment options
  events: null,
  /** the channel follows new messages unless the user scrolled up to read older ones */
  follow: true,
  /** the side-panel command on show, re-run when what it shows changed */
  panel: null,
  /** the bot's completions by source and text typed (saved domain names), dropped when they change */
  completions: new Map(),
};

function loadUser() {
  try {
    const u = JSON.parse(localStorage.getItem('playground-user') || 'null');
    if (u?.id) return u;
  } catch {}
  return { id: 'you', name: 'You', manager: true };
}

async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, user: state.user }),
  });
  if (!res.ok) {
    const { error } = await res.json().catch(() => ({ error: res.statusText }));
    showLocalNotice(error || `request failed (${res.status})`);
  }
}

function showLocalNotice(text) {
  appendOrReplace({
    id: `local-${Date.now()}`,
    author: { id: 'domainshift', name: 'DomainShift', bot: true },
    text,
    files: [],
    buttons: [],
    visibleTo: state.user.id,
    createdAt: Date.now(),
  });
}

const handlers = {
  onButton: (messageId, buttonId) => post('/api/button', { messageId, buttonId }),
  onPictureLoad: () => followChannel(),
  onAction: (command, messageId) => post('/api/action', { command, messageId }),
  onOpen: (url) => {
    const box = $('lightbox');
    box.querySelector('img').src = url;
    box.showModal();
  },
};

function render(m) {
  return renderMessage(m, { handlers, actions: state.actions, me: state.user.id });
}

function appendOrReplace(m) {
  for (const f of m.files) {
    if (f.contentType.startsWith('image/') && !state.pictures.some((p) => p.id === f.id))
      state.pictures.push({ id: f.id, name: f.name, url: f.url, from: m.author.name });
  }
  const list = m.panel ? $('panel-body') : $('messages');
  if (m.panel) list.querySelector('.muted')?.remove();
  const old = list.querySelector(`[data-id="${CSS.escape(m.id)}"]`);
  if (old) old.replaceWith(render(m));
  else list.append(render(m));
  if (!m.panel && !old && m.author.id === state.user.id) state.follow = true;
  if (!m.panel) followChannel();
}

function followChannel() {
  const list = $('messages');
  if (state.follow) list.scrollTop = list.scrollHeight;
}

function setupScroll() {
  const list = $('messages');
  // a scroll the user makes decides; the page's own scrolls to the bottom keep following
  list.addEventListener('scroll', () => {
    state.follow = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  });
}

function remove(id) {
  document.querySelector(`[data-id="${CSS.escape(id)}"]`)?.remove();
}

async function connect() {
  state.events?.close();
  document.body.dataset.ready = 'false';
  $('messages').replaceChildren();
  const q = `user=${encodeURIComponent(state.user.id)}`;
  const events = new EventSource(`/api/events?${q}`);
  state.events = events;
  events.addEventListener('message', (e) => appendOrReplace(JSON.parse(e.data).message));
  events.addEventListener('delete', (e) => remove(JSON.parse(e.data).id));
  events.addEventListener('modal', (e) => openModal(JSON.parse(e.data).modal));
  events.addEventListener('stale', () => {
    state.completions.clear();
    if (state.panel) showPanel(state.panel);
  });
  // every (re)connection reloads the history: events sent while the stream was down are not replayed
  events.addEventListener('open', () => void loadHistory(q));
  await new Promise((resolve) => events.addEventListener('open', resolve, { once: true }));
}

async function loadHistory(q) {
  const { messages } = await (await fetch(`/api/messages?${q}`)).json();
  $('messages').replaceChildren();
  state.follow = true;
  for (const m of messages) appendOrReplace(m);
  document.body.dataset.ready = 'true';
}

function openModal(modal) {
  const dialog = $('modal');
  $('modal-title').textContent = modal.title;
  $('modal-fields').replaceChildren(...renderModalFields(modal));
  for (const old of $('modal-form').querySelectorAll('.field-error')) old.remove();
  const form = $('modal-form');
  form.onsubmit = async (e) => {
    e.preventDefault();
    const values = {};
    for (const f of modal.fields) {
      const input = form.elements.namedItem(f.id);
      if (f.kind === 'attachment') {
        const ids = [];
        for (const file of input.files) {
          const up = await upload(file, false);
          if (up) ids.push(up.file.id);
        }
        values[f.id] = ids;
      } else values[f.id] = input.value;
    }
    const res = await fetch('/api/modal', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ modalId: modal.id, values, user: state.user }),
    });
    const answer = await res.json().catch(() => ({}));
    // a field the bot refused: its error beside it, and the form stays open to be corrected
    if (res.status === 422 && answer.errors) return showFieldErrors(form, answer.errors);
    if (!res.ok) showLocalNotice(answer.error || `request failed (${res.status})`);
    dialog.close();
  };
  $('modal-cancel').onclick = () => dialog.close();
  dialog.showModal();
  form.querySelector('input, select')?.focus();
}

function showFieldErrors(form, errors) {
  for (const old of form.querySelectorAll('.field-error')) old.remove();
  for (const [field, message] of Object.entries(errors)) {
    const input = form.elements.namedItem(field);
    input?.setAttribute('aria-invalid', 'true');
    (input?.closest('label') ?? form).append(el('span', { class: 'field-error', role: 'alert', html: markup(message) }));
  }
}

async function upload(file, show = true) {
  const q = new URLSearchParams({ file: file.name, user: state.user.id, name: state.user.name, post: show ? '1' : '0' });
  const res = await fetch(`/api/upload?${q}`, {
    method: 'POST',
    headers: { 'content-type': file.type || 'application/octet-stream' },
    body: file,
  });
  // a refused picture is answered in the channel by the server, so only success matters here
  return res.ok ? res.json() : null;
}

function setupUploads() {
  $('file-input').addEventListener('change', async (e) => {
    for (const f of e.target.files) await upload(f);
    e.target.value = '';
  });
  const overlay = $('drop-overlay');
  let depth = 0;
  const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes('Files');
  window.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    depth++;
    overlay.hidden = false;
  });
  window.addEventListener('dragleave', () => {
    if (--depth <= 0) {
      depth = 0;
      overlay.hidden = true;
    }
  });
  window.addEventListener('dragover', (e) => hasFiles(e) && e.preventDefault());
  window.addEventListener('drop', async (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    overlay.hidden = true;
    for (const f of e.dataTransfer.files) await upload(f);
  });
}

function setupComposer() {
  const input = $('input');
  const complete = setupAutocomplete({ input, list: $('suggestions'), state });
  const send = async () => {
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    complete.close();
    if (text.startsWith('/')) await post('/api/command', { text });
    else await post('/api/say', { text });
  };
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    void send();
  });
  input.addEventListener('keydown', (e) => {
    if (complete.handleKey(e)) return;
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void send();
    }
  });
}

function setupUserSwitch() {
  const form = $('who');
  $('user-id').value = state.user.id;
  $('user-name').value = state.user.name;
  $('user-manager').checked = !!state.user.manager;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    state.user = { id: $('user-id').value.trim(), name: $('user-name').value.trim(), manager: $('user-manager').checked };
    localStorage.setItem('playground-user', JSON.stringify(state.user));
    void connect();
  });
}

/** Side-panel commands: whatever gallery / leaderboard commands the bot has, answered into the panel. */
function panelCommands(specs) {
  const wanted = /^(gallery|leaderboard|top)$/;
  const out = [];
  for (const s of specs.filter((s) => s.kind === 'slash')) {
    if (wanted.test(s.name)) out.push({ label: s.name, text: `/${s.name}` });
    for (const sub of s.subcommands || []) if (wanted.test(sub.name)) out.push({ label: sub.name, text: `/${s.name} ${sub.name}` });
  }
  return out;
}

function showPanel(c) {
  state.panel = c;
  $('panel-body').replaceChildren(el('p', { class: 'muted', text: `Loading ${c.label}…` }));
  void post('/api/command', { text: c.text, panel: true });
}

function setupPanel() {
  const commands = panelCommands(state.specs);
  $('panel-actions').replaceChildren(
    ...commands.map((c) =>
      el('button', { type: 'button', class: 'panel-tab', text: c.label[0].toUpperCase() + c.label.slice(1), onclick: () => showPanel(c) }),
    ),
  );
  if (!commands.length)
    $('panel-body').replaceChildren(el('p', { class: 'muted', text: 'This bot has no gallery or leaderboard command.' }));
  return commands;
}

async function main() {
  const info = await (await fetch('/api/info')).json();
  state.specs = info.specs;
  state.actions = info.specs.filter((s) => s.kind === 'message').map((s) => ({ name: s.name, label: s.label || s.name }));
  setupUserSwitch();
  setupComposer();
  setupUploads();
  setupScroll();
  await connect();
  const commands = setupPanel();
  if (commands.length) document.querySelector('.panel-tab')?.click();
}

void main();
