// A form the page sent back, read against the form the bot opened: files by their channel ids, text trimmed,
// lengths, choices and required fields checked. The first problem names its field (the page shows it there).
import type { Attachment, ModalSpec, ModalValues } from '../../core/platform.js';

export type FormReading = { values: ModalValues } | { field: string; problem: string };

export function readFormValues(
  spec: ModalSpec,
  raw: Record<string, string | string[] | undefined>,
  attachment: (fileId: string) => Attachment | undefined,
): FormReading {
  const values: ModalValues = {};
  for (const field of spec.fields) {
    const v = raw[field.id];
    let problem: string | undefined;
    if (field.kind === 'attachment') {
      const files = (Array.isArray(v) ? v : v ? [v] : []).map(attachment).filter((a): a is Attachment => !!a);
      values[field.id] = files.length ? files : undefined;
    } else {
      const s = typeof v === 'string' ? v.trim() : undefined;
      if (s && field.maxLength && s.length > field.maxLength) problem = `${field.label} may be at most ${field.maxLength} characters.`;
      if (s && field.kind === 'select' && field.options && !field.options.some((o) => o.value === s))
        problem = `${field.label}: "${s}" is not one of the choices.`;
      values[field.id] = s || undefined;
    }
    if (!problem && field.required && values[field.id] === undefined) problem = `${field.label} is required.`;
    if (problem) return { field: field.id, problem };
  }
  return { values };
}
