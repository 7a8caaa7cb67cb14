/**
 * The tokenizers of rnnkit's language models: the shared {@link Tokenizer} interface and its
 * JSON form (stored in a model file's metadata; from-json.ts rebuilds a tokenizer from it
 * after checking it thoroughly).
 *
 * Two kinds exist: {@link CharTokenizer} (one token per Unicode code point) and
 * {@link WordTokenizer} (words, numbers and punctuation, with `<pad>`, `<unk>`, `<eos>`).
 */

/**
 * Turns text into token ids and back. Ids are integers 0 … vocabSize − 1; every text
 * encodes (what the vocabulary lacks becomes {@link Tokenizer.unkId}).
 */
export interface Tokenizer {
  /** `'char'` for {@link CharTokenizer}, `'word'` for {@link WordTokenizer}. */
  readonly kind: 'char' | 'word';
  /** Number of token ids (ids are 0 … vocabSize−1). */
  readonly vocabSize: number;
  /** Id of the unknown token (unseen characters or words map to it). */
  readonly unkId: number;
  /**
   * Ids that stand for no text of their own — the unknown token and padding. Generation
   * never draws them (an unknown character would print as U+FFFD).
   */
  readonly placeholderIds: readonly number[];
  /** Ids of `text`. */
  encode(text: string): Int32Array;
  /**
   * Text of `ids` (inverse of encode up to unknowns, and for words up to whitespace normalisation).
   * @throws UsageError if an id is not an integer in [0, vocabSize).
   */
  decode(ids: ArrayLike<number>): string;
  /**
   * Text of one id (for streaming output token by token), without the spacing that
   * {@link Tokenizer.decode} adds between words; {@link Tokenizer.decoder} adds it.
   * @throws UsageError if `id` is not an integer in [0, vocabSize).
   */
  tokenText(id: number): string;
  /**
   * A stateful decoder for output that arrives one id at a time (sampling): the
   * concatenation of its `push` results equals `decode` of all ids pushed.
   */
  decoder(): TokenDecoder;
  /** A plain JSON-serialisable description, enough to rebuild the tokenizer exactly. */
  toJSON(): TokenizerJSON;
}

/** Incremental decoding, see {@link Tokenizer.decoder}. */
export interface TokenDecoder {
  /**
   * The text that `id` adds to the output so far (a word tokenizer puts the separating space in front when one is due).
   * @throws UsageError if `id` is not an integer in [0, vocabSize).
   */
  push(id: number): string;
}

/**
 * The JSON form of a tokenizer (format version 1).
 * - `char`: `symbols[id]` is the character of `id`; `symbols[0]` is the unknown token,
 *   written `'<unk>'` (no real symbol can equal it: each real one is exactly one code point).
 *   So the symbols of `CharTokenizer.fromText(text)` equal Python's `['<unk>'] + sorted(set(text))`.
 * - `word`: `words[id]` is the token of `id`; `words[0..2]` are `'<pad>'`, `'<unk>'`, `'<eos>'`;
 *   `lowercase` says whether text is lowercased before splitting.
 */
export type TokenizerJSON =
  { kind: 'char'; version: 1; symbols: string[] } | { kind: 'word'; version: 1; lowercase: boolean; words: string[] };

/** The version of {@link TokenizerJSON} this rnnkit writes and reads. */
export const TOKENIZER_JSON_VERSION = 1;

/**
 * Number of Unicode code points of a text (characters for bits-per-character). A
 * surrogate pair counts once, a lone surrogate once, as `[...text].length` does.
 */
export function characterCount(text: string): number {
  let n = text.length;
  for (let i = 0; i + 1 < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}
