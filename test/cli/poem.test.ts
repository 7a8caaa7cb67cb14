// Tang poems from the command line: a model trained on a slice of data/tang-quatrains.txt
// samples valid UTF-8 (supplementary-plane ideographs included), `rnnkit poem` writes poems
// from a start or as an acrostic with their form score, `rnnkit demo --corpus tang` runs
// end to end, and bad requests are usage errors before any training.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formScore, LINE_END_MARKS } from '../../src/index.js';
import { assertFails, runCli, runCliBytes, runJson } from '../helpers/cli.js';

const POEMS = readFileSync(new URL('../../data/tang-quatrains.txt', import.meta.url), 'utf8')
  .split('\n')
  .slice(0, -1);
const TINY = ['--hidden', '16', '--embed', '8', '--batch', '4', '--seq-len', '16', '--threads', '1'];

/** The first characters of a poem's lines (a line ends after each of ，。？！；). */
function lineInitials(poem: string): string[] {
  const chars = [...poem];
  return chars.filter((_, i) => i === 0 || LINE_END_MARKS.has(chars[i - 1]));
}

/**
 * Asserts that the lines of `poem` begin with the acrostic's characters, as far as the
 * model wrote lines (a barely trained model may write fewer than four before the length limit).
 */
function assertAcrostic(poem: string, acrostic: string[]): void {
  const initials = lineInitials(poem);
  assert.deepEqual(initials.slice(0, acrostic.length), acrostic.slice(0, initials.length), poem);
}

describe('rnnkit poem / sample on Tang quatrains', () => {
  let dir: string;
  let model: string;
  let vocabulary: Set<string>;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rnnkit-cli-poem-'));
    const data = join(dir, 'poems.txt');
    // 200 poems, and every poem with an ideograph beyond the Basic Multilingual Plane.
    const text = `${[...POEMS.slice(0, 200), ...POEMS.filter((p) => /[\u{20000}-\u{3FFFF}]/u.test(p))].join('\n')}\n`;
    writeFileSync(data, text);
    vocabulary = new Set(text);
    model = join(dir, 'tang.safetensors');
    const r = runCli(['train', 'lm', '--data', data, '--out', model, '--steps', '20', '--json', ...TINY]);
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a model file trained on the poems samples valid UTF-8, its own characters whole', () => {
    const r = runCliBytes(['sample', '--model', model, '--prime', '春', '--length', '3000', '--temperature', '4', '--seed', '1']);
    assert.equal(r.status, 0, r.stderr);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(r.stdout); // throws on any invalid byte sequence
    const chars = [...text];
    assert.equal(chars.length, 1 + 3000 + 1); // the prime, the sample, a line break
    for (const ch of chars)
      assert.ok(vocabulary.has(ch) || ch === '\uFFFD', `U+${ch.codePointAt(0)!.toString(16)} is not in the training text`);
    assert.ok(
      chars.some((ch) => ch.codePointAt(0)! > 0xffff),
      'a supplementary-plane ideograph was drawn, whole',
    );
  });

  it('poem --acrostic writes lines that begin with the given characters, and the form score of what it printed', () => {
    const out = runJson<{ poems: string[]; formScore: number }>([
      'poem',
      '--model',
      model,
      '--acrostic',
      '春夏秋冬',
      '--count',
      '4',
      '--seed',
      '2',
      '--threads',
      '1',
    ]);
    assert.equal(out.poems.length, 4);
    for (const poem of out.poems) assertAcrostic(poem, ['春', '夏', '秋', '冬']);
    assert.equal(out.formScore, formScore(out.poems));
  });

  it('poem --start begins every poem with it, the same poems for the same seed; the text form ends with the form line', () => {
    const args = ['poem', '--model', model, '--start', '白日', '--count', '3', '--seed', '5', '--temperature', '1', '--threads', '1'];
    const r = runCli(args);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 4);
    for (const poem of lines.slice(0, 3)) assert.ok(poem.startsWith('白日'), poem);
    const regular = lines.slice(0, 3).filter((p) => formScore([p]) === 1).length;
    assert.match(lines[3], new RegExp(`^form: ${regular} of 3 poems are regular quatrains \\(${Math.round((100 * regular) / 3)} %`));
    assert.equal(runCli(args).stdout, r.stdout);
  });

  it('refuses bad requests as usage errors', () => {
    assertFails(runCli(['poem', '--model', model, '--start', '春', '--acrostic', '春夏秋冬']), 2, /either a start or an acrostic/);
    assertFails(runCli(['poem', '--model', model, '--acrostic', '春夏秋A']), 2, /acrostic has 'A', a character the model does not know/);
    assertFails(runCli(['poem', '--model', model, '--count', '0']), 2, /--count/);
    assertFails(runCli(['poem', '--model', join(dir, 'missing.safetensors')]), 1, /missing\.safetensors/);
  });
});

describe('rnnkit demo --corpus tang', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rnnkit-cli-demo-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('trains on the quatrains, shows five poems of the acrostic and the form score, saves the model', () => {
    const out = join(dir, 'tang.safetensors');
    const r = runCli(['demo', '--corpus', 'tang', '--time', '1', '--acrostic', '春夏秋冬', '--out', out, '--threads', '1']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Training a character-level LSTM \(1 × \d+ units\) on the Tang quatrains for 1s…/);
    const shown = /── 5 of 100 poems \(temperature 0\.8, acrostic 春夏秋冬\) ─+\n((?:.*\n){5})/.exec(r.stdout);
    assert.ok(shown, r.stdout);
    for (const poem of shown[1].trim().split('\n')) assertAcrostic(poem, ['春', '夏', '秋', '冬']);
    assert.match(r.stdout, /form: \d+ of 100 poems are regular quatrains \(\d+ %/);
    assert.match(r.stdout, new RegExp(`rnnkit poem --model ${out.replace(/[.]/g, '\\.')} --acrostic 春夏秋冬`));
    assert.ok(existsSync(out));
  });

  it('refuses poem options for Moby Dick, characters the poems lack, and unknown corpora, before training', () => {
    assertFails(runCli(['demo', '--acrostic', '春夏秋冬']), 2, /--start and --acrostic begin poems: use them with --corpus tang/);
    assertFails(runCli(['demo', '--corpus', 'tang', '--start', 'Call me']), 2, /start has 'C', a character the model does not know/);
    assertFails(runCli(['demo', '--corpus', 'tang', '--acrostic', '春，秋冬']), 2, /'，', a mark that ends a line/);
    assertFails(runCli(['demo', '--corpus', 'shakespeare']), 2, /--corpus/);
  });
});
