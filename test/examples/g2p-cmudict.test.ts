// The sequence-to-sequence example runs end to end on a small budget (its quality is
// measured with the default budget and reported in the README).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const script = fileURLToPath(new URL('../../examples/g2p-cmudict.ts', import.meta.url));

interface Score {
  wordAccuracy: number;
  phonemeErrorRate: number;
}

describe('examples/g2p-cmudict.ts', () => {
  it('trains a spelling-to-phonemes model and reports held-out word accuracy and phoneme error rate', () => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', script, '--seconds', '2', '--threads', '1', '--test-words', '300', '--beam-words', '40', '--json'],
      { encoding: 'utf8' },
    );
    assert.equal(child.status, 0, child.stderr);
    const summary = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
      steps: number;
      greedy: Score;
      beam4: Score & { words: number };
    };
    assert.ok(summary.steps >= 1);
    for (const score of [summary.greedy, summary.beam4]) {
      assert.ok(score.wordAccuracy >= 0 && score.wordAccuracy <= 1, JSON.stringify(summary));
      assert.ok(Number.isFinite(score.phonemeErrorRate) && score.phonemeErrorRate > 0, JSON.stringify(summary));
    }
    assert.equal(summary.beam4.words, 40);
  });

  it('refuses an unknown context', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, '--seconds', '1', '--context', 'mean', '--json'], {
      encoding: 'utf8',
    });
    assert.notEqual(child.status, 0);
    assert.match(child.stderr, /context must be 'final', 'transform', 'attention', got 'mean'/);
  });
});
