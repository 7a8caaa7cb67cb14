// Jordan network: float64 gradient checks with and without teacher forcing, the batched
// teacher-forced pass against step-by-step evaluation, and the public layer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { ShapeError, UsageError } from '../../src/errors.js';
import { Jordan, JordanCore, type JordanConfig, type JordanOutput, jordanParameterSpecs } from '../../src/layers/jordan.js';
import { ParameterSet } from '../../src/layers/parameters.js';
import { Random } from '../../src/random.js';
import { assertClose } from '../helpers/allclose.js';
import { gradcheck, weightedSum } from '../helpers/gradcheck.js';
import { rng, uniform } from '../helpers/random.js';

const ref64 = createReferenceBackend(Float64Array);
const [T, B, D, H, O] = [4, 3, 2, 5, 3];

function setup(outputActivation: JordanOutput, nonlinearity: 'tanh' | 'relu' = 'tanh') {
  const config: JordanConfig = { inputSize: D, hiddenSize: H, outputSize: O, nonlinearity, outputActivation, bias: true };
  const params = new ParameterSet<Float64Array>(jordanParameterSpecs(config), new Random(5));
  const core = new JordanCore(config, ref64, params);
  const random = rng(9);
  const x = Float64Array.from(uniform(random, T * B * D));
  const y0 = Float64Array.from(uniform(random, B * O));
  const targets = Float64Array.from(uniform(random, T * B * O));
  const w = uniform(random, T * B * O);
  return { config, params, core, x, y0, targets, w };
}

describe('Jordan gradients match finite differences (float64)', () => {
  for (const teacher of [true, false]) {
    for (const act of ['identity', 'softmax', 'sigmoid', 'tanh'] as JordanOutput[]) {
      for (const nonlinearity of ['tanh', 'relu'] as const) {
        it(`${teacher ? 'teacher forcing' : 'free running'}, output ${act}, hidden ${nonlinearity}`, () => {
          const { params, core, x, y0, targets, w } = setup(act, nonlinearity);
          const run = (): number => {
            core.prepare(T, B);
            core.input().set(x);
            core.forward(y0, teacher ? targets : undefined);
            return weightedSum(core.output(), w);
          };
          run();
          params.zeroGrad();
          core.outputGrad().set(w);
          core.backward();
          gradcheck(
            [
              ...params.list().map((p) => ({ name: p.name, values: p.value, grad: Float64Array.from(p.grad) })),
              { name: 'x', values: x, grad: Float64Array.from(core.inputGrad()) },
              { name: 'y0', values: y0, grad: Float64Array.from(core.y0Grad()) },
            ],
            run,
          );
        });
      }
    }
  }
});

describe('Jordan semantics', () => {
  it("teacher forcing equals free running when the targets are the model's own outputs", () => {
    const { core, x, y0 } = setup('sigmoid');
    core.prepare(T, B);
    core.input().set(x);
    core.forward(y0, undefined);
    const free = Float64Array.from(core.output());
    const own = Float64Array.from(core.prediction());
    core.prepare(T, B);
    core.input().set(x);
    core.forward(y0, own);
    assertClose('scores', core.output(), free, { atol: 1e-12, rtol: 0 });
  });

  it('feeds the previous target, not the output, under teacher forcing', () => {
    const { core, x, y0, targets } = setup('identity');
    core.prepare(T, B);
    core.input().set(x);
    core.forward(y0, targets);
    const forced = Float64Array.from(core.output());
    const changed = Float64Array.from(targets);
    for (let i = (T - 1) * B * O; i < T * B * O; i++) changed[i] += 1; // the last step's targets are never fed
    core.prepare(T, B);
    core.input().set(x);
    core.forward(y0, changed);
    assertClose('scores unaffected by the last targets', core.output(), forced, { atol: 0, rtol: 0 });
    changed[0] += 1; // a first-step target is fed to step 1
    core.prepare(T, B);
    core.input().set(x);
    core.forward(y0, changed);
    assert.notEqual(core.output()[B * O], forced[B * O]);
  });

  it('runs the public layer the same on the reference and wasm backends', async () => {
    const random = rng(4);
    const x = { shape: [T, B, D], data: Float32Array.from(uniform(random, T * B * D)) };
    const dOut = { shape: [T, B, O], data: Float32Array.from(uniform(random, T * B * O)) };
    const results = [];
    for (const backend of [createReferenceBackend(), await createWasmBackend({ threads: 1 })]) {
      const layer = new Jordan({ inputSize: D, hiddenSize: H, outputSize: O, outputActivation: 'softmax', seed: 3, backend });
      const { output, prediction } = await layer.forward(x);
      const grads = await layer.backward(dOut);
      results.push({ output, prediction, dx: grads.x, dW: layer.gradients().weight_yh });
      backend.dispose();
    }
    const [r, w] = results;
    assertClose('output', w.output.data, r.output.data);
    assertClose('prediction', w.prediction.data, r.prediction.data);
    assertClose('dx', w.dx.data, r.dx.data);
    assertClose('dW_yh', w.dW.data, r.dW.data);
    assert.deepEqual(r.output.shape, [T, B, O]);
  });

  it('rejects bad options and shapes', async () => {
    assert.throws(() => new Jordan({ inputSize: 0, hiddenSize: 2, outputSize: 2 }), UsageError);
    assert.throws(
      () => new Jordan({ inputSize: 1, hiddenSize: 2, outputSize: 2, outputActivation: 'relu' as JordanOutput }),
      /outputActivation must be/,
    );
    const layer = new Jordan({ inputSize: 2, hiddenSize: 2, outputSize: 2, backend: createReferenceBackend() });
    await assert.rejects(layer.forward({ shape: [3, 1, 3], data: new Float32Array(9) }), ShapeError);
    await assert.rejects(layer.backward({ shape: [3, 1, 2], data: new Float32Array(6) }), /run forward\(\) first/);
    await assert.rejects(
      layer.forward({ shape: [3, 1, 2], data: new Float32Array(6) }, { targets: { shape: [3, 1, 3], data: new Float32Array(9) } }),
      /expected targets of shape \[3, 1, 2\]/,
    );
  });
});
