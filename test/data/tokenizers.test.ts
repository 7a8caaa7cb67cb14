import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FormatError, UsageError } from '../../src/errors.js';
import { CHAR_UNK_SYMBOL, CharTokenizer } from '../../src/data/tokenizers/char.js';
import { tokenizerFromJSON } from '../../src/data/tokenizers/from-json.js';
import { characterCount, type Tokenizer } from '../../src/data/tokenizers/tokenizer.js';
import { EOS_ID, EOS_TOKEN, PAD_ID, PAD_TOKEN, splitWords, UNK_ID, UNK_TOKEN, WordTokenizer } from '../../src/data/tokenizers/word.js';

const mobyDick = readFileSync(new URL('../../data/moby-dick.txt', import.meta.url), 'utf8');
const tangQuatrains = readFileSync(new URL('../../data/tang-quatrains.txt', import.meta.url), 'utf8');
const noSpace = (s: string): string => s.replace(/\s+/gu, '');

/** Distinct code points sorted by value, computed independently of the tokenizer (Python's sorted(set(text))). */
function sortedCodePoints(text: string): string[] {
  return [...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
}

describe('characterCount', () => {
  it('counts code points: a surrogate pair once, a lone surrogate once', () => {
    assert.equal(characterCount(''), 0);
    assert.equal(characterCount('abc'), 3);
    assert.equal(characterCount('😀'), 1);
    assert.equal(characterCount('a😀b𝄞'), 4);
    assert.equal(characterCount('\uD800'), 1);
    assert.equal(characterCount('\uDC00\uD800'), 2);
    const mixed = 'é\u0301ß😀x\uD83D漢字𝕏\uDE00';
    assert.equal(characterCount(mixed), [...mixed].length);
  });
});

describe('CharTokenizer', () => {
  it('runs its TSDoc example', () => {
    const tok = CharTokenizer.fromText('hello');
    assert.deepEqual([...tok.encode('hole')], [2, 4, 3, 1]);
    assert.equal(tok.decode([2, 1, 0]), 'he\uFFFD');
  });

  it('orders the vocabulary by code point after <unk>, as Python sorts str (not by UTF-16 units)', () => {
    // '！' (U+FF01) sorts after the astral '😀' in UTF-16 code units but before it by code point.
    const tok = CharTokenizer.fromText('😀a！a😀');
    assert.deepEqual(tok.symbols, [CHAR_UNK_SYMBOL, 'a', '！', '😀']);
    const text = 'The quick 🦊 jumps — 𝄞 über 漢字 😀 naïve\n\tß😀';
    assert.deepEqual(CharTokenizer.fromText(text).symbols, [CHAR_UNK_SYMBOL, ...sortedCodePoints(text)]);
    // Deterministic: the same characters in another order give the same vocabulary.
    assert.deepEqual(CharTokenizer.fromText([...text].reverse().join('')).toJSON(), CharTokenizer.fromText(text).toJSON());
    assert.equal(CharTokenizer.fromText('').vocabSize, 1);
  });

  it('round-trips text exactly, astral characters included, one id per code point', () => {
    const text = 'Grüße 😀👍🏽 𝄞 漢字\r\n\u0301e\uFFFF\u{10FFFF}';
    const tok = CharTokenizer.fromText(text);
    const ids = tok.encode(text);
    assert.equal(ids.length, characterCount(text));
    assert.ok(!ids.includes(tok.unkId));
    assert.equal(tok.decode(ids), text);
    assert.equal([...ids].map((id) => tok.tokenText(id)).join(''), text);
    const decoder = tok.decoder();
    assert.equal([...ids].map((id) => decoder.push(id)).join(''), text);
  });

  it('never splits a surrogate pair, and keeps a lone surrogate as its own symbol', () => {
    const tok = CharTokenizer.fromText('ab');
    const ids = tok.encode('a😀b');
    assert.deepEqual([...ids], [1, tok.unkId, 2]); // one unknown, not two halves
    assert.equal(tok.decode(ids), 'a\uFFFDb');
    const emoji = CharTokenizer.fromText('😀');
    assert.equal(emoji.vocabSize, 2);
    assert.equal(emoji.tokenText(1), '😀');
    assert.equal(emoji.tokenText(1).length, 2);
    const lone = CharTokenizer.fromText('x\uD800y\uDC00');
    assert.deepEqual(lone.symbols, [CHAR_UNK_SYMBOL, 'x', 'y', '\uD800', '\uDC00']);
    assert.equal(lone.decode(lone.encode('\uDC00x\uD800')), '\uDC00x\uD800');
    assert.deepEqual([...lone.encode('\uD800\uDC00')], [0]); // a pair is one (unknown) code point
  });

  it('maps unseen characters to <unk> (id 0), which decodes to U+FFFD', () => {
    const tok = CharTokenizer.fromText('abc');
    assert.equal(tok.unkId, 0);
    assert.deepEqual([...tok.encode('abz')], [1, 2, 0]);
    assert.equal(tok.decode(tok.encode('abz')), 'ab\uFFFD');
    assert.equal(tok.tokenText(0), '\uFFFD');
  });

  it('rejects ids outside the vocabulary, naming the id and the range', () => {
    const tok = CharTokenizer.fromText('abc');
    assert.throws(
      () => tok.decode([1, 4]),
      (e: unknown) => e instanceof UsageError && /ids\[1\]: 4 is not a token id; ids are integers in \[0, 4\)/.test(e.message),
    );
    assert.throws(() => tok.decode([-1]), UsageError);
    assert.throws(() => tok.tokenText(1.5), /1\.5 is not a token id/);
    assert.throws(() => tok.decoder().push(NaN), UsageError);
  });

  it('encodes all of Moby Dick and decodes it back exactly', () => {
    const tok = CharTokenizer.fromText(mobyDick);
    assert.equal(tok.vocabSize, 84);
    assert.deepEqual(tok.symbols, [CHAR_UNK_SYMBOL, ...sortedCodePoints(mobyDick)]);
    const ids = tok.encode(mobyDick);
    assert.equal(ids.length, characterCount(mobyDick));
    assert.equal(ids.length, 1190317);
    assert.equal(tok.decode(ids), mobyDick);
  });

  it('keeps Chinese characters and full-width marks whole, and round-trips the Tang quatrains exactly', () => {
    const tok = CharTokenizer.fromText(tangQuatrains);
    assert.deepEqual(tok.symbols, [CHAR_UNK_SYMBOL, ...sortedCodePoints(tangQuatrains)]);
    for (const mark of ['，', '。', '\n']) assert.ok(tok.symbols.includes(mark), mark);
    // Ideographs beyond the Basic Multilingual Plane (CJK Extension B …) are one symbol each, never two halves.
    const astral = tok.symbols.slice(1).filter((s) => s.length === 2);
    assert.ok(astral.length > 0);
    for (const s of astral) assert.match(s, /^\p{Script=Han}$/u);
    const ids = tok.encode(tangQuatrains);
    assert.ok(!ids.includes(tok.unkId));
    assert.equal(ids.length, characterCount(tangQuatrains));
    assert.equal(tok.decode(ids), tangQuatrains);
    const decoder = tok.decoder();
    assert.equal([...ids].map((id) => decoder.push(id)).join(''), tangQuatrains);
    // Every poem is 24 or 32 tokens (4 lines of 5 or 7 characters and their 4 marks) and its line break.
    const lengths = new Set<number>();
    let start = 0;
    const newline = tok.encode('\n')[0];
    ids.forEach((id, i) => {
      if (id !== newline) return;
      lengths.add(i - start);
      start = i + 1;
    });
    assert.deepEqual([...lengths].sort(), [24, 32]);
    const withAstral = tangQuatrains.split('\n').find((poem) => /[\u{20000}-\u{3FFFF}]/u.test(poem))!;
    const astralIds = tok.encode(withAstral).length;
    assert.ok(astralIds < withAstral.length && [24, 32].includes(astralIds), withAstral); // fewer tokens than UTF-16 units
  });
});

describe('splitWords', () => {
  it('splits words with inner apostrophes and hyphens, numbers, and punctuation one by one', () => {
    assert.deepEqual(splitWords("Don't go—now!\n"), ["Don't", 'go', '—', 'now', '!', EOS_TOKEN]);
    assert.deepEqual(splitWords('The sperm-whale’s 3.14 feet, 1,000 men (really?!) -- 2nd "ok"'), [
      'The',
      'sperm-whale’s',
      '3.14',
      'feet',
      ',',
      '1,000',
      'men',
      '(',
      'really',
      '?',
      '!',
      ')',
      '-',
      '-',
      '2nd',
      '"',
      'ok',
      '"',
    ]);
    assert.deepEqual(splitWords("'tis the whales' tails -x y-"), ["'", 'tis', 'the', 'whales', "'", 'tails', '-', 'x', 'y', '-']);
    assert.deepEqual(splitWords('end. 3. .5'), ['end', '.', '3', '.', '.', '5']);
  });

  it('treats Unicode letters and combining marks as letters and an emoji as one token', () => {
    assert.deepEqual(splitWords('Café straße Москва nai\u0308ve 漢字 😀!'), ['Café', 'straße', 'Москва', 'nai\u0308ve', '漢字', '😀', '!']);
  });

  it('emits <eos> at every line break (\\n, \\r\\n, \\r), blank lines included, and none at the end without one', () => {
    assert.deepEqual(splitWords('a\r\nb\rc\n\nd'), ['a', EOS_TOKEN, 'b', EOS_TOKEN, 'c', EOS_TOKEN, EOS_TOKEN, 'd']);
    assert.deepEqual(splitWords('  \t '), []);
    assert.deepEqual(splitWords('<eos> <unk>'), ['<', 'eos', '>', '<', 'unk', '>']);
    assert.deepEqual(splitWords('The END', { lowercase: true }), ['the', 'end']);
  });
});

describe('WordTokenizer', () => {
  it('runs its TSDoc example and numbers the specials 0, 1, 2', () => {
    const tok = WordTokenizer.fromText('the cat sat.\nthe dog ran!\n');
    assert.equal(tok.decode(tok.encode('The cat ran.\n')), '<unk> cat ran.\n');
    assert.deepEqual([PAD_ID, UNK_ID, EOS_ID], [0, 1, 2]);
    assert.deepEqual(tok.words.slice(0, 3), [PAD_TOKEN, UNK_TOKEN, EOS_TOKEN]);
    assert.equal(tok.unkId, UNK_ID);
  });

  it('orders the vocabulary by frequency, ties by first occurrence', () => {
    const text = 'b a c a b d\ne d e\n';
    // counts: b 2, a 2, c 1, d 2, e 2 → b, a, d, e (first seen in that order), then c.
    assert.deepEqual(WordTokenizer.fromText(text).words.slice(3), ['b', 'a', 'd', 'e', 'c']);
    assert.deepEqual(WordTokenizer.fromText(text).toJSON(), WordTokenizer.fromText(text).toJSON());
  });

  it('caps the vocabulary with maxVocab (specials included) and filters with minCount', () => {
    const text = 'b a c a b d\ne d e\n';
    const capped = WordTokenizer.fromText(text, { maxVocab: 5 });
    assert.equal(capped.vocabSize, 5);
    assert.deepEqual(capped.words, [PAD_TOKEN, UNK_TOKEN, EOS_TOKEN, 'b', 'a']);
    assert.deepEqual([...capped.encode('a d b\n')], [4, UNK_ID, 3, EOS_ID]);
    assert.equal(WordTokenizer.fromText(text, { maxVocab: 3 }).vocabSize, 3);
    assert.equal(WordTokenizer.fromText(text, { maxVocab: Infinity }).vocabSize, 8);
    assert.deepEqual(WordTokenizer.fromText(text, { minCount: 2 }).words.slice(3), ['b', 'a', 'd', 'e']);
    assert.deepEqual(WordTokenizer.fromText(text, { minCount: 3 }).words.slice(3), []);
    const many = Array.from({ length: 50 }, (_, i) => `w${i}`).join(' ');
    assert.equal(WordTokenizer.fromText(many).vocabSize, 53);
    for (const maxVocab of [2, 0, 3.5, NaN]) {
      assert.throws(() => WordTokenizer.fromText(text, { maxVocab }), /maxVocab must be an integer ≥ 3.*got/);
    }
    for (const minCount of [0, -1, 1.5])
      assert.throws(() => WordTokenizer.fromText(text, { minCount }), /minCount must be a positive integer/);
  });

  it('lowercases when asked, both when building and when encoding', () => {
    const text = 'The the THE Cat\n';
    const lower = WordTokenizer.fromText(text, { lowercase: true });
    assert.deepEqual(lower.words.slice(3), ['the', 'cat']);
    assert.deepEqual([...lower.encode('tHe CAT')], [3, 4]);
    const cased = WordTokenizer.fromText(text);
    assert.deepEqual(cased.words.slice(3), ['The', 'the', 'THE', 'Cat']);
    assert.deepEqual([...cased.encode('the cat')], [4, UNK_ID]);
  });

  it('decodes with its spacing rules', () => {
    const tok = WordTokenizer.fromText('He said ( hello , world ) . “ Yes ! ” ‘ No ’ ; a : b ... " x " [ y ]\n', { maxVocab: Infinity });
    const roundTrip = (s: string): string => tok.decode(tok.encode(s));
    assert.equal(roundTrip('He said ( hello , world ) .'), 'He said (hello, world).');
    assert.equal(roundTrip('“ Yes ! ” He said'), '“Yes!” He said');
    assert.equal(roundTrip('‘ No ’ ; a : b ...'), '‘No’; a: b...');
    assert.equal(roundTrip('" x " y " He " [ world ]'), '"x" y "He" [world]');
    assert.equal(roundTrip('zzz\n\n He\n'), '<unk>\n\nHe\n');
    const [he, said] = [tok.encode('He')[0], tok.encode('said')[0]];
    assert.equal(tok.decode([PAD_ID, he, PAD_ID, said, PAD_ID]), 'He said');
    assert.equal(tok.decode([he, UNK_ID, said, EOS_ID, said]), 'He <unk> said\nsaid');
    assert.deepEqual([tok.tokenText(PAD_ID), tok.tokenText(UNK_ID), tok.tokenText(EOS_ID), tok.tokenText(he)], ['', '<unk>', '\n', 'He']);
    const decoder = tok.decoder();
    assert.deepEqual(
      [he, said, EOS_ID, said].map((id) => decoder.push(id)),
      ['He', ' said', '\n', 'said'],
    );
  });

  it('rejects ids outside the vocabulary, naming the id and the range', () => {
    const tok = WordTokenizer.fromText('a b\n');
    assert.throws(
      () => tok.decode([3, 5]),
      (e: unknown) => e instanceof UsageError && /ids\[1\]: 5 is not a token id; ids are integers in \[0, 5\)/.test(e.message),
    );
    assert.throws(() => tok.tokenText(-1), UsageError);
    assert.throws(() => tok.decoder().push(0.5), UsageError);
  });

  it('round-trips Moby Dick up to whitespace, and the decoded text encodes to the same ids', () => {
    const full = WordTokenizer.fromText(mobyDick, { maxVocab: Infinity });
    const ids = full.encode(mobyDick);
    assert.ok(!ids.includes(UNK_ID));
    assert.equal(ids.filter((id) => id === EOS_ID).length, mobyDick.split('\n').length - 1);
    const decoded = full.decode(ids);
    assert.equal(noSpace(decoded), noSpace(mobyDick));
    assert.equal(decoded.split('\n').length, mobyDick.split('\n').length);
    assert.deepEqual(full.encode(decoded), ids);
    const capped = WordTokenizer.fromText(mobyDick);
    assert.equal(capped.vocabSize, 10000);
    const cappedIds = capped.encode(mobyDick);
    assert.ok(cappedIds.includes(UNK_ID));
    const expected = [...cappedIds].flatMap((id) => (id === UNK_ID ? ['<', 'unk', '>'] : [capped.words[id]]));
    assert.deepEqual(splitWords(capped.decode(cappedIds)), expected); // <unk> prints as text, other tokens come back
    const decoder = capped.decoder();
    const head = cappedIds.subarray(0, 2000);
    assert.equal([...head].map((id) => decoder.push(id)).join(''), capped.decode(head));
  });
});

describe('tokenizerFromJSON', () => {
  const char = CharTokenizer.fromText('héllo 😀');
  const word = WordTokenizer.fromText('Hello, world!\nhello again\n', { lowercase: true });

  it('rebuilds both kinds exactly, from an object or from JSON text', () => {
    for (const tok of [char, word] as Tokenizer[]) {
      const json = tok.toJSON();
      for (const input of [JSON.parse(JSON.stringify(json)) as unknown, JSON.stringify(json)]) {
        const back = tokenizerFromJSON(input);
        assert.equal(back.kind, tok.kind);
        assert.deepEqual(back.toJSON(), json);
        assert.equal(back.vocabSize, tok.vocabSize);
        const sample = 'Hello héllo again 😀 unseen!\n';
        assert.deepEqual(back.encode(sample), tok.encode(sample));
      }
    }
    assert.deepEqual(char.toJSON(), { kind: 'char', version: 1, symbols: ['<unk>', ' ', 'h', 'l', 'o', 'é', '😀'] });
    assert.deepEqual(word.toJSON(), {
      kind: 'word',
      version: 1,
      lowercase: true,
      words: ['<pad>', '<unk>', '<eos>', 'hello', ',', 'world', '!', 'again'],
    });
    assert.ok(tokenizerFromJSON(word.toJSON()) instanceof WordTokenizer);
    assert.ok(tokenizerFromJSON(char.toJSON()) instanceof CharTokenizer);
  });

  const charJSON = (symbols: unknown, extra: object = {}): unknown => ({ kind: 'char', version: 1, symbols, ...extra });
  const wordJSON = (words: unknown, lowercase: unknown = false): unknown => ({ kind: 'word', version: 1, lowercase, words });
  const bad: [string, unknown, RegExp][] = [
    ['null', null, /expected an object \{ kind, version, … \}, got null/],
    ['an array', [], /expected an object .* got an array/],
    ['a number', 3, /expected an object .* got 3/],
    ['invalid JSON text', '{"kind": ', /not valid JSON/],
    ['no kind', { version: 1, symbols: ['<unk>'] }, /missing field "kind"/],
    ['an unknown kind', { kind: 'bpe', version: 1 }, /kind must be "char" or "word", got "bpe"/],
    ['no version', { kind: 'char', symbols: ['<unk>'] }, /missing field "version"/],
    ['version 2', { kind: 'char', version: 2, symbols: ['<unk>'] }, /version must be 1, got 2/],
    ['version "1"', { kind: 'word', version: '1', lowercase: false, words: [] }, /version must be 1, got "1"/],
    ['char: no symbols', { kind: 'char', version: 1 }, /missing field "symbols" of a char tokenizer/],
    ['char: an unknown field', charJSON(['<unk>'], { lowercase: true }), /unexpected field "lowercase" in a char tokenizer/],
    ['char: symbols not an array', charJSON('abc'), /symbols must be an array of strings, got "abc"/],
    ['char: a non-string symbol', charJSON(['<unk>', 'a', 7]), /symbols\[2\] must be a string, got 7/],
    ['char: a null symbol', charJSON(['<unk>', null]), /symbols\[1\] must be a string, got null/],
    ['char: no symbols at all', charJSON([]), /symbols\[0\] must be "<unk>".*got an empty list/],
    ['char: no <unk> first', charJSON(['a', 'b']), /symbols\[0\] must be "<unk>" \(the unknown token\), got "a"/],
    ['char: two characters in a symbol', charJSON(['<unk>', 'a', 'ab']), /symbols\[2\] is "ab", expected exactly one character/],
    ['char: an empty symbol', charJSON(['<unk>', '']), /symbols\[1\] is "", expected exactly one character/],
    ['char: <unk> again', charJSON(['<unk>', '<unk>']), /symbols\[1\] is "<unk>", expected exactly one/],
    ['char: a repeated symbol', charJSON(['<unk>', 'a', 'b', 'a']), /symbols\[3\] "a" repeats symbols\[1\]/],
    ['char: a repeated emoji', charJSON(['<unk>', '😀', '😀']), /symbols\[2\] "😀" repeats symbols\[1\]/],
    ['word: no words', { kind: 'word', version: 1, lowercase: false }, /missing field "words" of a word tokenizer/],
    ['word: no lowercase', { kind: 'word', version: 1, words: ['<pad>', '<unk>', '<eos>'] }, /missing field "lowercase"/],
    ['word: lowercase not a boolean', wordJSON(['<pad>', '<unk>', '<eos>'], 'yes'), /lowercase must be a boolean, got "yes"/],
    ['word: an unknown field', { ...(wordJSON(['<pad>', '<unk>', '<eos>']) as object), maxVocab: 3 }, /unexpected field "maxVocab"/],
    ['word: words not an array', wordJSON({ 0: '<pad>' }), /words must be an array of strings, got an object/],
    ['word: missing specials', wordJSON(['<pad>', '<unk>']), /words\[2\] must be "<eos>", got undefined/],
    ['word: specials out of order', wordJSON(['<unk>', '<pad>', '<eos>', 'a']), /words\[0\] must be "<pad>", got "<unk>"/],
    ['word: a non-string word', wordJSON(['<pad>', '<unk>', '<eos>', 'a', false]), /words\[4\] must be a string, got false/],
    ['word: a repeated word', wordJSON(['<pad>', '<unk>', '<eos>', 'a', 'b', 'a']), /words\[5\] "a" repeats words\[3\]/],
    ['word: two tokens in a word', wordJSON(['<pad>', '<unk>', '<eos>', 'a b']), /words\[3\] is "a b", which is not a single token/],
    ['word: a split word', wordJSON(['<pad>', '<unk>', '<eos>', 'a.b']), /words\[3\] is "a.b", which is not a single token/],
    ['word: an empty word', wordJSON(['<pad>', '<unk>', '<eos>', '']), /words\[3\] is "", which is not a single token/],
    ['word: a line break', wordJSON(['<pad>', '<unk>', '<eos>', '\n']), /words\[3\] is "\\n", which is not a single token/],
    ['word: a special again', wordJSON(['<pad>', '<unk>', '<eos>', '<eos>']), /words\[3\] is "<eos>", which is not a single token/],
    [
      'word: uppercase when lowercasing',
      wordJSON(['<pad>', '<unk>', '<eos>', 'The'], true),
      /words\[3\] is "The", but the tokenizer lowercases/,
    ],
  ];
  for (const [what, json, message] of bad) {
    it(`rejects ${what} with a FormatError`, () => {
      assert.throws(
        () => tokenizerFromJSON(json),
        (e: unknown) => {
          assert.ok(e instanceof FormatError, `expected a FormatError, got ${String(e)}`);
          assert.match(e.message, /^tokenizer JSON: /);
          assert.match(e.message, message);
          return true;
        },
      );
    });
  }

  it('accepts the edge cases the checks must let through', () => {
    assert.equal(tokenizerFromJSON(charJSON(['<unk>'])).vocabSize, 1);
    assert.equal(tokenizerFromJSON(wordJSON(['<pad>', '<unk>', '<eos>'])).vocabSize, 3);
    assert.equal(tokenizerFromJSON(charJSON(['<unk>', 'z', 'a', '\uD800'])).encode('az\uD800')[1], 1); // any order, lone surrogates
    assert.equal(tokenizerFromJSON(wordJSON(['<pad>', '<unk>', '<eos>', "don't", '3.14', '—', 'é'], true)).vocabSize, 7);
  });
});
