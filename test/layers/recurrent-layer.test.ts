// The public RNN / LSTM / GRU classes: PyTorch's names and shapes, initialisation, modes,
// layouts, accumulation, and clear errors for every kind of misuse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { NonFiniteError, RnnkitError, ShapeError, UsageError } from '../../src/errors.js';
import { GRU, LSTM, RNN } from '../../src/layers/recurrent/layers.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers/allclose.js';
import { rng, uniform } from '../helpers/random.js';

const backend = createReferenceBackend();
const random = (shape: number[], seed = 1): Tensor => ({
  shape,
  data: Float32Array.from(
    uniform(
      rng(seed),
      shape.reduce((a, b) => a * b, 1),
    ),
  ),
});

describe('recurrent layers: parameters', () => {
  it('names and shapes its parameters as PyTorch does, in state_dict order', () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true });
    const dict = lstm.stateDict();
    assert.deepEqual(Object.keys(dict), [
      'weight_ih_l0',
      'weight_hh_l0',
      'bias_ih_l0',
      'bias_hh_l0',
      'weight_ih_l0_reverse',
      'weight_hh_l0_reverse',
      'bias_ih_l0_reverse',
      'bias_hh_l0_reverse',
      'weight_ih_l1',
      'weight_hh_l1',
      'bias_ih_l1',
      'bias_hh_l1',
      'weight_ih_l1_reverse',
      'weight_hh_l1_reverse',
      'bias_ih_l1_reverse',
      'bias_hh_l1_reverse',
    ]);
    assert.deepEqual(dict.weight_ih_l0.shape, [16, 3]);
    assert.deepEqual(dict.weight_ih_l1.shape, [16, 8]);
    assert.deepEqual(dict.weight_hh_l1_reverse.shape, [16, 4]);
    assert.deepEqual(Object.keys(new GRU({ inputSize: 2, hiddenSize: 5, bias: false }).stateDict()), ['weight_ih_l0', 'weight_hh_l0']);
    assert.deepEqual(new GRU({ inputSize: 2, hiddenSize: 5 }).stateDict().bias_hh_l0.shape, [15]);
    // A reset-before GRU has PyTorch's parameters; a peephole LSTM adds weight_peephole after each direction's biases.
    assert.deepEqual(Object.keys(new GRU({ inputSize: 2, hiddenSize: 5, resetAfter: false }).stateDict()), [
      'weight_ih_l0',
      'weight_hh_l0',
      'bias_ih_l0',
      'bias_hh_l0',
    ]);
    const peephole = new LSTM({ inputSize: 2, hiddenSize: 5, bidirectional: true, peepholes: true, bias: false }).stateDict();
    assert.deepEqual(Object.keys(peephole), [
      'weight_ih_l0',
      'weight_hh_l0',
      'weight_peephole_l0',
      'weight_ih_l0_reverse',
      'weight_hh_l0_reverse',
      'weight_peephole_l0_reverse',
    ]);
    assert.deepEqual(peephole.weight_peephole_l0_reverse.shape, [15]);
  });

  it('initialises U(-1/sqrt(H), 1/sqrt(H)) reproducibly from its seed', () => {
    const a = new RNN({ inputSize: 30, hiddenSize: 16, seed: 5 }).stateDict();
    const b = new RNN({ inputSize: 30, hiddenSize: 16, seed: 5 }).stateDict();
    const c = new RNN({ inputSize: 30, hiddenSize: 16, seed: 6 }).stateDict();
    const w = a.weight_ih_l0.data;
    assert.ok(w.every((v) => Math.abs(v) <= 0.25));
    assert.ok(Math.max(...w) > 0.24 && Math.min(...w) < -0.24);
    assert.deepEqual(Array.from(w), Array.from(b.weight_ih_l0.data));
    assert.notDeepEqual(Array.from(w), Array.from(c.weight_ih_l0.data));
  });

  it('loadStateDict rejects missing, unexpected, misshapen and non-finite entries', () => {
    const gru = new GRU({ inputSize: 2, hiddenSize: 3 });
    const dict = gru.stateDict();
    const missing = { ...dict };
    delete missing.bias_hh_l0;
    assert.throws(() => gru.loadStateDict(missing), /GRU.loadStateDict: missing bias_hh_l0/);
    assert.throws(() => gru.loadStateDict({ ...dict, weight_ih_l1: dict.weight_ih_l0 }), /unexpected weight_ih_l1/);
    assert.throws(
      () => gru.loadStateDict({ ...dict, weight_hh_l0: { shape: [3, 9], data: new Float32Array(27) } }),
      /weight_hh_l0 must have shape \[9, 3\], got \[3, 9\]/,
    );
    const nan = { shape: [9], data: new Float32Array(9).fill(NaN) };
    assert.throws(() => gru.loadStateDict({ ...dict, bias_ih_l0: nan }), NonFiniteError);
    const loaded = structuredClone(dict);
    loaded.weight_ih_l0.data.fill(0.5);
    gru.loadStateDict(loaded);
    assert.ok(gru.stateDict().weight_ih_l0.data.every((v) => v === 0.5));
  });

  it('rejects unknown or invalid options', () => {
    assert.throws(
      () => new LSTM({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu' } as never),
      /option 'nonlinearity' belongs to RNN layers, not LSTM/,
    );
    assert.throws(
      () => new LSTM({ inputSize: 3, hiddenSize: 4, resetAfter: false } as never),
      /option 'resetAfter' belongs to GRU layers, not LSTM/,
    );
    assert.throws(
      () => new GRU({ inputSize: 3, hiddenSize: 4, peepholes: true } as never),
      /option 'peepholes' belongs to LSTM layers, not GRU/,
    );
    assert.throws(
      () => new GRU({ inputSize: 3, hiddenSize: 4, resetAfter: 0 as unknown as boolean }),
      /resetAfter must be true or false, got 0/,
    );
    assert.throws(
      () => new LSTM({ inputSize: 3, hiddenSize: 4, peepholes: 'yes' as unknown as boolean }),
      /peepholes must be true or false, got yes/,
    );
    assert.throws(() => new LSTM({ inputSize: 3, hiddenSize: 4, numLayer: 2 } as never), /unknown option 'numLayer'/);
    assert.throws(() => new RNN({ inputSize: 0, hiddenSize: 4 }), /inputSize must be a positive integer, got 0/);
    assert.throws(() => new GRU({ inputSize: 2, hiddenSize: 4, dropout: 2 }), /dropout must be a number in \[0, 1\], got 2/);
    assert.throws(() => new RNN({ inputSize: 2, hiddenSize: 4, nonlinearity: 'sigmoid' as 'tanh' }), UsageError);
    assert.throws(() => new GRU({ inputSize: 2, hiddenSize: 4, bidirectional: 'yes' as unknown as boolean }), UsageError);
  });
});

describe('recurrent layers: forward and backward', () => {
  it('reports shape, state and value errors with the numbers', async () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, backend });
    await assert.rejects(lstm.forward(random([5, 2, 4])), /LSTM.forward: x.shape\[-1\] must be equal to inputSize. Expected 3, got 4/);
    await assert.rejects(lstm.forward(random([1, 5, 2, 3])), /expected x to be 2D \(unbatched\) or 3D, got a 4D tensor/);
    await assert.rejects(lstm.forward(random([5, 2, 3]), { h0: random([1, 3, 4]) }), /expected h0 of shape \[1, 2, 4\], got \[1, 3, 4\]/);
    await assert.rejects(lstm.forward(random([5, 2, 3]), { lengths: [5, 6] }), /lengths\[1\] must be an integer in \[1, 5\], got 6/);
    await assert.rejects(lstm.forward(random([5, 2, 3]), { lengths: [5] }), /one entry per batch item \(2\), got 1/);
    const bad = random([5, 2, 3]);
    bad.data[7] = NaN;
    await assert.rejects(lstm.forward(bad), (e: unknown) => e instanceof NonFiniteError && /x: element 7 is NaN/.test(e.message));
    const gru = new GRU({ inputSize: 3, hiddenSize: 4, backend });
    await assert.rejects(gru.forward(random([5, 2, 3]), { c0: random([1, 2, 4]) }), /only LSTM takes c0/);
    await assert.rejects(gru.forward({ shape: [5, 2, 3], data: [1, 2] as unknown as Float32Array }), ShapeError);
  });

  it('refuses backward before forward and twice for one forward', async () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3, backend });
    await assert.rejects(rnn.backward({}), (e: unknown) => e instanceof RnnkitError && /run forward\(\) first/.test(e.message));
    const { output } = await rnn.forward(random([4, 2, 2]));
    await assert.rejects(
      rnn.backward({ output: random([4, 2, 4]) }),
      /expected the gradient of output to have shape \[4, 2, 3\], got \[4, 2, 4\]/,
    );
    await rnn.backward({ output });
    await assert.rejects(rnn.backward({ output }), /already ran for this forward/);
  });

  it('accumulates parameter gradients until zeroGrad', async () => {
    const gru = new GRU({ inputSize: 2, hiddenSize: 3, backend, seed: 1 });
    const x = random([4, 2, 2]);
    const dOut = random([4, 2, 3], 2);
    await gru.forward(x);
    await gru.backward({ output: dOut });
    const once = gru.gradients().weight_hh_l0.data;
    await gru.forward(x);
    await gru.backward({ output: dOut });
    assertClose(
      'twice',
      gru.gradients().weight_hh_l0.data,
      once.map((v) => 2 * v),
    );
    gru.zeroGrad();
    assert.ok(gru.gradients().weight_hh_l0.data.every((v) => v === 0));
  });

  it('takes unbatched [T, D] input as a batch of one', async () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2, backend, seed: 4 });
    const x = random([5, 3]);
    const single = await lstm.forward(x);
    assert.deepEqual(single.output.shape, [5, 2]);
    assert.deepEqual(single.h.shape, [2, 2]);
    const batched = await lstm.forward({ shape: [5, 1, 3], data: x.data });
    assertClose('output', single.output.data, batched.output.data, { atol: 0, rtol: 0 });
    assertClose('c', single.c!.data, batched.c!.data, { atol: 0, rtol: 0 });
  });

  it('batchFirst gives the transpose of time-major results', async () => {
    const [T, B, D, H] = [4, 3, 2, 5];
    const tm = new GRU({ inputSize: D, hiddenSize: H, bidirectional: true, seed: 9, backend });
    const bf = new GRU({ inputSize: D, hiddenSize: H, bidirectional: true, seed: 9, batchFirst: true, backend });
    const x = random([T, B, D]);
    const xt = new Float32Array(T * B * D);
    for (let t = 0; t < T; t++)
      for (let b = 0; b < B; b++) for (let d = 0; d < D; d++) xt[(b * T + t) * D + d] = x.data[(t * B + b) * D + d];
    const a = await tm.forward(x, { lengths: [4, 2, 3] });
    const c = await bf.forward({ shape: [B, T, D], data: xt }, { lengths: [4, 2, 3] });
    assert.deepEqual(c.output.shape, [B, T, 2 * H]);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < 2 * H; j++) {
          assert.equal(c.output.data[(b * T + t) * 2 * H + j], a.output.data[(t * B + b) * 2 * H + j]);
        }
      }
    }
    assertClose('h', c.h.data, a.h.data, { atol: 0, rtol: 0 });
  });

  it('applies dropout between layers in training only', async () => {
    const make = (): GRU => new GRU({ inputSize: 3, hiddenSize: 8, numLayers: 2, dropout: 0.5, seed: 2, backend });
    const x = random([6, 2, 3]);
    const trained = make();
    const first = await trained.forward(x);
    const second = await trained.forward(x);
    assert.notDeepEqual(Array.from(first.output.data), Array.from(second.output.data), 'fresh masks each forward');
    const evaluated = make().eval();
    const e1 = await evaluated.forward(x);
    const e2 = await evaluated.forward(x);
    assert.deepEqual(Array.from(e1.output.data), Array.from(e2.output.data));
    const noDropout = new GRU({ inputSize: 3, hiddenSize: 8, numLayers: 2, seed: 2, backend });
    assertClose('eval equals no dropout', e1.output.data, (await noDropout.forward(x)).output.data, { atol: 0, rtol: 0 });
  });

  it("pads output with zeros and returns each sequence's last real state", async () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3, backend, seed: 3 });
    const x = random([5, 2, 2]);
    const { output, h } = await rnn.forward(x, { lengths: [5, 2] });
    assert.ok(
      output.data.subarray((2 * 2 + 1) * 3, (2 * 2 + 2) * 3).every((v) => v === 0),
      'item 1, step 2 is padding',
    );
    assertClose('h of item 1 = output at its step 1', h.data.subarray(3, 6), output.data.subarray((1 * 2 + 1) * 3, (1 * 2 + 2) * 3), {
      atol: 0,
      rtol: 0,
    });
    const alone = await rnn.forward({ shape: [2, 1, 2], data: Float32Array.from([...x.data.subarray(2, 4), ...x.data.subarray(6, 8)]) });
    assertClose('the short sequence alone', alone.h.data, h.data.subarray(3, 6));
  });
});
