/**
 * Word-level tokenizer with a capped vocabulary and the special tokens `<pad>`, `<unk>`
 * and `<eos>` (the setup of PyTorch's word_language_model example).
 *
 * Splitting rules (in this order, at each position of a line; spaces separate tokens and vanish):
 * 1. a line break (`\n`, `\r\n` or `\r`) ends a sentence: token `<eos>`;
 * 2. a number with inner separators: digits, then groups of `.` or `,` followed by digits
 *    (`3.14`, `1,000`);
 * 3. a word: letters, digits and combining marks (`\p{L}\p{N}\p{M}`, so é, ß and Cyrillic
 *    are letters), with inner apostrophes (`'` `’`) and hyphens (`-` `‐` `‑`) kept when a
 *    letter or digit follows them (`don't`, `whale’s`, `sperm-whale`, `1851`);
 * 4. any other non-space character, with the combining marks after it, is a token of its
 *    own (punctuation: `.`, `—`, `“`, an emoji).
 *
 * `<`, `unk` and `>` are three tokens, so text can never produce a special token except `<eos>`
 * from a line break.
 */
import { UsageError } from '../../errors.js';
import { checkFields, checkId, describeValue, formatFail, stringArray } from './json.js';
import type { TokenDecoder, Tokenizer, TokenizerJSON } from './tokenizer.js';

/** Id of the padding token `<pad>` (skipped by decode). */
export const PAD_ID = 0;
/** Id of the unknown token `<unk>`. */
export const UNK_ID = 1;
/** Id of the end-of-sentence token `<eos>` (one per line break; decodes to `'\n'`). */
export const EOS_ID = 2;
/** Text of {@link PAD_ID} in the vocabulary. */
export const PAD_TOKEN = '<pad>';
/** Text of {@link UNK_ID} in the vocabulary (and in decoded text). */
export const UNK_TOKEN = '<unk>';
/** Text of {@link EOS_ID} in the vocabulary. */
export const EOS_TOKEN = '<eos>';
const SPECIALS = [PAD_TOKEN, UNK_TOKEN, EOS_TOKEN] as const;

// Group 1: a line break. Otherwise a number, a word, or one other character with its marks.
const TOKEN_SOURCE = String.raw`(\r\n|\n|\r)|\p{N}+(?:[.,]\p{N}+)+|[\p{L}\p{N}\p{M}]+(?:['’‐‑\-][\p{L}\p{N}\p{M}]+)*|\S\p{M}*`;

/** Calls `onToken` for each token of `text` in order, `onEos` for each line break. */
function scan(text: string, onToken: (token: string) => void, onEos: () => void): void {
  const pattern = new RegExp(TOKEN_SOURCE, 'gu');
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    if (m[1] !== undefined) onEos();
    else onToken(m[0]);
  }
}

/** Options of {@link splitWords}. */
export interface SplitWordsOptions {
  /** Lowercase the text first (`String.prototype.toLowerCase`, locale-independent). @default false */
  lowercase?: boolean;
}

/**
 * The tokens of `text` by {@link WordTokenizer}'s splitting rules, each line break as `'<eos>'`.
 * @example splitWords("Don't go—now!\n") // ["Don't", 'go', '—', 'now', '!', '<eos>']
 */
export function splitWords(text: string, options: SplitWordsOptions = {}): string[] {
  const tokens: string[] = [];
  scan(
    options.lowercase === true ? text.toLowerCase() : text,
    (t) => tokens.push(t),
    () => tokens.push(EOS_TOKEN),
  );
  return tokens;
}

/** Whether `word` is exactly one token by the splitting rules (and not a line break). */
function isOneToken(word: string): boolean {
  let count = 0;
  let same = false;
  scan(
    word,
    (t) => {
      count++;
      same = t === word;
    },
    () => {
      count += 2;
    },
  );
  return count === 1 && same;
}

/** Options of {@link WordTokenizer.fromText}. */
export interface WordTokenizerOptions {
  /** Largest vocabulary, counting the three special tokens (≥ 3; `Infinity` for no cap). @default 10000 */
  maxVocab?: number;
  /** Fewest occurrences for a token to enter the vocabulary (≥ 1). @default 1 */
  minCount?: number;
  /** Lowercase text before splitting, both when building and when encoding. @default false */
  lowercase?: boolean;
}

// How a token affects the spaces around it when decoding.
const Role = { Plain: 0, Opening: 1, Closing: 2, StraightQuote: 3, Pad: 4, Eos: 5 } as const;
type Role = (typeof Role)[keyof typeof Role];
/** No space before these tokens. */
const CLOSING = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', '”', '’', '»', '›', '…', '%']);
/** No space after these tokens. */
const OPENING = new Set(['(', '[', '{', '“', '‘', '«', '‹', '¿', '¡']);

/**
 * Words, numbers and punctuation as tokens (splitting rules in this module's header),
 * with `<pad>` = 0, `<unk>` = 1, `<eos>` = 2 followed by the most frequent tokens.
 *
 * Decoding joins tokens with single spaces, except: no space before closing punctuation
 * (`. , ; : ! ? ) ] } ” ’ » › … %`), none after opening punctuation (`( [ { “ ‘ « ‹ ¿ ¡`),
 * a straight double quote `"` opens and closes alternately (the first one opens), `<eos>`
 * becomes `'\n'` with no space around it, `<pad>` is skipped, `<unk>` prints as `<unk>`.
 * Encoding the decoded text gives back the same ids, except that `<pad>` vanishes and
 * `<unk>` comes back as the three tokens `<`, `unk`, `>`; text comes back up to
 * whitespace (and case, with `lowercase`) and unknown tokens.
 * @example
 * const tok = WordTokenizer.fromText('the cat sat.\nthe dog ran!\n');
 * tok.decode(tok.encode('The cat ran.\n')); // '<unk> cat ran.\n'
 */
export class WordTokenizer implements Tokenizer {
  readonly kind = 'word' as const;
  /** Id of the unknown token: {@link UNK_ID}. */
  readonly unkId = UNK_ID;
  /** `<pad>` and `<unk>`. */
  readonly placeholderIds: readonly number[] = Object.freeze([PAD_ID, UNK_ID]);
  /** Number of ids: the three specials plus the vocabulary's words. */
  readonly vocabSize: number;
  /** Whether text is lowercased before splitting. */
  readonly lowercase: boolean;
  /** `words[id]` is the token of `id`; `words[0..2]` are `<pad>`, `<unk>`, `<eos>`. */
  readonly words: readonly string[];
  private readonly ids = new Map<string, number>();
  private readonly texts: string[]; // decoded text per id
  private readonly roles: Uint8Array; // Role per id

  /** Trusts `words` (checked by the static constructors). */
  private constructor(words: readonly string[], lowercase: boolean) {
    this.words = Object.freeze([...words]);
    this.vocabSize = words.length;
    this.lowercase = lowercase;
    this.texts = ['', UNK_TOKEN, '\n', ...words.slice(3)];
    this.roles = new Uint8Array(words.length);
    this.roles[PAD_ID] = Role.Pad;
    this.roles[EOS_ID] = Role.Eos;
    for (let id = 3; id < words.length; id++) {
      const w = words[id];
      this.ids.set(w, id);
      this.roles[id] = w === '"' ? Role.StraightQuote : OPENING.has(w) ? Role.Opening : CLOSING.has(w) ? Role.Closing : Role.Plain;
    }
  }

  /**
   * The tokenizer of `text`: the specials, then the tokens occurring at least `minCount`
   * times, most frequent first (ties in order of first occurrence), up to `maxVocab` ids in all.
   * @throws UsageError if an option is out of range.
   */
  static fromText(text: string, options: WordTokenizerOptions = {}): WordTokenizer {
    const { maxVocab = 10000, minCount = 1, lowercase = false } = options;
    if (!(Number.isInteger(maxVocab) || maxVocab === Infinity) || maxVocab < 3) {
      throw new UsageError(`WordTokenizer: maxVocab must be an integer ≥ 3 (the special tokens count), got ${String(maxVocab)}`);
    }
    if (!Number.isInteger(minCount) || minCount < 1) {
      throw new UsageError(`WordTokenizer: minCount must be a positive integer, got ${String(minCount)}`);
    }
    if (typeof lowercase !== 'boolean') throw new UsageError(`WordTokenizer: lowercase must be a boolean, got ${String(lowercase)}`);
    const counts = new Map<string, number>(); // insertion order = order of first occurrence
    scan(
      lowercase ? text.toLowerCase() : text,
      (t) => counts.set(t, (counts.get(t) ?? 0) + 1),
      () => undefined,
    );
    const ranked = [...counts].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1]); // stable: ties keep first occurrence
    const words = [...SPECIALS, ...ranked.slice(0, Math.min(ranked.length, maxVocab - 3)).map(([w]) => w)];
    return new WordTokenizer(words, lowercase);
  }

  /**
   * Rebuilds a tokenizer from `{ kind: 'word', version: 1, lowercase, words }` (kind and
   * version already checked by {@link tokenizerFromJSON}, the usual entry point).
   * @throws FormatError if a field is missing, unknown or of the wrong type, the specials are
   * not `words[0..2]`, a word is not a single token (or not lowercase with `lowercase`), or a word repeats.
   */
  static fromJSON(record: Record<string, unknown>): WordTokenizer {
    checkFields(record, ['kind', 'version', 'lowercase', 'words'], 'word');
    if (typeof record.lowercase !== 'boolean') formatFail(`lowercase must be a boolean, got ${describeValue(record.lowercase)}`);
    const lowercase = record.lowercase;
    const words = stringArray(record, 'words');
    SPECIALS.forEach((special, id) => {
      if (words[id] !== special) formatFail(`words[${id}] must be "${special}", got ${describeValue(words[id])}`);
    });
    const seen = new Map<string, number>();
    for (let id = 3; id < words.length; id++) {
      const w = words[id];
      if (!isOneToken(w)) formatFail(`words[${id}] is ${describeValue(w)}, which is not a single token by the splitting rules`);
      if (lowercase && w.toLowerCase() !== w) formatFail(`words[${id}] is ${describeValue(w)}, but the tokenizer lowercases its text`);
      const first = seen.get(w);
      if (first !== undefined) formatFail(`words[${id}] ${describeValue(w)} repeats words[${first}]`);
      seen.set(w, id);
    }
    return new WordTokenizer(words, lowercase);
  }

  /** Ids of `text`'s tokens (see the splitting rules); tokens outside the vocabulary → {@link UNK_ID}. */
  encode(text: string): Int32Array {
    let out = new Int32Array(Math.max(16, text.length >> 2));
    let n = 0;
    const push = (id: number): void => {
      if (n === out.length) {
        const grown = new Int32Array(out.length * 2);
        grown.set(out);
        out = grown;
      }
      out[n++] = id;
    };
    const ids = this.ids;
    scan(
      this.lowercase ? text.toLowerCase() : text,
      (t) => push(ids.get(t) ?? UNK_ID),
      () => push(EOS_ID),
    );
    return out.slice(0, n);
  }

  /** Text of `ids` with the spacing rules of {@link WordTokenizer}. */
  decode(ids: ArrayLike<number>): string {
    const decoder = new WordDecoder(this.texts, this.roles, 'WordTokenizer.decode: ids');
    const parts: string[] = [];
    for (let i = 0; i < ids.length; i++) parts.push(decoder.push(ids[i], i));
    return parts.join('');
  }

  /** The token of `id` alone: the word, `''` for `<pad>`, `'\n'` for `<eos>`, `'<unk>'` for `<unk>`. */
  tokenText(id: number): string {
    checkId(id, this.vocabSize, 'WordTokenizer.tokenText: id');
    return this.texts[id];
  }

  /** A decoder that adds each token with the space before it that {@link WordTokenizer.decode} would put. */
  decoder(): TokenDecoder {
    const decoder = new WordDecoder(this.texts, this.roles, 'WordTokenizer.decoder: id');
    return { push: (id: number) => decoder.push(id) };
  }

  /** `{ kind: 'word', version: 1, lowercase, words }`, see {@link TokenizerJSON}. */
  toJSON(): TokenizerJSON {
    return { kind: 'word', version: 1, lowercase: this.lowercase, words: [...this.words] };
  }
}

/** The spacing state machine of word decoding. */
class WordDecoder {
  private lineStart = true;
  private afterOpening = false;
  private quoteOpen = false;

  constructor(
    private readonly texts: readonly string[],
    private readonly roles: Uint8Array,
    private readonly what: string,
  ) {}

  push(id: number, index?: number): string {
    checkId(id, this.texts.length, index === undefined ? this.what : `${this.what}[${index}]`);
    let role = this.roles[id] as Role;
    if (role === Role.Pad) return '';
    if (role === Role.Eos) {
      this.lineStart = true;
      this.afterOpening = false;
      return '\n';
    }
    if (role === Role.StraightQuote) {
      role = this.quoteOpen ? Role.Closing : Role.Opening;
      this.quoteOpen = !this.quoteOpen;
    }
    const space = !this.lineStart && !this.afterOpening && role !== Role.Closing;
    this.lineStart = false;
    this.afterOpening = role === Role.Opening;
    return space ? ` ${this.texts[id]}` : this.texts[id];
  }
}
