/**
 * A language model's forward pass over a text, laid open: per layer and step the hidden
 * state, the LSTM's cell state and every gate, and the next-token probabilities — the
 * numbers behind the playground's views of the inside of the network.
 *
 * Legend: T tokens of the text, H hidden size, V vocabulary.
 */
import { ShapeError } from '../../errors.js';
import { type StateTrace, stateTrace } from '../../layers/recurrent/trace.js';
import type { LanguageModel } from './language-model.js';

/** What {@link traceLanguageModel} returns. */
export interface LanguageModelTrace {
  /** The text's tokens, as text, one per step. */
  tokens: string[];
  /** Their ids, [T]. */
  ids: Int32Array;
  /** Per layer (bottom first): h_t, c_t and the gates, each [T, H] (see {@link StateTrace}; one row). */
  layers: StateTrace[];
  /** p(next token) after each step, the model's softmax (its unknown token included), [T, V]. */
  probabilities: Float32Array;
}

/**
 * Runs `text` through `model` as one sequence from a zero state, without dropout, exactly as
 * `sample` reads a prime: the states after each token are those the model continues from.
 * @throws ShapeError when the text has no token.
 */
export function traceLanguageModel(model: LanguageModel, text: string): LanguageModelTrace {
  const ids = model.tokenizer.encode(text);
  if (ids.length === 0) throw new ShapeError('trace: the text has no token');
  const { layers, probabilities } = model.core.trace(ids);
  const { cell, hiddenSize } = model.settings;
  return {
    tokens: Array.from(ids, (id) => model.tokenizer.tokenText(id)),
    ids,
    layers: layers.map((recorded, l) => stateTrace(recorded, cell, hiddenSize, l, 'forward')),
    probabilities,
  };
}
