/** The page's one-line description of a model (its type, cell, layers, hidden size and vocabulary). */
import { formatCount } from './format.js';
import type { ModelInfo } from './protocol.js';

const CELLS = { lstm: 'LSTM', gru: 'GRU', rnn: 'Elman RNN' } as const;

/** "Language model (language-model): LSTM, 1 layer of 256 hidden units, …; opened from moby.safetensors." */
export function describeModel(info: ModelInfo): string {
  const origin = info.fileName === undefined ? 'trained on this page' : `opened from ${info.fileName}`;
  if (info.type === 'language-model') {
    const s = info.settings;
    const layers = `${s.numLayers} layer${s.numLayers > 1 ? 's' : ''}`;
    // A character vocabulary is the text's characters plus <unk>; a word vocabulary counts its specials.
    const vocabulary = info.tokenizer === 'char' ? `${formatCount(info.vocabSize - 1)} characters + <unk>` : `${formatCount(info.vocabSize)} words`;
    return `Language model (language-model): ${CELLS[s.cell]}, ${layers} of ${s.hiddenSize} hidden units, embedding ${s.embeddingDim}, ` +
      `vocabulary of ${vocabulary}; ${origin}.`;
  }
  const encoder = `${info.bidirectional ? 'bidirectional ' : ''}${CELLS[info.cell]} encoder, ${info.numLayers} layer${info.numLayers > 1 ? 's' : ''} ` +
    `of ${info.hiddenSize} hidden units`;
  if (info.type === 'seq2seq') {
    const reads = info.context === 'attention' ? 'a decoder with attention' : `a decoder given a fixed context (${info.context})`;
    return `Encoder–decoder (seq2seq): ${encoder} and ${reads}; ${formatCount(info.sourceVocabSize)} source and ` +
      `${formatCount(info.targetVocabSize)} output tokens; ${origin}.`;
  }
  return `CTC model (ctc-model): ${encoder}; frames of ${info.inputSize} features; labels ${info.labels.join(' ')} and the blank; ${origin}.`;
}
