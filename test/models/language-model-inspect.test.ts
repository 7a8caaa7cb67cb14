// Looking inside a language model: the trace equals what the layers compute (h against a
// recurrent layer's forward, gates recomputed from the traced inputs with the reference
// cells), one cell step's gradients and the gradient flow over time against float64 finite
// differences of an independent step-by-step forward, and clipping of the flow.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { gemm } from '../../src/backend/reference/gemm.js';
import { gruCandidateForward, gruCellForward, gruGatesForward } from '../../src/cells/gru.js';
import { lstmCellForward } from '../../src/cells/lstm.js';
import { rnnCellForward } from '../../src/cells/rnn.js';
import { CharTokenizer } from '../../src/data/tokenizers/char.js';
import { ShapeError, UsageError } from '../../src/errors.js';
import { recurrentLayer } from '../../src/layers/recurrent/layers.js';
import type { CellKind } from '../../src/layers/recurrent/options.js';
import { cellStep } from '../../src/models/language-model/cell-step.js';
import { gradientFlow } from '../../src/models/language-model/gradient-flow.js';
import { LanguageModel } from '../../src/models/language-model/language-model.js';
import { traceLanguageModel } from '../../src/models/language-model/trace.js';

const TEXT = 'a “quoted” word.\nthen more';
const tokenizer = CharTokenizer.fromText(TEXT);
const backend: Backend = createReferenceBackend();

/** Every cell, and the variants: a peephole LSTM and a GRU with the reset gate before the product. */
const CELLS = [
  { name: 'lstm', cell: 'lstm' },
  { name: 'gru', cell: 'gru' },
  { name: 'rnn', cell: 'rnn' },
  { name: 'lstm with peepholes', cell: 'lstm', peepholes: true },
  { name: 'gru, reset before', cell: 'gru', resetAfter: false },
] as const;
type Variant = { resetAfter?: boolean; peepholes?: boolean };

const make = (cell: CellKind, numLayers = 2, hiddenSize = 5, variant: Variant = {}) =>
  LanguageModel.create({ tokenizer, cell, hiddenSize, numLayers, embeddingDim: 4, seed: 7, backend, ...variant });

/** States of every layer: h (and c), float64, [L][H]. */
interface States {
  h: Float64Array[];
  c: Float64Array[];
}

/**
 * An independent float64 forward with the reference cells over `ids` from zero states, calling
 * `edit(states, l)` after layer l has run step `at`; returns −ln p(target) after the last step.
 */
function referenceLoss(
  model: LanguageModel,
  ids: Int32Array,
  target: number,
  at = -1,
  edit: (s: States, layer: number) => void = () => {},
): number {
  const { cell, hiddenSize: H, numLayers, embeddingDim: E } = model.settings;
  const dict = model.stateDict();
  const w = (name: string) => Float64Array.from(dict[name].data);
  const G = cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
  const s: States = {
    h: Array.from({ length: numLayers }, () => new Float64Array(H)),
    c: Array.from({ length: numLayers }, () => new Float64Array(H)),
  };
  for (let t = 0; t < ids.length; t++) {
    let x: Float64Array = w('embedding.weight').slice(ids[t] * E, (ids[t] + 1) * E);
    for (let l = 0; l < numLayers; l++) {
      const D = x.length;
      const gates = w(`rnn.bias_ih_l${l}`);
      gemm(false, true, 1, G * H, D, 1, x, D, w(`rnn.weight_ih_l${l}`), D, 1, gates, G * H);
      const h = new Float64Array(H);
      if (cell === 'gru' && model.settings.resetAfter !== false) {
        const hh = new Float64Array(G * H);
        gemm(false, true, 1, G * H, H, 1, s.h[l], H, w(`rnn.weight_hh_l${l}`), H, 0, hh, G * H);
        gruCellForward(1, H, gates, hh, w(`rnn.bias_hh_l${l}`), s.h[l], new Float64Array(H), h, h, H);
      } else if (cell === 'gru') {
        // n = tanh(W_in x + b_in + W_hn (r ⊙ h_{t−1}) + b_hn)
        const bhh = w(`rnn.bias_hh_l${l}`);
        const whh = w(`rnn.weight_hh_l${l}`);
        for (let k = 0; k < G * H; k++) gates[k] = gates[k] + bhh[k];
        gemm(false, true, 1, 2 * H, H, 1, s.h[l], H, whh, H, 1, gates, G * H);
        const rh = new Float64Array(H);
        gruGatesForward(1, H, gates, s.h[l], rh);
        const an = gates.subarray(2 * H);
        gemm(false, true, 1, H, H, 1, rh, H, whh.subarray(2 * H * H), H, 1, an, H);
        gruCandidateForward(1, H, gates, s.h[l], h, h, H);
      } else {
        const bhh = w(`rnn.bias_hh_l${l}`);
        for (let k = 0; k < G * H; k++) gates[k] = gates[k] + bhh[k];
        gemm(false, true, 1, G * H, H, 1, s.h[l], H, w(`rnn.weight_hh_l${l}`), H, 1, gates, G * H);
        if (cell === 'lstm') {
          const c = new Float64Array(H);
          lstmCellForward(1, H, gates, s.c[l], c, h, h, H, model.settings.peepholes ? w(`rnn.weight_peephole_l${l}`) : undefined);
          s.c[l] = c;
        } else {
          rnnCellForward('tanh', 1, H, gates, h, h, H);
        }
      }
      s.h[l] = h;
      if (t === at) edit(s, l);
      x = s.h[l];
    }
  }
  const V = model.tokenizer.vocabSize;
  const logits = w('decoder.bias');
  gemm(false, true, 1, V, H, 1, s.h[numLayers - 1], H, w('decoder.weight'), H, 1, logits, V);
  const max = Math.max(...logits);
  const logSum = Math.log(logits.reduce((a, v) => a + Math.exp(v - max), 0)) + max;
  return logSum - logits[target];
}

/**
 * Central difference of the loss with respect to one number of layer `layer`'s state after step
 * `at`: moved as soon as the layer has computed it (`'node'`: the layers above see it at that
 * step too), or once the whole step has run (`'step'`: only later steps see it).
 */
function stateDerivative(
  model: LanguageModel,
  ids: Int32Array,
  target: number,
  at: number,
  which: 'h' | 'c',
  layer: number,
  j: number,
  when: 'node' | 'step',
): number {
  const eps = 1e-6;
  const editAfter = when === 'node' ? layer : model.settings.numLayers - 1;
  const moved = (delta: number) =>
    referenceLoss(model, ids, target, at, (s, l) => {
      if (l === editAfter) s[which][layer][j] += delta;
    });
  return (moved(eps) - moved(-eps)) / (2 * eps);
}

describe('language model trace', () => {
  for (const { name, cell, ...variant } of CELLS) {
    it(`${name}: the traced states equal a recurrent layer's forward over the embeddings; gates recompute from the inputs`, async () => {
      const model = await make(cell, 2, 5, variant);
      const trace = traceLanguageModel(model, TEXT);
      const { hiddenSize: H, embeddingDim: E } = model.settings;
      const T = [...TEXT].length;
      assert.deepEqual(trace.tokens, [...TEXT]);
      // The recurrent part run as a layer (PyTorch's nn.LSTM/GRU/RNN) on the embedding rows.
      const layer = recurrentLayer(cell, { inputSize: E, hiddenSize: H, numLayers: 2, backend, ...variant });
      const dict = model.stateDict();
      layer.loadStateDict(
        Object.fromEntries(
          Object.entries(dict)
            .filter(([n]) => n.startsWith('rnn.'))
            .map(([n, t]) => [n.slice(4), t]),
        ),
      );
      const table = dict['embedding.weight'].data;
      const x = new Float32Array(T * E);
      trace.ids.forEach((id, t) => x.set(table.subarray(id * E, (id + 1) * E), t * E));
      const { output, h, c } = await layer.forward({ shape: [T, 1, E], data: x });
      assert.deepEqual(trace.layers[1].hidden, output.data);
      for (let l = 0; l < 2; l++) {
        assert.deepEqual(trace.layers[l].hidden.subarray((T - 1) * H), h.data.subarray(l * H, (l + 1) * H), `layer ${l} final h`);
        if (cell === 'lstm') assert.deepEqual(trace.layers[l].cell!.subarray((T - 1) * H), c!.data.subarray(l * H, (l + 1) * H));
      }
      for (const l of [0, 1]) {
        for (const t of [0, 5, T - 1]) {
          const step = cellStep(model, trace, l, t);
          for (const [gate, values] of Object.entries(trace.layers[l].gates)) {
            const key = cell === 'rnn' ? 'a' : gate;
            step.values[key].forEach((v, j) =>
              assert.ok(Math.abs(v - values[t * H + j]) < 1e-6, `${name} layer ${l} step ${t} gate ${gate} unit ${j}`),
            );
          }
          step.values.h.forEach((v, j) => assert.ok(Math.abs(v - trace.layers[l].hidden[t * H + j]) < 1e-6));
        }
      }
      // The probabilities after step t are the model's softmax after t + 1 characters: the distribution
      // sampling draws from once the unknown token is left out.
      const V = tokenizer.vocabSize;
      for (const t of [0, 9, T - 1]) {
        const expected = model.nextTokenProbabilities([...TEXT].slice(0, t + 1).join(''));
        const row = trace.probabilities.subarray(t * V, (t + 1) * V);
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
        expected.forEach((p, v) =>
          assert.ok(Math.abs(p - (v === tokenizer.unkId ? 0 : row[v] / (1 - row[tokenizer.unkId]))) < 1e-6, `step ${t} token ${v}`),
        );
      }
    });
  }

  it('refuses an empty text, and cellStep a layer or step outside the trace', async () => {
    const model = await make('lstm');
    assert.throws(() => traceLanguageModel(model, ''), ShapeError);
    const trace = traceLanguageModel(model, 'abc');
    assert.throws(() => cellStep(model, trace, 2, 0), /layer must be in \[0, 2\)/);
    assert.throws(() => cellStep(model, trace, 0, 3), /step must be in \[0, 3\)/);
  });
});

describe('one cell step', () => {
  for (const { name, cell, ...variant } of CELLS) {
    it(`${name}: the step's loss and ∂L/∂h_{t−1} (and ∂L/∂c_{t−1}) of every layer equal finite differences`, async () => {
      const model = await make(cell, 2, 5, variant);
      const trace = traceLanguageModel(model, TEXT);
      const H = model.settings.hiddenSize;
      const t = 6;
      const ids = trace.ids.subarray(0, t + 1);
      const target = trace.ids[t + 1];
      for (const l of [0, 1]) {
        const step = cellStep(model, trace, l, t);
        assert.equal(step.token, trace.tokens[t]);
        assert.equal(step.next, trace.tokens[t + 1]);
        assert.ok(Math.abs(step.loss! - referenceLoss(model, ids, target)) < 1e-6);
        assert.ok(Math.abs(step.probability! - Math.exp(-step.loss!)) < 1e-15);
        // Only step t's path: the states after step t − 1 are moved, everything before is as traced.
        for (let j = 0; j < H; j++) {
          assert.ok(
            Math.abs(step.gradients!.hPrev[j] - stateDerivative(model, ids, target, t - 1, 'h', l, j, 'step')) < 1e-7,
            `layer ${l} hPrev ${j}`,
          );
          if (cell === 'lstm')
            assert.ok(Math.abs(step.gradients!.cPrev[j] - stateDerivative(model, ids, target, t - 1, 'c', l, j, 'step')) < 1e-7);
        }
      }
      const last = cellStep(model, trace, 1, trace.ids.length - 1);
      assert.deepEqual([last.next, last.loss, last.gradients], [undefined, undefined, undefined]);
    });
  }

  for (const peepholes of [false, true]) {
    it(`lstm${peepholes ? ' with peepholes' : ''}: the equations’ quantities' gradients follow the chain rule from ∂L/∂h`, async () => {
      const model = await make('lstm', 2, 5, peepholes ? { peepholes } : {});
      const step = cellStep(model, traceLanguageModel(model, TEXT), 1, 4);
      const { values: v, gradients: g } = step;
      const H = model.settings.hiddenSize;
      const p = peepholes ? model.stateDict()['rnn.weight_peephole_l1'].data : new Float32Array(3 * H);
      for (let j = 0; j < H; j++) {
        const tc = Math.tanh(v.c[j]);
        const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what} unit ${j}: ${a} vs ${b}`);
        close(g!.a_o[j], g!.h[j] * tc * v.o[j] * (1 - v.o[j]), '∂L/∂a_o');
        close(g!.c[j], g!.h[j] * v.o[j] * (1 - tc * tc) + g!.a_o[j] * p[2 * H + j], '∂L/∂c');
        close(g!.a_i[j], g!.i[j] * v.i[j] * (1 - v.i[j]), '∂L/∂a_i');
        close(g!.a_f[j], g!.f[j] * v.f[j] * (1 - v.f[j]), '∂L/∂a_f');
        close(g!.a_g[j], g!.g[j] * (1 - v.g[j] ** 2), '∂L/∂a_g');
        close(g!.cPrev[j], g!.c[j] * v.f[j] + g!.a_i[j] * p[j] + g!.a_f[j] * p[H + j], '∂L/∂c_{t−1}');
        // σ(a) is each gate: the pre-activations shown include the peephole terms.
        close(v.i[j], 1 / (1 + Math.exp(-v.a_i[j])), 'i = σ(a_i)');
        close(v.o[j], 1 / (1 + Math.exp(-v.a_o[j])), 'o = σ(a_o)');
      }
      assert.equal(step.peepholes, peepholes);
    });
  }
});

describe('gradient flow', () => {
  for (const { name, cell, ...variant } of CELLS) {
    it(`${name}: ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖) at every step and layer equal the norms of finite differences`, async () => {
      const model = await make(cell, 2, 4, variant);
      const text = 'the “cat” sat';
      const flow = gradientFlow(model, text);
      const ids = tokenizer.encode(text);
      const T = ids.length - 1;
      const inputs = ids.subarray(0, T);
      assert.equal(flow.steps, T);
      assert.ok(Math.abs(flow.loss - referenceLoss(model, inputs, ids[T])) < 1e-9);
      for (const l of [0, 1]) {
        for (let t = 0; t < T; t++) {
          for (const which of cell === 'lstm' ? (['h', 'c'] as const) : (['h'] as const)) {
            let squares = 0;
            for (let j = 0; j < 4; j++) squares += stateDerivative(model, inputs, ids[T], t, which, l, j, 'node') ** 2;
            const reported = which === 'h' ? flow.layers[l].hidden[t] : flow.layers[l].cell![t];
            assert.ok(
              Math.abs(reported - Math.sqrt(squares)) < 1e-7 + 1e-5 * reported,
              `layer ${l} ${which} step ${t}: ${reported} vs ${Math.sqrt(squares)}`,
            );
          }
        }
      }
    });
  }

  it('clipping caps each step’s carried gradient, and changes nothing below the cap', async () => {
    const model = await make('rnn', 1, 6);
    const text = 'a “quoted” word, then';
    const free = gradientFlow(model, text).layers[0].hidden;
    const high = gradientFlow(model, text, { clip: Math.max(...free) * 2 }).layers[0].hidden;
    assert.deepEqual(high, free);
    const cap = Math.max(...free) / 3;
    const clipped = gradientFlow(model, text, { clip: cap }).layers[0].hidden;
    assert.ok(
      clipped.every((n) => n <= cap * (1 + 1e-12)),
      'every norm at most the cap',
    );
    assert.ok(
      clipped.some((n, t) => Math.abs(n - free[t]) > 1e-12),
      'the cap changes the flow',
    );
    assert.throws(() => gradientFlow(model, text, { clip: 0 }), UsageError);
    assert.throws(() => gradientFlow(model, 'a'), ShapeError);
  });
});
