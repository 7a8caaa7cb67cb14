// Readers of ordinary files: CSV/TSV with RFC 4180 quoting, CoNLL, JSON Lines of frames;
// every malformed input is a FormatError naming the source and the line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConll } from '../../src/data/readers/conll.js';
import { parseFrameLines } from '../../src/data/readers/frames.js';
import { columnIndex, numericColumn, parseTable } from '../../src/data/readers/table.js';
import { FormatError } from '../../src/errors.js';

const failsWith = (f: () => unknown, message: RegExp): void =>
  assert.throws(f, (e: Error) => e instanceof FormatError && message.test(e.message), message.source);

describe('parseTable', () => {
  it('reads quoted fields with delimiters, doubled quotes and line breaks, skipping blank lines', () => {
    const table = parseTable('\uFEFFtext,label\r\n"Hello, ""world""",pos\r\n\r\n"two\nlines",neg\nplain,pos', { source: 'a.csv' });
    assert.deepEqual(table.columns, ['text', 'label']);
    assert.deepEqual(table.rows, [
      { line: 2, fields: ['Hello, "world"', 'pos'] },
      { line: 5, fields: ['two\nlines', 'neg'] },
      { line: 6, fields: ['plain', 'pos'] },
    ]);
    assert.equal(columnIndex(table, 'label'), 1);
  });

  it('reads TSV by the file name, or by the delimiter given', () => {
    assert.deepEqual(parseTable('a\tb\n1,5\t2\n', { source: 'x.tsv' }).rows[0].fields, ['1,5', '2']);
    assert.deepEqual(parseTable('a;b\n1;2\n', { source: 'x.txt', delimiter: ';' }).rows[0].fields, ['1', '2']);
  });

  it('names the source and line of malformed input', () => {
    failsWith(() => parseTable('text,label\nok,pos\nshort\n', { source: 'd.csv' }), /^d\.csv:3: Invalid Record Length: expect 2, got 1/);
    failsWith(() => parseTable('text,label\n"open,pos\n', { source: 'd.csv' }), /^d\.csv:2: Quote Not Closed/);
    failsWith(() => parseTable('text,label\n"a"b,pos\n', { source: 'd.csv' }), /^d\.csv:2: Invalid Closing Quote/);
    failsWith(() => parseTable('', { source: 'e.csv' }), /^e\.csv: no header row \(the file is empty\)/);
    failsWith(() => parseTable('\n\n', { source: 'e.csv' }), /no header row/);
    failsWith(() => parseTable('a,a\n1,2\n', { source: 'r.csv' }), /^r\.csv:1: the header repeats the column 'a'/);
    failsWith(() => parseTable('a,\n1,2\n', { source: 'r.csv' }), /^r\.csv:1: the header has an empty column name/);
    failsWith(
      () => columnIndex(parseTable('txt,label\n', { source: 'c.csv' }), 'text'),
      /^c\.csv:1: no column 'text' \(the header has 'txt', 'label'\)/,
    );
  });

  it('numericColumn reads numbers and names the line of one that is not', () => {
    const table = parseTable('day,births\n1, 8000\n2,7.5e3\n', { source: 's.csv' });
    assert.deepEqual(numericColumn(table, 'births'), { values: [8000, 7500], lines: [2, 3] });
    failsWith(
      () => numericColumn(parseTable('v\n1\nabc\n3\n', { source: 's.csv' }), 'v'),
      /^s\.csv:3: column 'v' holds "abc", not a number/,
    );
    failsWith(() => numericColumn(parseTable('v,w\n1,2\n,3\n', { source: 's.csv' }), 'v'), /^s\.csv:3: column 'v' holds "", not a number/);
    failsWith(() => numericColumn(parseTable('v\nInfinity\n', { source: 's.csv' }), 'v'), /s\.csv:2/);
  });

  it('numericColumn refuses NaN, infinities and numbers beyond float32, naming the file and line', () => {
    for (const [value, why] of [
      ['NaN', 'not a number'],
      ['nan', 'not a number'],
      ['Infinity', 'not a finite float32 number'],
      ['-Infinity', 'not a finite float32 number'],
      ['1e39', 'not a finite float32 number'],
      ['-3.5e38', 'not a finite float32 number'],
    ]) {
      failsWith(
        () => numericColumn(parseTable(`v\n1\n2\n${value}\n`, { source: 's.csv' }), 'v'),
        new RegExp(`^s\\.csv:4: column 'v' holds "${value}", ${why}$`),
      );
    }
    // The largest float32 itself is a number.
    assert.deepEqual(numericColumn(parseTable('v\n3.4028234663852886e38\n', { source: 's.csv' }), 'v').values, [3.4028234663852886e38]);
  });
});

describe('parseConll', () => {
  it('reads sentences (token first, tag last), skipping -DOCSTART- lines and extra blank lines', () => {
    const text = '-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n\nPeter B-PER\r\nBlackburn I-PER\n';
    assert.deepEqual(parseConll(text, 'n.conll'), [
      { line: 3, tokens: ['EU', 'rejects'], tags: ['B-ORG', 'O'] },
      { line: 7, tokens: ['Peter', 'Blackburn'], tags: ['B-PER', 'I-PER'] },
    ]);
  });

  it('names the line of a token without a tag; an empty file is an error', () => {
    failsWith(() => parseConll('EU B-ORG\nrejects\n', 'n.conll'), /^n\.conll:2: expected a token and its tag/);
    failsWith(() => parseConll('\n-DOCSTART- O\n\n', 'n.conll'), /^n\.conll: no tagged sentence/);
  });
});

describe('parseFrameLines', () => {
  it('reads frames and targets; the target may be optional', () => {
    const { examples, features } = parseFrameLines(
      '{"input": [[1, 2], [3, 4], [5, 6]], "target": "ab"}\n\n{"input": [[0, 1]], "target": ""}\n',
      'c.jsonl',
      true,
    );
    assert.equal(features, 2);
    assert.deepEqual(
      examples.map((e) => [e.line, e.frames.steps, [...e.frames.data], e.target]),
      [
        [1, 3, [1, 2, 3, 4, 5, 6], 'ab'],
        [3, 1, [0, 1], ''],
      ],
    );
    assert.equal(parseFrameLines('{"input": [[1]]}', 'p.jsonl', false).examples[0].target, undefined);
  });

  it('names the line of every malformed example', () => {
    const cases: [string, RegExp][] = [
      [
        '{"input": [[1, 2]], "target": "a"}\n{"input": [[1, 2], [3]], "target": "b"}',
        /^c\.jsonl:2: ragged "input": frame 1 has 1 values, frame 0 has 2/,
      ],
      [
        '{"input": [[1, 2]], "target": "a"}\n{"input": [[1, 2, 3]], "target": "b"}',
        /^c\.jsonl:2: frames have 3 features, those of line 1 have 2/,
      ],
      ['{"input": [[1, "x"]], "target": "a"}', /^c\.jsonl:1: "input"\[0\]\[1\] is "x", not a finite float32 number/],
      [
        '{"input": [[1]], "target": "a"}\n{"input": [[1], [1e39]], "target": "a"}',
        /^c\.jsonl:2: "input"\[1\]\[0\] is 1e\+39, not a finite float32 number/,
      ],
      [
        '{"input": [[1]], "target": "a"}\n{"input": [[NaN]], "target": "a"}',
        /^c\.jsonl:2: not valid JSON: NaN is not a number JSON can hold/,
      ],
      ['{"input": [[-Infinity]], "target": "a"}', /^c\.jsonl:1: not valid JSON: -Infinity is not a number JSON can hold/],
      ['{"input": [[1]], "target": "NaN"', /^c\.jsonl:1: not valid JSON \(/],
      ['{"input": [[1]], "target": 5}', /^c\.jsonl:1: "target" must be a string, got 5/],
      ['{"input": [[1]]}', /^c\.jsonl:1: lacks "target"/],
      ['{"input": [], "target": "a"}', /^c\.jsonl:1: "input" must be a non-empty array/],
      ['{"input": [[]], "target": "a"}', /^c\.jsonl:1: "input"\[0\] must be a non-empty array/],
      ['{"input": [[1], 2], "target": "a"}', /^c\.jsonl:1: "input"\[1\] is not an array/],
      ['[1, 2]', /^c\.jsonl:1: expected an object/],
      ['{"input": [[1]], "target": "a"}\n{"input": [[1]], "target": "a"', /^c\.jsonl:2: not valid JSON/],
      ['\n  \n', /^c\.jsonl: no example/],
    ];
    for (const [text, message] of cases) failsWith(() => parseFrameLines(text, 'c.jsonl', true), message);
  });
});
