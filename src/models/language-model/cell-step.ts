/**
 * One step of one layer of a language model, with every quantity of the cell's equations
 * and, backward, the gradient of each: the numbers behind a textbook figure of an LSTM
 * (Hochreiter & Schmidhuber 1997; Gers et al. 2000), a GRU (Cho et al. 2014) or an Elman
 * RNN (Elman 1990), for one character of a real text.
 *
 * The step is recomputed in float64 from what a trace recorded before it (the step's input,
 * h_{t−1}, c_{t−1}) with the reference cell kernels. The gradients are those of the loss of
 * this step's own prediction, L = −ln p(x_{t+1} | x_1 … x_t), through this step only: from
 * the softmax down the layers above at step t, into this layer's step t.
 *
 * Legend: H hidden size, D the layer's input size, V vocabulary, G gates.
 * Names (each an [H] vector): pre-activations `a_i`, `a_f`, `a_g`, `a_o` (LSTM; with peepholes
 * they include p_i c_{t−1}, p_f c_{t−1} and p_o c_t), `a_r`, `a_z` and the two parts of the
 * candidate's, `x_n` = W_in x + b_in and `h_n` = W_hn h_{t−1} + b_hn (GRU; reset before the
 * product: W_hn (r ⊙ h_{t−1}) + b_hn), `a` (RNN); activations `i`, `f`, `g`, `o` / `r`, `z`,
 * `n`; states `hPrev`, `h` and (LSTM) `cPrev`, `c`.
 */
import { gemm } from '../../backend/reference/gemm.js';
import {
  gruCandidateBackward,
  gruCandidateForward,
  gruCellBackward,
  gruCellForward,
  gruGatesBackward,
  gruGatesForward,
} from '../../cells/gru.js';
import { lstmCellBackward, lstmCellForward } from '../../cells/lstm.js';
import { rnnCellBackward, rnnCellForward } from '../../cells/rnn.js';
import { UsageError } from '../../errors.js';
import { gateNames } from '../../layers/recurrent/trace.js';
import type { CellKind } from '../../layers/recurrent/options.js';
import type { LanguageModel } from './language-model.js';
import type { LanguageModelTrace } from './trace.js';

/** What {@link cellStep} returns. */
export interface CellStep {
  cell: CellKind;
  /** GRU: the reset gate multiplies W_hn h + b_hn (PyTorch's form), or h before the product. */
  resetAfter: boolean;
  /** LSTM: peephole connections from the cell state to the gates. */
  peepholes: boolean;
  /** 0-based layer and step. */
  layer: number;
  step: number;
  /** The token read at this step. */
  token: string;
  /** The token after it in the text, which this step predicts; undefined at the last step. */
  next: string | undefined;
  /** p(next) after this step, and the loss −ln p; undefined at the last step. */
  probability: number | undefined;
  loss: number | undefined;
  /** The step's quantities by name (see the module's legend), each [H]. */
  values: Record<string, Float64Array>;
  /**
   * ∂L/∂ each quantity, each [H]: `h`, and for an LSTM `c`, `o`, `i`, `f`, `g`, `cPrev`, for a
   * GRU `n`, `z`, `r`, for every cell the pre-activations and `hPrev`. Undefined at the last step.
   */
  gradients: Record<string, Float64Array> | undefined;
}

/** The float64 weights of one layer, and its cell's variant. */
interface LayerWeights {
  wih: Float64Array; // [G·H, D]
  whh: Float64Array; // [G·H, H]
  bih: Float64Array; // [G·H]
  bhh: Float64Array; // [G·H]
  /** LSTM peepholes [3H] (p_i, p_f, p_o). */
  peepholes: Float64Array | undefined;
  resetAfter: boolean;
  D: number;
}

/** Forward quantities of one layer's step, with the buffers its backward needs. */
interface StepForward {
  values: Record<string, Float64Array>;
  /** Activations as the kernels keep them [G·H] (LSTM, GRU) or the pre-activation (RNN). */
  gates: Float64Array;
}

/**
 * The equations of step `step` of layer `layer` with their numbers (see the module comment).
 * @param trace the model's trace of the text (see {@link traceLanguageModel}).
 * @throws UsageError when the layer or step is not in the trace.
 */
export function cellStep(model: LanguageModel, trace: LanguageModelTrace, layer: number, step: number): CellStep {
  const { cell, hiddenSize: H, numLayers } = model.settings;
  refuseProjection(model, 'cellStep');
  const T = trace.ids.length;
  if (!Number.isInteger(layer) || layer < 0 || layer >= numLayers)
    throw new UsageError(`cellStep: layer must be in [0, ${numLayers}), got ${layer}`);
  if (!Number.isInteger(step) || step < 0 || step >= T) throw new UsageError(`cellStep: step must be in [0, ${T}), got ${step}`);
  const dict = model.stateDict();
  const f64 = (name: string): Float64Array => Float64Array.from(dict[name].data);
  const resetAfter = model.settings.resetAfter !== false;
  const peepholes = model.settings.peepholes === true;
  const weights = (l: number): LayerWeights => ({
    wih: f64(`rnn.weight_ih_l${l}`),
    whh: f64(`rnn.weight_hh_l${l}`),
    bih: f64(`rnn.bias_ih_l${l}`),
    bhh: f64(`rnn.bias_hh_l${l}`),
    peepholes: peepholes ? f64(`rnn.weight_peephole_l${l}`) : undefined,
    resetAfter,
    D: dict[`rnn.weight_ih_l${l}`].shape[1],
  });
  const E = model.settings.embeddingDim;
  const embedding = dict['embedding.weight'].data;
  const input = (l: number): Float64Array =>
    l === 0
      ? Float64Array.from(embedding.subarray(trace.ids[step] * E, (trace.ids[step] + 1) * E))
      : Float64Array.from(trace.layers[l - 1].hidden.subarray(step * H, (step + 1) * H));
  const before = (values: Float32Array | undefined): Float64Array =>
    step === 0 || values === undefined ? new Float64Array(H) : Float64Array.from(values.subarray((step - 1) * H, step * H));

  // Forward through this layer and every layer above (their inputs are the trace's states).
  const forwards: StepForward[] = [];
  for (let l = layer; l < numLayers; l++) {
    forwards[l] = forwardStep(cell, H, weights(l), input(l), before(trace.layers[l].hidden), before(trace.layers[l].cell));
  }
  const token = trace.tokens[step];
  const values = forwards[layer].values;
  const variant = { resetAfter, peepholes };
  if (step === T - 1)
    return { cell, ...variant, layer, step, token, next: undefined, probability: undefined, loss: undefined, values, gradients: undefined };

  // The prediction from the top layer's h_t: p = softmax(W_dec h_t + b_dec), L = −ln p[next].
  const V = model.tokenizer.vocabSize;
  const top = forwards[numLayers - 1].values.h;
  const logits = f64('decoder.bias');
  gemm(false, true, 1, V, H, 1, top, H, f64('decoder.weight'), H, 1, logits, V);
  const max = Math.max(...logits);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[v] - max);
  const dLogits = logits.map((x) => Math.exp(x - max) / sum);
  const next = trace.ids[step + 1];
  const probability = dLogits[next];
  dLogits[next] = probability - 1; // ∂L/∂logits = p − onehot(next)

  // Backward down to this layer: dh of the top layer from the decoder, each lower one through the input weights above it.
  let dh = new Float64Array(H);
  gemm(false, false, 1, H, V, 1, dLogits, V, f64('decoder.weight'), H, 0, dh, H);
  let gradients: Record<string, Float64Array> = {};
  for (let l = numLayers - 1; l >= layer; l--) {
    const w = weights(l);
    gradients = backwardStep(cell, H, w, forwards[l], dh);
    if (l > layer) {
      const GH = w.whh.length / H;
      dh = new Float64Array(w.D);
      gemm(false, false, 1, w.D, GH, 1, gradients.inputSide, GH, w.wih, w.D, 0, dh, w.D); // dx = da · W_ih
    }
  }
  delete gradients.inputSide;
  return {
    cell,
    ...variant,
    layer,
    step,
    token,
    next: trace.tokens[step + 1],
    probability,
    loss: -Math.log(probability),
    values,
    gradients,
  };
}

/** One step forward with the reference kernels, in float64. */
function forwardStep(cell: CellKind, H: number, w: LayerWeights, x: Float64Array, hPrev: Float64Array, cPrev: Float64Array): StepForward {
  const GH = w.whh.length / H;
  const gates = Float64Array.from(w.bih);
  gemm(false, true, 1, GH, w.D, 1, x, w.D, w.wih, w.D, 1, gates, GH); // W_ih x + b_ih
  const h = new Float64Array(H);
  const values: Record<string, Float64Array> = { hPrev };
  if (cell === 'gru' && w.resetAfter) {
    const hh = new Float64Array(GH);
    gemm(false, true, 1, GH, H, 1, hPrev, H, w.whh, H, 0, hh, GH); // W_hh h_{t−1}
    values.a_r = gates.slice(0, H).map((v, j) => v + hh[j] + w.bhh[j]);
    values.a_z = gates.slice(H, 2 * H).map((v, j) => v + hh[H + j] + w.bhh[H + j]);
    values.x_n = gates.slice(2 * H);
    const hn = new Float64Array(H);
    gruCellForward(1, H, gates, hh, w.bhh, hPrev, hn, h, h, H);
    values.h_n = hn;
  } else if (cell === 'gru') {
    values.x_n = gates.slice(2 * H);
    for (let k = 0; k < GH; k++) gates[k] = gates[k] + w.bhh[k];
    gemm(false, true, 1, 2 * H, H, 1, hPrev, H, w.whh, H, 1, gates, GH); // [a_r, a_z] += W_h{r,z} h_{t−1}
    values.a_r = gates.slice(0, H);
    values.a_z = gates.slice(H, 2 * H);
    const rh = new Float64Array(H);
    gruGatesForward(1, H, gates, hPrev, rh); // r, z; rh = r ⊙ h_{t−1}
    const hn = w.bhh.slice(2 * H);
    gemm(false, true, 1, H, H, 1, rh, H, w.whh.subarray(2 * H * H), H, 1, hn, H); // W_hn (r ⊙ h_{t−1}) + b_hn
    values.h_n = hn;
    for (let j = 0; j < H; j++) gates[2 * H + j] = values.x_n[j] + hn[j];
    gruCandidateForward(1, H, gates, hPrev, h, h, H);
  } else {
    for (let k = 0; k < GH; k++) gates[k] = gates[k] + w.bhh[k];
    gemm(false, true, 1, GH, H, 1, hPrev, H, w.whh, H, 1, gates, GH); // + W_hh h_{t−1} + b_hh
    gateNames(cell).forEach((name, k) => {
      values[cell === 'rnn' ? 'a' : `a_${name}`] = gates.slice(k * H, (k + 1) * H);
    });
    if (cell === 'lstm') {
      const c = new Float64Array(H);
      lstmCellForward(1, H, gates, cPrev, c, h, h, H, w.peepholes);
      values.cPrev = cPrev;
      values.c = c;
      const p = w.peepholes;
      if (p !== undefined) {
        // The gates read the cell state too: a_i, a_f += p ⊙ c_{t−1}, a_o += p_o ⊙ c_t.
        for (let j = 0; j < H; j++) {
          values.a_i[j] = values.a_i[j] + p[j] * cPrev[j];
          values.a_f[j] = values.a_f[j] + p[H + j] * cPrev[j];
          values.a_o[j] = values.a_o[j] + p[2 * H + j] * c[j];
        }
      }
    } else {
      rnnCellForward('tanh', 1, H, gates, h, h, H);
    }
  }
  if (cell !== 'rnn')
    gateNames(cell).forEach((name, k) => {
      values[name] = gates.slice(k * H, (k + 1) * H);
    });
  values.h = h;
  return { values, gates };
}

/**
 * Backward through one step from dL/dh_t (nothing carried from later steps): the gradient of
 * every quantity, and `inputSide`, the input-side pre-activation gradients [G·H] (for dx = W_ihᵀ ·).
 */
function backwardStep(cell: CellKind, H: number, w: LayerWeights, forward: StepForward, dh: Float64Array): Record<string, Float64Array> {
  const v = forward.values;
  const GH = w.whh.length / H;
  const da = forward.gates.slice();
  const zeros = new Float64Array(H);
  const out: Record<string, Float64Array> = { h: dh.slice() };
  const hPrevGrad = new Float64Array(H);
  if (cell === 'lstm') {
    const tc = v.c.map(Math.tanh);
    // h_t = o ⊙ tanh(c_t), c_t = f ⊙ c_{t−1} + i ⊙ g
    out.o = dh.map((d, j) => d * tc[j]);
    // c_t reaches the loss through h_t and, with peepholes, through the output gate: a_o += p_o ⊙ c_t.
    const po = w.peepholes?.subarray(2 * H);
    out.c = dh.map((d, j) => d * v.o[j] * (1 - tc[j] * tc[j]) + (po ? out.o[j] * v.o[j] * (1 - v.o[j]) * po[j] : 0));
    out.i = out.c.map((d, j) => d * v.g[j]);
    out.f = out.c.map((d, j) => d * v.cPrev[j]);
    out.g = out.c.map((d, j) => d * v.i[j]);
    const dc = new Float64Array(H);
    lstmCellBackward(1, H, da, v.cPrev, v.c, dh, H, zeros.slice(), dc, w.peepholes);
    out.cPrev = dc;
  } else if (cell === 'gru') {
    // h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}, n = tanh(x_n + h_n), h_n = r ⊙ (W_hn h_{t−1} + b_hn) or W_hn (r ⊙ h_{t−1}) + b_hn
    out.n = dh.map((d, j) => d * (1 - v.z[j]));
    out.z = dh.map((d, j) => d * (v.hPrev[j] - v.n[j]));
    const dAn = out.n.map((d, j) => d * (1 - v.n[j] ** 2));
    if (w.resetAfter) {
      out.r = dAn.map((d, j) => d * v.h_n[j]);
      const dgh = new Float64Array(GH);
      gruCellBackward(1, H, da, v.h_n, v.hPrev, dh, H, hPrevGrad, dgh); // hPrevGrad = z ⊙ dh_t, the direct part
      gemm(false, false, 1, H, GH, 1, dgh, GH, w.whh, H, 1, hPrevGrad, H); // + dgh · W_hh
    } else {
      gruCandidateBackward(1, H, da, v.hPrev, dh, H, hPrevGrad); // da_z, da_n; hPrevGrad = z ⊙ dh_t
      const drh = new Float64Array(H);
      gemm(false, false, 1, H, H, 1, da.subarray(2 * H), H, w.whh.subarray(2 * H * H), H, 0, drh, H); // d(r ⊙ h_{t−1}) = da_n · W_hn
      out.r = drh.map((d, j) => d * v.hPrev[j]);
      gruGatesBackward(1, H, da, v.hPrev, drh, hPrevGrad); // da_r; hPrevGrad += drh ⊙ r
      gemm(false, false, 1, H, 2 * H, 1, da, GH, w.whh, H, 1, hPrevGrad, H); // + [da_r, da_z] · W_h{r,z}
    }
  } else {
    rnnCellBackward('tanh', 1, H, v.h, dh, H, zeros, da);
  }
  if (cell !== 'gru') gemm(false, false, 1, H, GH, 1, da, GH, w.whh, H, 0, hPrevGrad, H); // dh_{t−1} = da · W_hh
  gateNames(cell).forEach((name, k) => {
    out[cell === 'rnn' ? 'a' : `a_${name}`] = da.slice(k * H, (k + 1) * H);
  });
  out.hPrev = hPrevGrad;
  out.inputSide = da;
  return out;
}

/**
 * @throws UsageError for a projected LSTM (LSTMP): the step views show h_t = o ⊙ tanh(c_t) and
 * carry h as H features, while a projection makes h_t = W_hr (o ⊙ tanh(c_t)), P features.
 */
export function refuseProjection(model: LanguageModel, what: string): void {
  const P = model.settings.projSize;
  if (P !== undefined) {
    throw new UsageError(
      `${what}: the model's LSTM projects its state (projSize ${P}), which this view does not show ` +
        '(it follows h_t = o ⊙ tanh(c_t)); traceLanguageModel shows the projected model',
    );
  }
}
