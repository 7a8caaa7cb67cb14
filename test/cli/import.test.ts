// `rnnkit import --from pytorch` on the PyTorch char-LM fixture: the imported model
// samples PyTorch's greedy continuation through `rnnkit sample`.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

const FIXTURE = new URL('../fixtures/pytorch-lm/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURE), 'utf8')) as { vocab: string[]; prime: string; greedy: string };
const weights = fileURLToPath(new URL('model.safetensors', FIXTURE));

describe('rnnkit import --from pytorch', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rnnkit-cli-import-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('imports with a JSON vocabulary or one read from a text, and samples as PyTorch does', () => {
    const vocab = join(dir, 'vocab.json');
    writeFileSync(vocab, JSON.stringify(expected.vocab));
    const corpus = join(dir, 'corpus.txt');
    writeFileSync(corpus, [...expected.vocab].reverse().join('').repeat(3));
    for (const source of [['--vocab', vocab], ['--vocab-from', corpus]]) {
      const out = join(dir, 'imported.safetensors');
      const r = runCli(['import', '--from', 'pytorch', '--weights', weights, ...source, '--out', out, '--json']);
      assert.equal(r.status, 0, r.stderr);
      const summary = JSON.parse(r.stdout) as { cell: string; numLayers: number; hiddenSize: number; vocabSize: number };
      assert.deepEqual([summary.cell, summary.numLayers, summary.hiddenSize, summary.vocabSize], ['lstm', 2, 48, expected.vocab.length + 1]);
      const sample = runCli(['sample', '--model', out, '--prime', expected.prime, '--length', String(expected.greedy.length),
        '--temperature', '0']);
      assert.equal(sample.status, 0, sample.stderr);
      assert.equal(sample.stdout, `${expected.prime}${expected.greedy}\n`);
    }
  });

  it('usage errors exit 2 with one line', () => {
    const out = join(dir, 'x.safetensors');
    for (const [args, message] of [
      [['import', '--weights', weights, '--vocab-from', weights, '--out', out], /--from/],
      [['import', '--from', 'pytorch', '--weights', weights, '--out', out], /exactly one of --vocab/],
      [['import', '--from', 'keras', '--weights', weights, '--out', out], /keras/],
    ] as const) {
      const r = runCli([...args]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^rnnkit: error: .*\n$/);
      assert.match(r.stderr, message);
    }
  });
});
