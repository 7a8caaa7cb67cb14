/**
 * The vocabulary of a character language model trained elsewhere (PyTorch, TensorFlow.js,
 * Keras), carried over into rnnkit's character tokenizer.
 *
 * Such a model numbers its characters by id (typically `sorted(set(text))`). rnnkit's
 * character tokenizer keeps id 0 for `<unk>`; when the vocabulary does not start with
 * `<unk>`, every id moves up by one and `<unk>` gets a zero embedding and a decoder score
 * of −1e9, so it is never predicted and the distribution over the model's own characters
 * is unchanged.
 */
import { CHAR_UNK_SYMBOL } from '../data/tokenizers/char.js';
import { tokenizerFromJSON } from '../data/tokenizers/from-json.js';
import { type Tokenizer, TOKENIZER_JSON_VERSION } from '../data/tokenizers/tokenizer.js';
import { UsageError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

/** The decoder score of the added `<unk>` token: far below any real score. */
const NEVER = -1e9;

/** A foreign vocabulary as an rnnkit tokenizer, and how far ids move (1 when `<unk>` was added in front). */
export interface CharVocabulary {
  tokenizer: Tokenizer;
  shift: 0 | 1;
}

/**
 * The tokenizer of a model's characters in id order, for a model of `V` tokens.
 * @throws UsageError naming `owner` when the vocabulary's size differs from V or a symbol is not one character.
 */
export function charVocabulary(vocabulary: readonly string[], V: number, owner: string): CharVocabulary {
  if (vocabulary.length !== V) {
    throw new UsageError(`${owner}: the vocabulary has ${vocabulary.length} entries but the model ${V} tokens`);
  }
  const shift = vocabulary[0] === CHAR_UNK_SYMBOL ? 0 : 1;
  const symbols = shift === 0 ? [...vocabulary] : [CHAR_UNK_SYMBOL, ...vocabulary];
  try {
    return { tokenizer: tokenizerFromJSON({ kind: 'char', version: TOKENIZER_JSON_VERSION, symbols }), shift };
  } catch (error) {
    throw new UsageError(`${owner}: bad vocabulary: ${(error as Error).message}`);
  }
}

/**
 * The language model's `embedding.weight` [V, E], `decoder.weight` [V, H] and `decoder.bias` [V]
 * for the ids of {@link charVocabulary}: a row for `<unk>` in front when `shift` is 1.
 */
export function shiftedTokenWeights(shift: 0 | 1, embedding: Tensor, decoderWeight: Tensor, decoderBias: Tensor): Record<string, Tensor> {
  return {
    'embedding.weight': shiftRows(embedding, shift, 0),
    'decoder.weight': shiftRows(decoderWeight, shift, 0),
    'decoder.bias': shiftRows(decoderBias, shift, NEVER),
  };
}

/** Prepends `shift` (0 or 1) rows filled with `value`. */
function shiftRows(t: Tensor, shift: 0 | 1, value: number): Tensor {
  if (shift === 0) return t;
  const row = t.shape.length === 1 ? 1 : t.shape[1];
  const data = new Float32Array(t.data.length + row);
  data.fill(value, 0, row);
  data.set(t.data, row);
  return { shape: [t.shape[0] + 1, ...t.shape.slice(1)], data };
}
