// CTCModel learns an unaligned task: symbols shown for a random number of noisy frames,
// labelled only by the symbol sequence; it must read held-out sequences back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { padSequences } from '../../src/data/sequences.js';
import { ShapeError, UsageError } from '../../src/errors.js';
import { CTCModel, type CTCExample } from '../../src/models/ctc-model.js';
import { Random } from '../../src/random.js';
import { Adam } from '../../src/training/optim/adam.js';
import { train } from '../../src/training/trainer.js';

const LABELS = 4;
const D = 6;

/** 2–5 symbols, each held for 1–3 frames of its one-hot code plus noise; a repeated symbol is split by a silent frame. */
function example(random: Random): CTCExample {
  const labels = Array.from({ length: 2 + random.int(4) }, () => random.int(LABELS));
  const frames: number[][] = [];
  labels.forEach((label, i) => {
    if (i > 0 && labels[i - 1] === label) frames.push(new Array<number>(D).fill(0));
    for (let k = 1 + random.int(3); k > 0; k--)
      frames.push(Array.from({ length: D }, (_, d) => (d === label ? 1 : 0) + 0.1 * random.normal()));
  });
  return { frames: { steps: frames.length, data: Float32Array.from(frames.flat()) }, labels };
}

describe('CTCModel', () => {
  let backend: Backend<Float32Array>;

  it('learns unaligned symbol sequences and decodes held-out ones (greedy and beam)', async () => {
    backend = await createWasmBackend({ threads: 1 });
    const random = new Random(3);
    const trainSet = Array.from({ length: 256 }, () => example(random));
    const testSet = Array.from({ length: 40 }, () => example(random));
    const model = CTCModel.create({ inputSize: D, numLabels: LABELS, hiddenSize: 24, seed: 5, backend });
    const losses: number[] = [];
    await train(await model.trainingTask(trainSet, 16), {
      optimizer: new Adam(await model.parameters(), { lr: 0.02 }, backend),
      budget: { epochs: 12 },
      clipNorm: 5,
      onProgress: (p) => losses.push(p.loss),
    });
    const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const last = losses.slice(-5).reduce((a, b) => a + b) / 5;
    assert.ok(last < first / 5, `loss ${first} → ${last}`);
    const { x, lengths } = padSequences(
      testSet.map((e) => e.frames),
      D,
    );
    model.eval();
    for (const beamWidth of [1, 8]) {
      const decoded = await model.decode(x, lengths, { beamWidth });
      const exact = decoded.filter((labels, i) => labels.join() === testSet[i].labels.join()).length;
      assert.ok(exact >= 36, `beam ${beamWidth}: ${exact} of 40 read back exactly`);
    }
  });

  it('rejects labels out of range, frames of the wrong width and bad options', async () => {
    backend ??= await createWasmBackend({ threads: 1 });
    const model = CTCModel.create({ inputSize: D, numLabels: LABELS, hiddenSize: 4, backend });
    const e = example(new Random(1));
    const { x, lengths } = padSequences([e.frames], D);
    await assert.rejects(
      model.lossAndBackward(x, lengths, [[LABELS]]),
      (err: Error) => err instanceof UsageError && /labels\[0\]\[0\] must be in \[0, 4\), got 4/.test(err.message),
    );
    await assert.rejects(
      model.trainingTask([{ frames: { steps: 2, data: new Float32Array(5) }, labels: [1] }], 4),
      (err: Error) => err instanceof ShapeError && /example 0 has 5 values for 2 frames of 6 features/.test(err.message),
    );
    assert.throws(() => CTCModel.create({ inputSize: D, numLabels: 0 }), /numLabels must be a positive integer/);
  });
});
