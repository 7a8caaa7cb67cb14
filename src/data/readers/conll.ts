/**
 * CoNLL files for tagging: one token per line with its columns separated by white space
 * (the token first, its tag last), a blank line between sentences, `-DOCSTART-` lines
 * skipped (CoNLL-2003's document markers).
 */
import { FormatError } from '../../errors.js';

/** A sentence read from a CoNLL file; `line` is the 1-based line of its first token. */
export interface TaggedSentence {
  line: number;
  tokens: string[];
  tags: string[];
}

/**
 * Parses CoNLL text (first column the token, last column the tag).
 * @throws FormatError `source:line: …` on a line with fewer than two columns, or a text without a sentence.
 */
export function parseConll(text: string, source: string): TaggedSentence[] {
  const sentences: TaggedSentence[] = [];
  let current: TaggedSentence | undefined;
  text.split(/\r\n|\n|\r/).forEach((raw, i) => {
    const columns = raw
      .trim()
      .split(/\s+/)
      .filter((c) => c !== '');
    if (columns.length === 0 || columns[0] === '-DOCSTART-') {
      current = undefined;
      return;
    }
    if (columns.length < 2) {
      throw new FormatError(`${source}:${i + 1}: expected a token and its tag separated by white space, got ${JSON.stringify(raw.trim())}`);
    }
    if (current === undefined) {
      current = { line: i + 1, tokens: [], tags: [] };
      sentences.push(current);
    }
    current.tokens.push(columns[0]);
    current.tags.push(columns[columns.length - 1]);
  });
  if (sentences.length === 0) throw new FormatError(`${source}: no tagged sentence (expected lines "token … tag")`);
  return sentences;
}
