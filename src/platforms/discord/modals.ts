// ModalSpec ↔ Discord modals. Every field is a label component (Discord's current modal layout):
// text → text input, select → string select, attachment → file upload (discord.js 14.28 supports all three).
import {
  ComponentType,
  FileUploadBuilder,
  LabelBuilder,
  ModalBuilder,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
  type ModalSubmitInteraction,
} from 'discord.js';
import type { ModalField, ModalSpec, ModalValues } from '../../core/platform.js';
import { fromDiscordAttachment, type AttachmentPolicy } from './attachments.js';

const TITLE_MAX = 45;
const LABEL_MAX = 45;
const FIELDS_MAX = 5;
const TEXT_MAX = 4000;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function fieldLabel(field: ModalField): LabelBuilder {
  const label = new LabelBuilder().setLabel(clip(field.label, LABEL_MAX));
  const required = field.required ?? false;
  switch (field.kind) {
    case 'text': {
      const input = new TextInputBuilder()
        .setCustomId(field.id)
        .setStyle((field.maxLength ?? 0) > 200 ? TextInputStyle.Paragraph : TextInputStyle.Short)
        .setRequired(required)
        .setMaxLength(Math.min(field.maxLength ?? TEXT_MAX, TEXT_MAX));
      if (field.placeholder) input.setPlaceholder(clip(field.placeholder, 100));
      if (field.value) input.setValue(clip(field.value, Math.min(field.maxLength ?? TEXT_MAX, TEXT_MAX)));
      return label.setTextInputComponent(input);
    }
    case 'select': {
      const options = (field.options ?? []).slice(0, 25);
      if (options.length === 0) throw new Error(`modal field "${field.id}" is a select without options`);
      const select = new StringSelectMenuBuilder()
        .setCustomId(field.id)
        .setRequired(required)
        .setMinValues(required ? 1 : 0)
        .setMaxValues(1)
        .addOptions(options.map((o) => ({ label: clip(o.label, 100), value: o.value })));
      if (field.placeholder) select.setPlaceholder(clip(field.placeholder, 150));
      return label.setStringSelectMenuComponent(select);
    }
    case 'attachment': {
      const upload = new FileUploadBuilder()
        .setCustomId(field.id)
        .setRequired(required)
        .setMinValues(required ? 1 : 0)
        .setMaxValues(1);
      return label.setFileUploadComponent(upload);
    }
  }
}

export function buildModal(spec: ModalSpec): ModalBuilder {
  if (spec.fields.length > FIELDS_MAX) throw new Error(`modal "${spec.id}" has more than ${FIELDS_MAX} fields`);
  return new ModalBuilder().setCustomId(spec.id).setTitle(clip(spec.title, TITLE_MAX)).addLabelComponents(spec.fields.map(fieldLabel));
}

/** What the user submitted, by field id; an empty text or an empty select is undefined. */
export function readModalValues(interaction: ModalSubmitInteraction, policy: AttachmentPolicy): ModalValues {
  const values: ModalValues = {};
  for (const [id, data] of interaction.fields.fields) {
    switch (data.type) {
      case ComponentType.TextInput:
        values[id] = data.value.trim() === '' ? undefined : data.value;
        break;
      case ComponentType.StringSelect:
        values[id] = data.values?.[0];
        break;
      case ComponentType.FileUpload:
        // an upload field left empty comes with `values: []` and no resolved attachments at all
        values[id] = [...(data.attachments?.values() ?? [])].map((a) => fromDiscordAttachment(a, policy));
        break;
      default:
        break;
    }
  }
  return values;
}
