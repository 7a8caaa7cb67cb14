// The tagging example runs end to end on a small budget (its quality is measured with
// the default budget and reported in the README).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const script = fileURLToPath(new URL('../../examples/pos-tagging-brown.ts', import.meta.url));

describe('examples/pos-tagging-brown.ts', () => {
  it('trains a tagger on the Brown corpus and reports held-out accuracy beside the baseline', () => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', script, '--seconds', '2', '--max-train', '300', '--threads', '1', '--json'],
      { encoding: 'utf8' },
    );
    assert.equal(child.status, 0, child.stderr);
    const summary = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { steps: number; accuracy: number; baselineAccuracy: number };
    assert.ok(summary.steps >= 1);
    assert.ok(summary.accuracy > 0 && summary.accuracy <= 1, JSON.stringify(summary));
    // The most-frequent-tag baseline on Brown is about 90 % with the full training set; with 300 sentences it is lower.
    assert.ok(summary.baselineAccuracy > 0.5 && summary.baselineAccuracy < 1, JSON.stringify(summary));
  });
});
