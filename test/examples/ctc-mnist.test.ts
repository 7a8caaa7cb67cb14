// The CTC example runs end to end on a small budget of steps (its quality is measured with the
// default budget and reported in the README): 30 steps must already beat the untrained model.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadModel } from '../../src/io/model-file.js';
import { suiteDir } from '../helpers/temp.js';

const script = fileURLToPath(new URL('../../examples/ctc-mnist.ts', import.meta.url));

describe('examples/ctc-mnist.ts', () => {
  const temp = suiteDir('rnnkit-ctc-mnist-');

  it('trains on MNIST strips, reports the character error rate of held-out strips and saves the model', async () => {
    const out = temp('mnist-ctc.safetensors');
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', script, '--steps', '30', '--train-strips', '64', '--test-strips', '20', '--threads', '1', '--json', '--out', out],
      { encoding: 'utf8' },
    );
    assert.equal(child.status, 0, child.stderr);
    const summary = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
      steps: number;
      characterErrorRate: number;
      stripAccuracy: number;
      testLoss: number;
      untrainedTestLoss: number;
    };
    assert.equal(summary.steps, 30);
    // The held-out CTC loss falls well below the untrained model's (29.4 nats per strip; 2.8 after these 30 steps on this machine).
    assert.ok(summary.testLoss < summary.untrainedTestLoss / 4, JSON.stringify(summary));
    // Every strip holds 3–6 digits: a reading scores an error rate of its edits over them, 0 when exact.
    assert.equal(summary.stripAccuracy === 1, summary.characterErrorRate === 0);
    // The saved model names its labels, so the playground lets the user draw digits for it.
    const model = await loadModel(out, { type: 'ctc-model' });
    assert.deepEqual(model.vocabularies.labels, [...'0123456789']);
    assert.equal(model.settings.inputSize, 56);
  });
});
