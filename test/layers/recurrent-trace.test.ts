// RecurrentLayer.trace: per layer and direction, the states and gates of every step in the
// caller's layout — the states are the output's halves, the gates recompute from the inputs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { gemm } from '../../src/backend/reference/gemm.js';
import { lstmCellForward } from '../../src/cells/lstm.js';
import { GRU, LSTM } from '../../src/layers/recurrent/layers.js';
import { Random } from '../../src/random.js';

const [B, T, D, H] = [3, 5, 4, 3];
const lengths = [5, 3, 4];
const random = new Random(9);
const x = { shape: [B, T, D], data: Float32Array.from({ length: B * T * D }, () => random.normal()) };
/** Offset of (item b, step t) in a batch-first [B, T, F] array, in rows. */
const row = (b: number, t: number) => b * T + t;

describe('RecurrentLayer.trace', () => {
  it('bidirectional, stacked, batch-first, ragged: each direction’s h is its half of the output, the last real h is h_n', async () => {
    for (const layer of [
      new LSTM({
        inputSize: D,
        hiddenSize: H,
        numLayers: 2,
        bidirectional: true,
        batchFirst: true,
        seed: 1,
        backend: createReferenceBackend(),
      }),
      new GRU({
        inputSize: D,
        hiddenSize: H,
        numLayers: 2,
        bidirectional: true,
        batchFirst: true,
        seed: 1,
        backend: createReferenceBackend(),
      }),
    ]) {
      const { output, h, states } = await layer.trace(x, { lengths });
      assert.deepEqual(
        states.map((s) => [s.layer, s.direction]),
        [
          [0, 'forward'],
          [0, 'reverse'],
          [1, 'forward'],
          [1, 'reverse'],
        ],
      );
      assert.deepEqual(Object.keys(states[0].gates), layer instanceof LSTM ? ['i', 'f', 'g', 'o'] : ['r', 'z', 'n']);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < lengths[b]; t++) {
          for (const [d, top] of [
            [0, states[2]],
            [1, states[3]],
          ] as const) {
            assert.deepEqual(
              top.hidden.subarray(row(b, t) * H, row(b, t) * H + H),
              output.data.subarray(row(b, t) * 2 * H + d * H, row(b, t) * 2 * H + (d + 1) * H),
              `item ${b} step ${t} direction ${d}`,
            );
          }
        }
        // h_n: the forward direction's state at the last real step, the reverse one's at step 0 (layer k = l·2 + d).
        for (const [k, t] of [
          [2, lengths[b] - 1],
          [3, 0],
        ] as const) {
          assert.deepEqual(
            states[k].hidden.subarray(row(b, t) * H, row(b, t) * H + H),
            h.data.subarray((k * B + b) * H, (k * B + b + 1) * H),
          );
        }
      }
    }
  });

  it('LSTM: the traced gates of a step recompute from its input and the traced state before it', async () => {
    const layer = new LSTM({ inputSize: D, hiddenSize: H, batchFirst: true, seed: 2, backend: createReferenceBackend() });
    const { states } = await layer.trace(x, { lengths });
    const dict = layer.stateDict();
    const w = (name: string) => Float64Array.from(dict[name].data);
    const trace = states[0];
    for (const [b, t] of [
      [0, 0],
      [1, 2],
      [2, 3],
    ] as const) {
      const gates = w('bias_ih_l0').map((v, k) => v + w('bias_hh_l0')[k]);
      const xt = Float64Array.from(x.data.subarray(row(b, t) * D, row(b, t) * D + D));
      const hPrev = t === 0 ? new Float64Array(H) : Float64Array.from(trace.hidden.subarray(row(b, t - 1) * H, row(b, t - 1) * H + H));
      const cPrev = t === 0 ? new Float64Array(H) : Float64Array.from(trace.cell!.subarray(row(b, t - 1) * H, row(b, t - 1) * H + H));
      gemm(false, true, 1, 4 * H, D, 1, xt, D, w('weight_ih_l0'), D, 1, gates, 4 * H);
      gemm(false, true, 1, 4 * H, H, 1, hPrev, H, w('weight_hh_l0'), H, 1, gates, 4 * H);
      const c = new Float64Array(H);
      const h = new Float64Array(H);
      lstmCellForward(1, H, gates, cPrev, c, h, h, H);
      ['i', 'f', 'g', 'o'].forEach((name, k) => {
        for (let j = 0; j < H; j++)
          assert.ok(Math.abs(gates[k * H + j] - trace.gates[name][row(b, t) * H + j]) < 1e-6, `${name} item ${b} step ${t}`);
      });
      for (let j = 0; j < H; j++) assert.ok(Math.abs(c[j] - trace.cell![row(b, t) * H + j]) < 1e-6);
    }
  });
});
