// data/tang-quatrains.txt and the script that writes it: the extraction over a few poems of
// the chinese-poetry package (its file layout and format, kept under test/fixtures/tang/),
// and what the committed file promises.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { extractQuatrains, quatrainFile } from '../../scripts/extract-tang-quatrains.js';
import { readUtf8 } from '../../src/cli/common.js';
import { quatrainLineLength } from '../../src/index.js';

const fixture = fileURLToPath(new URL('../fixtures/tang', import.meta.url));
const script = fileURLToPath(new URL('../../scripts/extract-tang-quatrains.ts', import.meta.url));
const data = fileURLToPath(new URL('../../data/tang-quatrains.txt', import.meta.url));

describe('scripts/extract-tang-quatrains.ts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnkit-tang-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the regular quatrains of the Tang files in order, simplified, each text once', async () => {
    // Fixture: poet.tang.0.json, poet.tang.2000.json, poet.tang.10000.json (read in that order, not
    // as strings sort), and a Song file that is not read. Left out: a regulated verse of 8 lines, a
    // poem with a lost character □, one with ？, one with an editorial note, a repeat of 静夜思.
    const extraction = await extractQuatrains(fixture);
    assert.deepEqual(extraction.poems, [
      '床前看月光，疑是地上霜。举头望山月，低头思故乡。',
      '春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。',
      '独在异乡为异客，每逢佳节倍思亲。遥知兄弟登高处，遍插茱萸少一人。',
      '白日依山尽，黄河入海流。欲穷千里目，更上一层楼。',
      '玉轸朱弦瑟瑟徽，吴娃徵调奏湘妃。分明曲里愁云雨，似道萧萧郎不归。', // 徵 (the note) is kept, as OpenCC's phrase 徵調 says
    ]);
    assert.deepEqual([extraction.read, extraction.fiveCharacter, extraction.sevenCharacter, extraction.duplicates], [10, 3, 2, 1]);
  });

  it('writes the same file on every run (one poem per line)', () => {
    const outputs = [1, 2].map((run) => {
      const out = join(dir, `run${run}.txt`);
      const r = spawnSync(process.execPath, ['--import', 'tsx', script, fixture, '--out', out], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /read 10 poems; wrote 5 regular quatrains \(3 of 5 characters a line, 2 of 7; 1 repeated texts left out\)/);
      return readFileSync(out, 'utf8');
    });
    assert.equal(outputs[0], outputs[1]);
    assert.equal(outputs[0], readFileSync(join(fixture, 'tang-quatrains.txt'), 'utf8'));
  });

  it('fails on a folder that is not the package, naming it', async () => {
    await assert.rejects(extractQuatrains(dir), /no such file|ENOENT/);
    await assert.rejects(extractQuatrains(join(fixture, '..')), (e: Error) => e.message.includes('quantangshi'));
  });
});

describe('data/tang-quatrains.txt', () => {
  it('is UTF-8 with one regular quatrain per line, no line twice, as many as data/README.md says', async () => {
    const text = await readUtf8(data);
    assert.ok(text.endsWith('\n'));
    const poems = text.slice(0, -1).split('\n');
    const lengths = poems.map((poem) => quatrainLineLength(poem));
    assert.equal(lengths.indexOf(undefined), -1, 'every line is a regular quatrain');
    assert.equal(new Set(poems).size, poems.length, 'no poem twice');
    assert.equal(quatrainFile(poems), text);
    const readme = readFileSync(new URL('../../data/README.md', import.meta.url), 'utf8');
    const stated = /([\d,]+) poems, ([\d,]+) of five characters a line and ([\d,]+) of seven/.exec(readme);
    assert.ok(stated, 'data/README.md states the counts');
    const count = (i: number): number => Number(stated[i].replace(/,/g, ''));
    assert.deepEqual(
      [poems.length, lengths.filter((n) => n === 5).length, lengths.filter((n) => n === 7).length],
      [count(1), count(2), count(3)],
    );
  });
});
