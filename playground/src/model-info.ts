/** The page's one-line description of a model (its type, cell, layers, hidden size and vocabulary). */
import { data, type Message, type MessageKey, msg } from './i18n/index.js';
import type { ModelInfo } from './protocol.js';

const CELLS: Record<string, MessageKey> = { lstm: 'cell.lstm', gru: 'cell.gru', rnn: 'cell.rnn' };

/** "Language model (language-model): LSTM, 1 layer of 256 hidden units, …; opened from moby.safetensors." */
export function describeModel(info: ModelInfo): Message {
  const origin = msg('model.origin', { fromFile: info.fileName !== undefined, file: data(info.fileName ?? '') });
  if (info.type === 'language-model') {
    const s = info.settings;
    // A character vocabulary is the text's characters plus <unk>; a word vocabulary counts its specials.
    return msg('model.languageModel', {
      cell: msg(CELLS[s.cell]),
      layers: s.numLayers,
      hidden: s.hiddenSize,
      embedding: s.embeddingDim,
      tokenizer: info.tokenizer,
      vocabulary: info.tokenizer === 'char' ? info.vocabSize - 1 : info.vocabSize,
      unk: '<unk>',
      origin,
    });
  }
  const encoder = msg('model.encoder', {
    bidirectional: info.bidirectional,
    cell: msg(CELLS[info.cell]),
    layers: info.numLayers,
    hidden: info.hiddenSize,
  });
  if (info.type === 'seq2seq') {
    return msg('model.seq2seq', { encoder, context: info.context, source: info.sourceVocabSize, target: info.targetVocabSize, origin });
  }
  return msg('model.ctc', { encoder, features: info.inputSize, labels: data(info.labels.join(' ')), origin });
}
