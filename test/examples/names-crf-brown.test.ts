// The BiLSTM against BiLSTM-CRF example runs end to end on a small budget (its figures are
// measured with the default budget and reported in the README): the CRF keeps BIO everywhere.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const script = fileURLToPath(new URL('../../examples/names-crf-brown.ts', import.meta.url));

interface Arm {
  steps: number;
  tokenAccuracy: number;
  entityF1: number;
  invalidSequences: number;
}

describe('examples/names-crf-brown.ts', () => {
  it('trains a tagger with and without a CRF on Brown names and parts of speech and scores both', () => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', script, '--seconds', '2', '--max-train', '400', '--max-test', '300', '--threads', '1', '--json'],
      { encoding: 'utf8' },
    );
    assert.equal(child.status, 0, child.stderr);
    const summary = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
      sentences: number;
      names: number;
      tags: number;
      softmax: Arm;
      crf: Arm;
    };
    assert.equal(summary.sentences, 300);
    assert.ok(summary.names > 0, JSON.stringify(summary));
    // Twelve universal categories, B-NAME and I-NAME, as far as 400 sentences hold them.
    assert.ok(summary.tags >= 13 && summary.tags <= 14, JSON.stringify(summary));
    for (const arm of [summary.softmax, summary.crf]) {
      assert.ok(arm.steps >= 1, JSON.stringify(arm));
      assert.ok(arm.tokenAccuracy > 0 && arm.tokenAccuracy <= 1 && arm.entityF1 >= 0 && arm.entityF1 <= 1, JSON.stringify(arm));
    }
    assert.equal(summary.crf.invalidSequences, 0, 'Viterbi under the BIO constraints never breaks BIO');
  });
});
