/**
 * The network and training settings on the page: filled with the defaults of
 * `rnnkit train lm` (for poems, those of `rnnkit demo --corpus tang`), read back checked,
 * shown for a model opened from a file, and locked while a model exists (its shape and
 * training are fixed until Reset).
 */
import {
  type CellKind,
  LANGUAGE_MODEL_DEFAULTS,
  LANGUAGE_MODEL_TRAINING_DEFAULTS,
  type LanguageModelSettings,
  type Optimization,
  POEM_TRAINING_DEFAULTS,
} from '../../src/index.js';
import { byId } from './dom.js';
import { LocalizedError, type MessageKey, msg } from './i18n/index.js';
import type { TrainingSettings } from './protocol.js';

const NUMBER_FIELDS = ['layers', 'hidden', 'embed', 'seq-len', 'batch', 'lr', 'clip'] as const;
type NumberField = (typeof NUMBER_FIELDS)[number];

export class SettingsForm {
  private readonly cell = byId('cell', HTMLSelectElement);
  private readonly optimizer = byId('optimizer', HTMLSelectElement);
  private readonly numbers = Object.fromEntries(NUMBER_FIELDS.map((id) => [id, byId(id, HTMLInputElement)])) as Record<
    NumberField,
    HTMLInputElement
  >;

  constructor() {
    this.show(LANGUAGE_MODEL_DEFAULTS);
    this.useDefaults(false);
  }

  /** Fills the training fields with the defaults for a text, or for poems one per line. */
  useDefaults(poems: boolean): void {
    const t = { ...LANGUAGE_MODEL_TRAINING_DEFAULTS, ...(poems ? POEM_TRAINING_DEFAULTS : {}) };
    this.optimizer.value = t.optimizer;
    this.set({ 'seq-len': t.seqLen, batch: t.batch, lr: t.lr, clip: t.clip });
  }

  /**
   * The settings as entered, on top of the defaults for what the page does not ask.
   * @throws LocalizedError naming the first field whose value is not allowed.
   */
  read(): TrainingSettings {
    const value = (id: NumberField): number => {
      const input = this.numbers[id];
      const n = Number(input.value);
      if (input.value.trim() === '' || !input.checkValidity() || !Number.isFinite(n)) {
        // The field's label, by its message (it follows a switch of language).
        const label = input.closest('label')?.querySelector<HTMLElement>('[data-i18n]')?.dataset.i18n as MessageKey | undefined;
        const field = label === undefined ? id : msg(label);
        const range = input.step === 'any' ? 'any' : 'whole';
        throw new LocalizedError(msg('settings.invalid', { field, range, min: input.min, max: input.max, value: input.value }));
      }
      return n;
    };
    const model: LanguageModelSettings = {
      ...LANGUAGE_MODEL_DEFAULTS,
      cell: this.cell.value as CellKind,
      numLayers: value('layers'),
      hiddenSize: value('hidden'),
      embeddingDim: value('embed'),
    };
    const lr = value('lr');
    if (!(lr > 0)) throw new LocalizedError(msg('settings.lrPositive'));
    const training = {
      ...LANGUAGE_MODEL_TRAINING_DEFAULTS,
      optimizer: this.optimizer.value as Optimization['optimizer'],
      seqLen: value('seq-len'),
      batch: value('batch'),
      lr,
      clip: value('clip'),
    };
    return { model, training };
  }

  /** Shows a model's shape (a model opened from a file). */
  show(model: LanguageModelSettings): void {
    this.cell.value = model.cell;
    this.set({ layers: model.numLayers, hidden: model.hiddenSize, embed: model.embeddingDim });
  }

  /** Locks the network's fields (a model exists) and the training's (it has started), or unlocks them. */
  lock(network: boolean, training: boolean): void {
    for (const input of [this.cell, this.numbers.layers, this.numbers.hidden, this.numbers.embed]) input.disabled = network;
    for (const input of [this.optimizer, this.numbers['seq-len'], this.numbers.batch, this.numbers.lr, this.numbers.clip])
      input.disabled = training;
  }

  private set(values: Partial<Record<NumberField, number>>): void {
    for (const [id, v] of Object.entries(values)) this.numbers[id as NumberField].value = String(v);
  }
}
