// The classification example runs end to end on a small budget (its quality is measured
// with the default budget and reported in the README).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const script = fileURLToPath(new URL('../../examples/names-gender.ts', import.meta.url));

describe('examples/names-gender.ts', () => {
  it('trains a name classifier and reports held-out accuracy beside the majority baseline', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, '--seconds', '2', '--threads', '1', '--json'], {
      encoding: 'utf8',
    });
    assert.equal(child.status, 0, child.stderr);
    const summary = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { steps: number; accuracy: number; majorityBaseline: number };
    assert.ok(summary.steps >= 1);
    assert.ok(summary.accuracy > 0 && summary.accuracy <= 1, JSON.stringify(summary));
    assert.ok(summary.majorityBaseline > 0.5 && summary.majorityBaseline < 0.6, JSON.stringify(summary));
  });
});
