// The CTC example runs end to end on a small budget (its quality is measured with the
// default budget and reported in the README; a few seconds only prove it works).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const script = fileURLToPath(new URL('../../examples/ctc-mnist.ts', import.meta.url));

describe('examples/ctc-mnist.ts', () => {
  it('trains on MNIST strips and reports the character error rate of held-out strips', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, '--seconds', '2', '--train-strips', '64',
      '--test-strips', '20', '--threads', '1', '--json'], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const summary = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { steps: number; characterErrorRate: number; stripAccuracy: number };
    assert.ok(summary.steps >= 1);
    assert.ok(summary.characterErrorRate >= 0 && summary.characterErrorRate <= 1.5, JSON.stringify(summary));
    assert.ok(summary.stripAccuracy >= 0 && summary.stripAccuracy <= 1);
  });
});
