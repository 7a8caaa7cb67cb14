/**
 * Gradient flow over time: how much the loss at the end of a text depends on the network's
 * state at each earlier step — ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖ for an LSTM) per layer. In a plain
 * RNN it shrinks geometrically with the distance from the loss (vanishing gradients,
 * Bengio et al. 1994; Hochreiter 1991) or grows (exploding gradients); the LSTM's cell state
 * carries it further (Hochreiter & Schmidhuber 1997), and clipping bounds its growth
 * (Pascanu et al. 2013).
 *
 * The text's last token is the target: the model reads the T tokens before it from a zero
 * state and L = −ln p(last token). States are (h_t, c_t) per layer, and the gradients are
 * partial derivatives with respect to them, as backpropagation through time carries them:
 * ∂L/∂h_t includes what flows down from the layer above at step t. Computed in float64 with
 * the model's weights, one step at a time.
 *
 * Legend: T steps, H hidden size, L layers, V vocabulary, E embedding size.
 */
import { createReferenceBackend } from '../../backend/reference/index.js';
import { gemm } from '../../backend/reference/gemm.js';
import { ShapeError, UsageError } from '../../errors.js';
import { StepCell } from '../../layers/recurrent/step-cell.js';
import { Random } from '../../random.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { LanguageModel } from './language-model.js';
import { refuseProjection } from './cell-step.js';

/** Options of {@link gradientFlow}. */
export interface GradientFlowOptions {
  /**
   * Clip the gradient carried back into each step's state: when the norm of (∂L/∂h_t,
   * ∂L/∂c_t) of a layer exceeds `clip`, scale both down to it (Pascanu et al. 2013's clipping,
   * applied at every step of the recursion). @default no clipping
   */
  clip?: number;
}

/** The gradient norms of one layer, indexed by step. */
export interface LayerGradientFlow {
  layer: number;
  /** ‖∂L/∂h_t‖ for t = 0 … T−1 (the loss is at step T−1). */
  hidden: Float64Array;
  /** ‖∂L/∂c_t‖ (LSTM; 0 at the last step, where L depends on c only through h). */
  cell?: Float64Array;
}

/** What {@link gradientFlow} returns. */
export interface GradientFlow {
  /** The loss −ln p(last token | the tokens before it). */
  loss: number;
  /** Steps T the model read (the text's tokens but the last). */
  steps: number;
  /** Per layer, bottom first. */
  layers: LayerGradientFlow[];
}

/**
 * ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖) at every step and layer for the loss of the text's last token.
 * @throws ShapeError when the text has fewer than two tokens; UsageError on a bad `clip`.
 */
export function gradientFlow(model: LanguageModel, text: string, options: GradientFlowOptions = {}): GradientFlow {
  const { clip } = options;
  refuseProjection(model, 'gradientFlow');
  if (clip !== undefined && !(clip > 0 && Number.isFinite(clip)))
    throw new UsageError(`gradientFlow: clip must be a positive number, got ${String(clip)}`);
  const ids = model.tokenizer.encode(text);
  if (ids.length < 2) throw new ShapeError(`gradientFlow: need at least 2 tokens (inputs and a target), got ${ids.length}`);
  const T = ids.length - 1;
  const { cell, hiddenSize: H, numLayers, embeddingDim: E } = model.settings;
  const V = model.tokenizer.vocabSize;
  const backend = createReferenceBackend(Float64Array);
  const dict = model.stateDict();
  const f64 = (name: string): Float64Array => Float64Array.from(dict[name].data);

  // Forward, layer by layer, each one step at a time on its own tape.
  const cells: StepCell<Float64Array>[] = [];
  for (let l = 0; l < numLayers; l++) {
    const D = l === 0 ? E : H;
    const variant = { resetAfter: model.settings.resetAfter !== false, peepholes: model.settings.peepholes === true };
    const layer = new StepCell(cell, 'tanh', D, H, backend, new Random(0), variant);
    const weights: Record<string, Tensor> = {};
    for (const name of layer.params.names) weights[name] = dict[`rnn.${name}_l${l}`];
    layer.params.loadStateDict(weights, 'gradientFlow');
    layer.begin(T, 1, undefined, undefined);
    const embedding = dict['embedding.weight'].data;
    for (let t = 0; t < T; t++) {
      const x = layer.nextInput();
      if (l === 0) x.set(embedding.subarray(ids[t] * E, (ids[t] + 1) * E));
      else x.set(cells[l - 1].state(t + 1));
      layer.step();
    }
    cells.push(layer);
  }

  // The loss at the last step and dL/dh_{T−1} of the top layer: W_decᵀ (p − onehot(target)).
  const top = cells[numLayers - 1].state(T);
  const logits = f64('decoder.bias');
  const decoder = f64('decoder.weight');
  gemm(false, true, 1, V, H, 1, top, H, decoder, H, 1, logits, V);
  const max = Math.max(...logits);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[v] - max);
  const target = ids[T];
  const dLogits = logits.map((x) => Math.exp(x - max) / sum);
  const loss = -Math.log(dLogits[target]);
  dLogits[target] = dLogits[target] - 1;
  const dTop = new Float64Array(H);
  gemm(false, false, 1, H, V, 1, dLogits, V, decoder, H, 0, dTop, H);

  // Backward, top layer first; each layer hands the gradient of its inputs at each step to the one below.
  const layers: LayerGradientFlow[] = [];
  let fromAbove: Float64Array[] = Array.from({ length: T }, (_, t) => (t === T - 1 ? dTop : new Float64Array(H)));
  for (let l = numLayers - 1; l >= 0; l--) {
    const layer = cells[l];
    const hidden = new Float64Array(T);
    const cellNorms = cell === 'lstm' ? new Float64Array(T) : undefined;
    const toBelow: Float64Array[] = [];
    layer.beginBackward();
    for (let t = T - 1; t >= 0; t--) {
      const dh = layer.stateGrad();
      const dc = cell === 'lstm' ? layer.cellGrad() : undefined;
      dh.set(dh.map((v, j) => v + fromAbove[t][j]));
      const norm = Math.sqrt(sumSquares(dh) + (dc ? sumSquares(dc) : 0));
      if (clip !== undefined && norm > clip) {
        for (const g of dc ? [dh, dc] : [dh]) g.set(g.map((v) => (v * clip) / norm));
      }
      hidden[t] = Math.sqrt(sumSquares(dh));
      if (cellNorms && dc) cellNorms[t] = Math.sqrt(sumSquares(dc));
      const dx = new Float64Array(l === 0 ? E : H);
      layer.stepBack(dx);
      toBelow[t] = dx;
    }
    layers.unshift({ layer: l, hidden, ...(cellNorms ? { cell: cellNorms } : {}) });
    fromAbove = toBelow;
  }
  return { loss, steps: T, layers };
}

function sumSquares(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v * v;
  return s;
}
