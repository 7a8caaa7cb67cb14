// The projected LSTM (LSTMP, PyTorch's proj_size) as a public layer: parameter names and shapes,
// the widths of output, h and c, clear errors, the wasm backend equal to the reference one on
// awkward sizes, traces, and ONNX's refusal. Numerics against PyTorch: recurrent-parity.test.ts;
// gradients against finite differences: recurrent-gradcheck.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { ShapeError, UsageError } from '../../src/errors.js';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { GRU, LSTM } from '../../src/layers/recurrent/layers.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers/allclose.js';
import { rng, uniform } from '../helpers/random.js';

const reference = createReferenceBackend();
const random = (shape: number[], seed = 1): Tensor => ({
  shape,
  data: Float32Array.from(
    uniform(
      rng(seed),
      shape.reduce((a, b) => a * b, 1),
    ),
  ),
});

describe('LSTM with projSize', () => {
  it("names its parameters as PyTorch's proj_size does: weight_hr last, weight_hh [4H, P], layer 1 reads dirs·P", () => {
    const dict = new LSTM({ inputSize: 3, hiddenSize: 5, projSize: 2, numLayers: 2, bidirectional: true }).stateDict();
    assert.deepEqual(Object.keys(dict).slice(0, 10), [
      'weight_ih_l0',
      'weight_hh_l0',
      'bias_ih_l0',
      'bias_hh_l0',
      'weight_hr_l0',
      'weight_ih_l0_reverse',
      'weight_hh_l0_reverse',
      'bias_ih_l0_reverse',
      'bias_hh_l0_reverse',
      'weight_hr_l0_reverse',
    ]);
    assert.deepEqual(dict.weight_hh_l0.shape, [20, 2]);
    assert.deepEqual(dict.weight_hr_l1_reverse.shape, [2, 5]);
    assert.deepEqual(dict.weight_ih_l1.shape, [20, 4]);
  });

  it('outputs dirs·P features, h [L·dirs, B, P] and c [L·dirs, B, H]; zero output past a length', async () => {
    const lstm = new LSTM({
      inputSize: 3,
      hiddenSize: 5,
      projSize: 2,
      numLayers: 2,
      bidirectional: true,
      batchFirst: true,
      backend: reference,
    });
    const { output, h, c } = await lstm.forward(random([2, 4, 3]), { lengths: [4, 2] });
    assert.deepEqual(output.shape, [2, 4, 4]);
    assert.deepEqual(h.shape, [4, 2, 2]);
    assert.deepEqual(c!.shape, [4, 2, 5]);
    assert.deepEqual(Array.from(output.data.subarray(4 * 4 + 2 * 4)), new Array(8).fill(0));
    const grads = await lstm.backward({ output: random([2, 4, 4], 2), h: random([4, 2, 2], 3), c: random([4, 2, 5], 4) });
    assert.deepEqual(grads.h0.shape, [4, 2, 2]);
    assert.deepEqual(grads.c0!.shape, [4, 2, 5]);
  });

  it('rejects projSize ≥ hiddenSize, a negative or fractional one, projSize on a GRU, and h0 that is H wide', async () => {
    assert.throws(
      () => new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 4 }),
      /projSize must be an integer in \[0, hiddenSize\).*got 4 with hiddenSize 4/,
    );
    assert.throws(() => new LSTM({ inputSize: 3, hiddenSize: 4, projSize: -1 }), UsageError);
    assert.throws(() => new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 1.5 }), UsageError);
    assert.throws(() => new GRU({ inputSize: 3, hiddenSize: 4, ...{ projSize: 2 } }), /option 'projSize' belongs to LSTM layers, not GRU/);
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 2, backend: reference });
    await assert.rejects(
      lstm.forward(random([3, 1, 3]), { h0: random([1, 1, 4]) }),
      (e: Error) => e instanceof ShapeError && /expected h0 of shape \[1, 1, 2\], got \[1, 1, 4\]/.test(e.message),
    );
    await assert.rejects(lstm.forward(random([3, 1, 3]), { c0: random([1, 1, 2]) }), /expected c0 of shape \[1, 1, 4\]/);
    // projSize 0 is PyTorch's "no projection".
    assert.deepEqual(Object.keys(new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 0 }).stateDict()), [
      'weight_ih_l0',
      'weight_hh_l0',
      'bias_ih_l0',
      'bias_hh_l0',
    ]);
  });

  for (const [H, P] of [
    [2, 1],
    [3, 1],
    [17, 3],
    [65, 17],
  ] as const) {
    it(`the wasm backend equals the reference one: H ${H}, P ${P}, bidirectional, ragged, forward and backward`, async () => {
      const wasm = await createWasmBackend({ threads: 2 });
      try {
        const options = { inputSize: 3, hiddenSize: H, projSize: P, bidirectional: true, numLayers: 2, seed: 4 };
        const a = new LSTM({ ...options, backend: reference });
        const b = new LSTM({ ...options, backend: wasm });
        const x = random([5, 3, 3], 7);
        const lengths = [5, 1, 3];
        const ra = await a.forward(x, { lengths });
        const rb = await b.forward(x, { lengths });
        assertClose('output', rb.output.data, ra.output.data, { atol: 1e-5, rtol: 1e-4 });
        assertClose('c', rb.c!.data, ra.c!.data, { atol: 1e-5, rtol: 1e-4 });
        const dOut = random(ra.output.shape, 8);
        const ga = await a.backward({ output: dOut });
        const gb = await b.backward({ output: dOut });
        assertClose('grad x', gb.x.data, ga.x.data, { atol: 1e-5, rtol: 1e-4 });
        const pa = a.gradients();
        const pb = b.gradients();
        for (const name of Object.keys(pa)) assertClose(`grad ${name}`, pb[name].data, pa[name].data, { atol: 1e-4, rtol: 1e-4 });
      } finally {
        wasm.dispose();
      }
    });
  }

  it('traces h_t P wide and c_t and the gates H wide; the traced h_t is W_hr (o ⊙ tanh(c_t))', async () => {
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, projSize: 2, backend: reference, seed: 2 });
    const { states, output } = await lstm.trace(random([4, 1, 2], 5));
    const [trace] = states;
    assert.equal(trace.hidden.length, 4 * 2);
    assert.equal(trace.cell!.length, 4 * 3);
    assert.equal(trace.gates.o.length, 4 * 3);
    assertClose('hidden = output', trace.hidden, output.data, { atol: 0, rtol: 0 });
    const whr = lstm.stateDict().weight_hr_l0.data;
    const t = 2;
    const m = [0, 1, 2].map((j) => trace.gates.o[t * 3 + j] * Math.tanh(trace.cell![t * 3 + j]));
    const h = [0, 1].map((p) => m.reduce((sum, v, j) => sum + whr[p * 3 + j] * v, 0));
    assertClose('h_t', trace.hidden.subarray(t * 2, t * 2 + 2), Float32Array.from(h), { atol: 1e-6, rtol: 1e-5 });
  });

  it('exportOnnx refuses it, naming the reason', () => {
    assert.throws(
      () => exportOnnx(new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 2 })),
      /projection \(projSize 2, PyTorch's proj_size\) has no ONNX form: ONNX's LSTM operator .* has no projection weight W_hr/,
    );
  });
});
