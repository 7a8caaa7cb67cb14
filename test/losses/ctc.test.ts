// CTC: loss and gradients against PyTorch (scripts/gen_ctc_fixtures.py), in float64 and
// float32; finite differences; decoding checked against brute-force enumeration.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ctcBeamSearch, ctcGreedyDecode } from '../../src/decode/ctc.js';
import { NonFiniteError, ShapeError, UsageError } from '../../src/errors.js';
import { readSafetensors, safetensorsMetadata } from '../../src/io/safetensors.js';
import { Random } from '../../src/random.js';
import type { FloatTensor } from '../../src/tensor/tensor.js';
import { ctcLoss, type CtcLossOptions } from '../../src/losses/ctc.js';
import { assertClose } from '../helpers/allclose.js';
import { gradcheck } from '../helpers/gradcheck.js';

interface Case {
  name: string;
  targets: number[][];
  inputLengths: number[];
  targetLengths: number[];
  blank: number;
  reduction: 'mean' | 'sum' | 'none';
  zeroInfinity: boolean;
}

const tensors = readSafetensors(readFileSync(new URL('../fixtures/ctc/cases.safetensors', import.meta.url)));
const cases = JSON.parse(safetensorsMetadata(tensors).cases) as Case[];

function random3(shape: [number, number, number], seed: number): FloatTensor<Float64Array> {
  const random = new Random(seed);
  const data = new Float64Array(shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < data.length; i++) data[i] = 2 * random.normal();
  return { shape, data };
}

describe('ctcLoss', () => {
  for (const c of cases) {
    it(`equals torch.nn.functional.ctc_loss: ${c.name} (${c.reduction}${c.zeroInfinity ? ', zeroInfinity' : ''}, blank ${c.blank})`, () => {
      const logits = tensors[`${c.name}.logits`];
      const expectedLoss = Array.from(tensors[`${c.name}.loss`].data);
      const expectedGrad = tensors[`${c.name}.grad`].data;
      const options: CtcLossOptions = { blank: c.blank, reduction: c.reduction, zeroInfinity: c.zeroInfinity };
      // float64, as PyTorch computed (the fixture stores its results rounded to float32),
      // then float32 input as callers give it.
      const f64 = ctcLoss(
        { shape: logits.shape, data: Float64Array.from(logits.data) },
        c.targets,
        c.inputLengths,
        c.targetLengths,
        options,
      );
      assertClose(`${c.name} loss`, [f64.loss].flat(), expectedLoss, { atol: 1e-7, rtol: 2e-7 });
      assertClose(`${c.name} grad`, f64.grad.data, expectedGrad, { atol: 1e-8, rtol: 2e-7 });
      const f32 = ctcLoss(
        { shape: logits.shape, data: Float32Array.from(logits.data) },
        c.targets,
        c.inputLengths,
        c.targetLengths,
        options,
      );
      assert.ok(f32.grad.data instanceof Float32Array);
      assertClose(`${c.name} loss (float32)`, [f32.loss].flat(), expectedLoss, { atol: 1e-5, rtol: 1e-5 });
      assertClose(`${c.name} grad (float32)`, f32.grad.data, expectedGrad, { atol: 1e-5, rtol: 1e-4 });
      assert.equal(typeof f64.loss === 'number', c.reduction !== 'none');
    });
  }

  it('gradients match finite differences (float64, repeats, ragged lengths, blank not 0, every reduction)', () => {
    const targets = [[1, 1, 2], [3], [2, 3, 2, 1]];
    const inputLengths = [6, 3, 7];
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const logits = random3([7, 3, 5], 4);
      const options = { blank: 4, reduction };
      const total = (): number =>
        [
          ctcLoss(
            logits,
            targets,
            inputLengths,
            targets.map((t) => t.length),
            options,
          ).loss,
        ]
          .flat()
          .reduce((a, b) => a + b, 0);
      const { grad } = ctcLoss(
        logits,
        targets,
        inputLengths,
        targets.map((t) => t.length),
        options,
      );
      gradcheck([{ name: `logits (${reduction})`, values: logits.data, grad: grad.data }], total);
    }
  });

  it('rejects inconsistent shapes, lengths, labels and non-finite scores with clear errors', () => {
    const logits = random3([4, 2, 3], 1);
    const ok = [[1], [2, 1]];
    const lengths = [1, 2];
    assert.throws(
      () => ctcLoss({ shape: [4, 6], data: logits.data }, ok, [4, 4], lengths),
      (e: Error) => e instanceof ShapeError && /\[T, B, C\]/.test(e.message),
    );
    assert.throws(
      () => ctcLoss(logits, [[1]], [4, 4], lengths),
      (e: Error) => e instanceof ShapeError && /targets must have one entry per batch item \(2\), got 1/.test(e.message),
    );
    assert.throws(
      () => ctcLoss(logits, ok, [4, 5], lengths),
      (e: Error) => e instanceof ShapeError && /inputLengths\[1\] must be an integer in \[0, 4\], got 5/.test(e.message),
    );
    assert.throws(
      () => ctcLoss(logits, ok, [4, 4], [1, 3]),
      (e: Error) => e instanceof ShapeError && /targetLengths\[1\] is 3 but targets\[1\] has 2/.test(e.message),
    );
    assert.throws(
      () => ctcLoss(logits, [[0], [2, 1]], [4, 4], lengths),
      (e: Error) => e instanceof UsageError && /other than the blank 0, got 0/.test(e.message),
    );
    assert.throws(() => ctcLoss(logits, [[3], [2, 1]], [4, 4], lengths), UsageError);
    assert.throws(() => ctcLoss(logits, ok, [4, 4], lengths, { blank: 3 }), /blank must be a class index in \[0, 3\)/);
    assert.throws(() => ctcLoss(logits, ok, [4, 4], lengths, { reduction: 'avg' as 'mean' }), /reduction must be/);
    const bad = { shape: logits.shape, data: Float64Array.from(logits.data) };
    bad.data[5] = NaN;
    assert.throws(() => ctcLoss(bad, ok, [4, 4], lengths), NonFiniteError);
  });
});

describe('CTC decoding', () => {
  it('greedy: best class per frame, repeats merged, blanks dropped, per item length', () => {
    // Frames' winners for item 0: 1 1 0 1 2 2 → [1, 1, 2]; item 1 (3 frames): 0 2 2 → [2].
    const winners = [
      [1, 0],
      [1, 2],
      [0, 2],
      [1, 1],
      [2, 1],
      [2, 1],
    ];
    const data = new Float32Array(6 * 2 * 3);
    winners.forEach((row, t) =>
      row.forEach((c, b) => {
        data[(t * 2 + b) * 3 + c] = 5;
      }),
    );
    assert.deepEqual(ctcGreedyDecode({ shape: [6, 2, 3], data }, { lengths: [6, 3] }), [[1, 1, 2], [2]]);
  });

  it('prefix beam search finds the most probable labelling of brute-force enumeration, with its probability', () => {
    const [T, C] = [5, 3];
    for (const seed of [1, 2, 3]) {
      const logits = random3([T, 1, C], seed);
      // Every label sequence of length ≤ T over classes 1…C−1, with p(l | x) = exp(−ctcLoss(sum)).
      const all: number[][] = [[]];
      for (let n = 1; n <= T; n++)
        for (const prefix of all.filter((l) => l.length === n - 1)) for (let c = 1; c < C; c++) all.push([...prefix, c]);
      const scored = all
        .map((labels) => ({ labels, p: Math.exp(-(ctcLoss(logits, [labels], [T], [labels.length], { reduction: 'sum' }).loss as number)) }))
        .sort((a, b) => b.p - a.p);
      assert.ok(Math.abs(scored.reduce((s, x) => s + x.p, 0) - 1) < 1e-9, 'the labellings partition the alignments');
      const [best, second] = ctcBeamSearch(logits, { beamWidth: 64 })[0];
      assert.deepEqual(best.labels, scored[0].labels, `seed ${seed}`);
      assert.ok(Math.abs(Math.exp(best.logProbability) - scored[0].p) < 1e-9);
      assert.deepEqual(second.labels, scored[1].labels);
      assert.ok(Math.abs(Math.exp(second.logProbability) - scored[1].p) < 1e-9);
    }
  });

  it('rejects bad options', () => {
    const logits = random3([3, 1, 4], 1);
    assert.throws(() => ctcBeamSearch(logits, { beamWidth: 0 }), /beamWidth must be a positive integer/);
    assert.throws(() => ctcGreedyDecode(logits, { lengths: [1, 2] }), /lengths must have 1 entries/);
    assert.throws(() => ctcGreedyDecode(logits, { blank: 4 }), /blank must be a class index/);
  });
});
