// Turning channel messages into DOM: the bot's **bold** / *italic* / `code` markup, pictures with their
// "Stylize" action, and button rows. Text is always escaped before markup is applied.

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

export function markup(text) {
  return escapeHtml(text)
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^*])\*([^*\n]+)\*/g, '$1<em>$2</em>')
    .replace(/\n/g, '<br>');
}

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'html') node.innerHTML = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

function initials(name) {
  return (name || '?').trim().slice(0, 2).toUpperCase();
}

function time(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/**
 * One message as a list item. handlers: { onButton(messageId, buttonId), onAction(command, messageId),
 * onOpen(url) }, actions: the message commands ([{name, label}]) offered on every picture.
 */
export function renderMessage(m, { handlers, actions, me }) {
  const files = m.files.map((f) => {
    if (!f.contentType.startsWith('image/')) {
      return el('a', { class: 'file', href: f.url, download: f.name, text: `📎 ${f.name}` });
    }
    const img = el('img', {
      src: f.url,
      alt: f.description || f.name,
      loading: 'lazy',
      onclick: () => handlers.onOpen(f.url),
      // a picture gets its height when it loads: a channel following its newest message follows it down
      onload: () => handlers.onPictureLoad?.(),
    });
    const tools = el(
      'div',
      { class: 'picture-actions' },
      actions.map((a) =>
        el('button', {
          type: 'button',
          class: 'picture-action',
          text: a.label,
          'data-action': a.name,
          onclick: () => handlers.onAction(a.name, m.id),
        }),
      ),
    );
    return el('figure', { class: 'picture' }, [img, tools, f.description ? el('figcaption', { text: f.description }) : null]);
  });

  const rows = (m.buttons || []).map((row) =>
    el(
      'div',
      { class: 'button-row' },
      row.map((b) =>
        el('button', {
          type: 'button',
          class: `bot-button ${b.style || 'secondary'}`,
          disabled: !!b.disabled,
          'data-button-id': b.id,
          text: `${b.emoji ? b.emoji + ' ' : ''}${b.label}`,
          onclick: (e) => {
            // one press at a time: the button comes back when the bot has answered (or the edit replaces it)
            const button = e.currentTarget;
            button.disabled = true;
            void Promise.resolve(handlers.onButton(m.id, b.id)).finally(() => {
              button.disabled = !!b.disabled;
            });
          },
        }),
      ),
    ),
  );

  const header = el('div', { class: 'meta' }, [
    el('span', { class: 'author', text: m.author.name }),
    m.author.bot ? el('span', { class: 'bot-tag', text: 'BOT' }) : null,
    el('time', { text: time(m.createdAt) }),
    m.editedAt && !m.pending ? el('span', { class: 'edited', text: '(edited)' }) : null,
  ]);

  return el(
    'li',
    {
      class: `message${m.author.bot ? ' from-bot' : ''}${m.pending ? ' pending' : ''}${m.visibleTo ? ' private' : ''}${m.author.id === me ? ' mine' : ''}`,
      'data-id': m.id,
    },
    [
      el('div', { class: 'avatar', text: m.author.bot ? 'DS' : initials(m.author.name) }),
      el('div', { class: 'content' }, [
        header,
        m.text ? el('div', { class: 'text', html: markup(m.text) }) : null,
        files.length ? el('div', { class: 'files' }, files) : null,
        ...rows,
        m.visibleTo ? el('div', { class: 'only-you', text: '👁 Only you can see this' }) : null,
      ]),
    ],
  );
}

/** The modal of a command as form fields; attachment fields take files that app.js uploads on submit. */
export function renderModalFields(modal) {
  return modal.fields.map((f) => {
    let input;
    if (f.kind === 'select') {
      input = el('select', { name: f.id, required: !!f.required }, [
        el('option', { value: '', text: f.placeholder || 'Choose…' }),
        ...(f.options || []).map((o) => el('option', { value: o.value, text: o.label })),
      ]);
    } else if (f.kind === 'attachment') {
      input = el('input', { type: 'file', name: f.id, accept: 'image/*', required: !!f.required });
    } else {
      input = el('input', {
        type: 'text',
        name: f.id,
        required: !!f.required,
        placeholder: f.placeholder,
        maxlength: f.maxLength,
        value: f.value,
      });
    }
    // a field completed by the bot (saved domain names) offers them in a list under the input
    const list = f.complete ? completionList(f, input) : null;
    return el('label', { class: 'field' }, [el('span', { text: f.label + (f.required ? ' *' : '') }), input, list]);
  });
}

function completionList(field, input) {
  const list = el('datalist', { id: `complete-${field.id}` });
  input.setAttribute('list', list.id);
  void fetch(`/api/complete?${new URLSearchParams({ source: field.complete, q: '' })}`)
    .then((res) => (res.ok ? res.json() : { completions: [] }))
    .then(({ completions }) => list.replaceChildren(...completions.map((c) => el('option', { value: c.value, text: c.name }))));
  return list;
}

export { el };
