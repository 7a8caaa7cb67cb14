/**
 * Character-level tokenizer: one token per Unicode code point, as Python's `str`
 * iterates (a surrogate pair is one token, never two halves).
 */
import { checkFields, checkId, formatFail, stringArray } from './json.js';
import type { TokenDecoder, Tokenizer, TokenizerJSON } from './tokenizer.js';

/** The symbol of the unknown token (id 0) in {@link CharTokenizer.symbols} and in JSON. */
export const CHAR_UNK_SYMBOL = '<unk>';

/** What `decode` and `tokenText` print for the unknown token: U+FFFD REPLACEMENT CHARACTER. */
export const REPLACEMENT_CHARACTER = '\uFFFD';

/** Code units decoded per String.fromCharCode call (well under engines' argument limits). */
const DECODE_CHUNK = 8192;

/** Whether `s` is exactly one code point (a lone surrogate counts as one). */
function isOneCodePoint(s: string): boolean {
  if (s.length === 0 || s.length > 2) return false;
  const cp = s.codePointAt(0)!;
  return s.length === (cp > 0xffff ? 2 : 1);
}

/**
 * One token per Unicode code point.
 *
 * Vocabulary of {@link CharTokenizer.fromText}: id 0 is the unknown token, ids 1 … are the
 * text's distinct code points sorted by code point value — reproducible in Python as
 * `['<unk>'] + sorted(set(text))`. Characters outside the vocabulary encode to id 0, which
 * decodes to U+FFFD. A lone surrogate (possible in a JavaScript string, never in text
 * decoded from UTF-8) is a code point of its own, as in Python.
 *
 * Encoding looks code points up in a dense table for the Basic Multilingual Plane and a
 * Map above it: linear time (tens of milliseconds for a megabyte of text).
 * @example
 * const tok = CharTokenizer.fromText('hello');
 * tok.encode('hole'); // Int32Array [2, 4, 3, 1]  (symbols: <unk> e h l o)
 * tok.decode([2, 1, 0]); // 'he\uFFFD'
 */
export class CharTokenizer implements Tokenizer {
  readonly kind = 'char' as const;
  /** Id of the unknown token: 0. */
  readonly unkId = 0;
  /** The unknown token only. */
  readonly placeholderIds: readonly number[] = Object.freeze([0]);
  /** Number of ids: the distinct characters plus one. */
  readonly vocabSize: number;
  /** `symbols[id]` is the character of `id`; `symbols[0]` is {@link CHAR_UNK_SYMBOL}. */
  readonly symbols: readonly string[];
  private readonly bmp = new Int32Array(0x10000); // code unit → id (0 = unknown)
  private readonly astral = new Map<number, number>(); // code point ≥ 0x10000 → id
  private readonly texts: string[]; // decode text per id
  private readonly units: Uint16Array; // [vocabSize, 2] UTF-16 code units of each id's text (second one 0 in the BMP)

  /** Trusts `symbols` (checked by the static constructors). */
  private constructor(symbols: readonly string[]) {
    this.symbols = Object.freeze([...symbols]);
    this.vocabSize = symbols.length;
    this.texts = [REPLACEMENT_CHARACTER, ...symbols.slice(1)];
    this.units = new Uint16Array(2 * symbols.length);
    this.texts.forEach((text, id) => {
      this.units[2 * id] = text.charCodeAt(0);
      this.units[2 * id + 1] = text.length === 2 ? text.charCodeAt(1) : 0;
    });
    for (let id = 1; id < symbols.length; id++) {
      const cp = symbols[id].codePointAt(0)!;
      if (cp > 0xffff) this.astral.set(cp, id);
      else this.bmp[cp] = id;
    }
  }

  /**
   * The tokenizer of `text`'s characters: `<unk>`, then the distinct code points in
   * increasing order. An empty text gives a vocabulary of `<unk>` alone.
   */
  static fromText(text: string): CharTokenizer {
    const seenBmp = new Uint8Array(0x10000);
    const seenAstral = new Set<number>();
    for (let i = 0; i < text.length; i++) {
      const cp = text.codePointAt(i)!;
      if (cp > 0xffff) {
        seenAstral.add(cp);
        i++;
      } else {
        seenBmp[cp] = 1;
      }
    }
    const symbols = [CHAR_UNK_SYMBOL];
    for (let cp = 0; cp < 0x10000; cp++) if (seenBmp[cp]) symbols.push(String.fromCharCode(cp));
    for (const cp of [...seenAstral].sort((a, b) => a - b)) symbols.push(String.fromCodePoint(cp));
    return new CharTokenizer(symbols);
  }

  /**
   * Rebuilds a tokenizer from `{ kind: 'char', version: 1, symbols }` (kind and version
   * already checked by {@link tokenizerFromJSON}, the usual entry point).
   * @throws FormatError if a field is missing or unknown, `symbols[0]` is not `'<unk>'`,
   * another symbol is not exactly one code point, or a symbol repeats.
   */
  static fromJSON(record: Record<string, unknown>): CharTokenizer {
    checkFields(record, ['kind', 'version', 'symbols'], 'char');
    const symbols = stringArray(record, 'symbols');
    if (symbols.length === 0 || symbols[0] !== CHAR_UNK_SYMBOL) {
      const got = symbols.length === 0 ? 'an empty list' : JSON.stringify(symbols[0]);
      formatFail(`symbols[0] must be "${CHAR_UNK_SYMBOL}" (the unknown token), got ${got}`);
    }
    const seen = new Map<string, number>();
    for (let id = 1; id < symbols.length; id++) {
      const s = symbols[id];
      if (!isOneCodePoint(s)) formatFail(`symbols[${id}] is ${JSON.stringify(s)}, expected exactly one character (code point)`);
      const first = seen.get(s);
      if (first !== undefined) formatFail(`symbols[${id}] ${JSON.stringify(s)} repeats symbols[${first}]`);
      seen.set(s, id);
    }
    return new CharTokenizer(symbols);
  }

  /** Ids of `text`'s code points (unknown ones → 0). */
  encode(text: string): Int32Array {
    const out = new Int32Array(text.length);
    const { bmp, astral } = this;
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const cp = text.codePointAt(i)!;
      if (cp > 0xffff) {
        out[n++] = astral.get(cp) ?? 0;
        i++;
      } else {
        out[n++] = bmp[cp];
      }
    }
    return n === out.length ? out : out.slice(0, n);
  }

  /** The characters of `ids` concatenated; the unknown id gives U+FFFD. Exact inverse of `encode` for known characters. */
  decode(ids: ArrayLike<number>): string {
    const { units, vocabSize } = this;
    const parts: string[] = [];
    const chunk = new Uint16Array(Math.min(2 * ids.length, 2 * DECODE_CHUNK + 2)); // UTF-16 code units
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!(id >= 0 && id < vocabSize && Number.isInteger(id))) checkId(id, vocabSize, `CharTokenizer.decode: ids[${i}]`);
      chunk[n++] = units[2 * id];
      const low = units[2 * id + 1];
      if (low !== 0) chunk[n++] = low;
      if (n >= DECODE_CHUNK) {
        parts.push(String.fromCharCode(...chunk.subarray(0, n)));
        n = 0;
      }
    }
    parts.push(String.fromCharCode(...chunk.subarray(0, n)));
    return parts.join('');
  }

  /** The character of `id` (U+FFFD for the unknown id). */
  tokenText(id: number): string {
    checkId(id, this.vocabSize, 'CharTokenizer.tokenText: id');
    return this.texts[id];
  }

  /** A decoder whose `push(id)` is `tokenText(id)` (characters need no spacing). */
  decoder(): TokenDecoder {
    return { push: (id: number) => this.tokenText(id) };
  }

  /** `{ kind: 'char', version: 1, symbols }`, see {@link TokenizerJSON}. */
  toJSON(): TokenizerJSON {
    return { kind: 'char', version: 1, symbols: [...this.symbols] };
  }
}
