/**
 * Tokenizers rebuilt from their JSON form: the one place that knows every kind of tokenizer
 * (the tokenizers themselves know only their own kind).
 */
import { FormatError } from '../../errors.js';
import { CharTokenizer } from './char.js';
import { describeValue, formatFail } from './json.js';
import { type Tokenizer, TOKENIZER_JSON_VERSION } from './tokenizer.js';
import { WordTokenizer } from './word.js';

/**
 * Rebuilds a tokenizer from its {@link TokenizerJSON} (an object, or a string holding its JSON text).
 * Everything is checked: the kind, the version, the presence and types of the fields,
 * no unknown fields, the special tokens in their places, each symbol (one code point) or
 * word (one token by the splitting rules), and no duplicates.
 * @throws FormatError naming the problem, e.g. `tokenizer JSON: symbols[7] is "ab", expected exactly one character`.
 */
export function tokenizerFromJSON(json: unknown): Tokenizer {
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch (e) {
      throw new FormatError(`tokenizer JSON: the text is not valid JSON (${(e as Error).message})`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    formatFail(`expected an object { kind, version, … }, got ${describeValue(value)}`);
  }
  const record = value as Record<string, unknown>;
  if (!('kind' in record)) formatFail('missing field "kind" (expected "char" or "word")');
  const kind = record.kind;
  if (!('version' in record)) formatFail('missing field "version"');
  if (record.version !== TOKENIZER_JSON_VERSION) {
    formatFail(`version must be ${TOKENIZER_JSON_VERSION}, got ${describeValue(record.version)}`);
  }
  if (kind === 'char') return CharTokenizer.fromJSON(record);
  if (kind === 'word') return WordTokenizer.fromJSON(record);
  return formatFail(`kind must be "char" or "word", got ${describeValue(kind)}`);
}
