/**
 * The public recurrent layers: {@link RNN}, {@link LSTM} and {@link GRU}, with PyTorch's
 * arguments, parameter names, shapes, gate orders and packed-sequence semantics.
 *
 * Shapes (T steps, B batch, D inputSize, H hiddenSize, L numLayers, dirs 1 or 2):
 * - input `x`: [T, B, D] ([B, T, D] with batchFirst), or unbatched [T, D];
 * - `output`: [T, B, dirs·S] (or [B, T, dirs·S], or [T, dirs·S]); zero at steps past a
 *   sequence's length, as `pad_packed_sequence` gives; S is H, or P = projSize for a
 *   projected LSTM;
 * - `h`: [L·dirs, B, S] and `c`: [L·dirs, B, H] (unbatched: [L·dirs, S], [L·dirs, H]); for a
 *   sequence shorter than T, the state at its last real step.
 */
import { RnnkitError, ShapeError, UsageError } from '../../errors.js';
import { assertFinite, assertTensor, formatShape, type Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';
import { type BatchLayout, layoutBatch } from './batch.js';
import { fromInternal, statesFromInternal, statesToInternal, toInternal } from './layout.js';
import {
  type CellKind,
  type GruOptions,
  type LstmOptions,
  type RecurrentLayerOptions,
  resolveOptions,
  type ResolvedOptions,
  type RnnOptions,
  stateSizeOf,
} from './options.js';
import { RecurrentStack, recurrentParameterSpecs } from './stack.js';
import { type StateTrace, stateTrace } from './trace.js';

/** Optional inputs of a forward pass. */
export interface RecurrentForwardOptions {
  /** Initial hidden state [L·dirs, B, S] (S = H, or projSize). @default zeros */
  h0?: Tensor;
  /** Initial cell state [L·dirs, B, H] (LSTM only). @default zeros */
  c0?: Tensor;
  /** Length of each sequence, each in [1, T] (PyTorch's packed sequences). @default all T */
  lengths?: ArrayLike<number>;
  /**
   * Forward only, as under PyTorch's `torch.inference_mode()`: nothing is kept for a backward
   * pass (memory no longer grows with T, and large batches run faster); the results are the
   * same, and `backward()` afterwards is an error.
   * @default false
   */
  inference?: boolean;
}

/** Results of a forward pass. */
export interface RecurrentForwardResult {
  output: Tensor;
  h: Tensor;
  /** Present for LSTM. */
  c?: Tensor;
}

/** Results of {@link RecurrentLayer.trace}: the forward's, and what each layer and direction computed at each step. */
export interface RecurrentTraceResult extends RecurrentForwardResult {
  /**
   * Per layer and direction (`layer * dirs + direction`), h_t, c_t (LSTM) and the gates at
   * every step, each shaped as the output but H wide: [T, B, H] ([B, T, H] with batchFirst,
   * [T, H] unbatched); h_t of a projected LSTM is P wide. Past a sequence's length the states
   * stay at its last real step.
   */
  states: StateTrace[];
}

/** Gradients flowing into a backward pass; omitted ones count as zero. */
export interface RecurrentBackwardInput {
  /** dL/d output, shaped as the output. */
  output?: Tensor;
  /** dL/d h, shaped as h. */
  h?: Tensor;
  /** dL/d c (LSTM), shaped as c. */
  c?: Tensor;
}

/** Results of a backward pass. */
export interface RecurrentBackwardResult {
  /** dL/d x, shaped as x (zero at padded steps). */
  x: Tensor;
  /** dL/d h0. */
  h0: Tensor;
  /** dL/d c0 (LSTM). */
  c0?: Tensor;
}

/** What the last forward saw, to shape backward's inputs and results. */
interface ForwardShape {
  layout: BatchLayout;
  batched: boolean;
  xShape: number[];
  outputShape: number[];
  stateShape: number[];
  /** Shape of c (LSTM): as stateShape, H wide. */
  cellShape: number[];
}

/** The shared implementation of RNN, LSTM and GRU. */
export abstract class RecurrentLayer extends Module {
  /** The validated options. */
  readonly config: ResolvedOptions;
  private stack: RecurrentStack<Float32Array> | undefined;
  private last: ForwardShape | undefined;

  protected constructor(cell: CellKind, options: RecurrentLayerOptions, label: string) {
    const config = resolveOptions(cell, options, label);
    super(recurrentParameterSpecs(config), options, label);
    this.config = config;
  }

  /**
   * Runs the layer over a batch of sequences.
   * @throws ShapeError on a wrong shape or length; NonFiniteError on NaN or infinity in the inputs.
   */
  async forward(x: Tensor, options: RecurrentForwardOptions = {}): Promise<RecurrentForwardResult> {
    const stack = await this.ensureStack();
    const o = this.config;
    const shape = this.checkInput(x, options);
    const { layout, batched } = shape;
    const { T, B } = layout;
    stack.prepare(layout);
    toInternal(layout, o.batchFirst && batched, o.inputSize, x.data, stack.input());

    const K = o.numLayers * o.directions;
    const S = stateSizeOf(o);
    let h0: Float32Array | undefined;
    let c0: Float32Array | undefined;
    if (options.h0 !== undefined) {
      h0 = stack.stateInputs().h0;
      statesToInternal(layout, K, S, options.h0.data, h0);
    }
    if (options.c0 !== undefined) {
      c0 = stack.stateInputs().c0;
      statesToInternal(layout, K, o.hiddenSize, options.c0.data, c0);
    }
    stack.forward(h0, c0, this.training, undefined, options.inference !== true);
    this.last = shape;

    const output = { shape: shape.outputShape, data: new Float32Array(T * B * o.directions * S) };
    fromInternal(layout, o.batchFirst && batched, o.directions * S, stack.output(), output.data);
    const h = { shape: shape.stateShape, data: new Float32Array(K * B * S) };
    statesFromInternal(layout, K, S, stack.finalH(), h.data);
    if (o.cell !== 'lstm') return { output, h };
    const c = { shape: [...shape.cellShape], data: new Float32Array(K * B * o.hiddenSize) };
    statesFromInternal(layout, K, o.hiddenSize, stack.finalC(), c.data);
    return { output, h, c };
  }

  /**
   * Runs {@link forward} and also returns what every layer and direction computed at each
   * step: hidden and cell states and the gates' activations (see {@link StateTrace}), for
   * looking inside the network. A backward may follow, as after forward.
   */
  async trace(x: Tensor, options: RecurrentForwardOptions = {}): Promise<RecurrentTraceResult> {
    const result = await this.forward(x, options);
    const stack = this.stack!;
    const o = this.config;
    const { layout, batched } = this.last!;
    const rows = layout.T * layout.B;
    const external = (internal: Float32Array, width: number): Float32Array => {
      const out = new Float32Array(rows * width);
      fromInternal(layout, o.batchFirst && batched, width, internal, out);
      return out;
    };
    const states: StateTrace[] = [];
    for (let l = 0; l < o.numLayers; l++) {
      for (let d = 0; d < o.directions; d++) {
        const { hidden, cell, gates } = stack.recorded(l, d);
        const recorded = {
          hidden: external(hidden, stateSizeOf(o)),
          cell: cell && external(cell, o.hiddenSize),
          gates: external(gates, gates.length / rows),
        };
        states.push(stateTrace(recorded, o.cell, o.hiddenSize, l, d === 0 ? 'forward' : 'reverse'));
      }
    }
    return { ...result, states };
  }

  /**
   * Backpropagates through the last forward: returns dL/dx, dL/dh0 (and dL/dc0) and
   * accumulates parameter gradients (see {@link gradients}).
   * @throws RnnkitError without a preceding forward; ShapeError on misshapen gradients.
   */
  async backward(grads: RecurrentBackwardInput = {}): Promise<RecurrentBackwardResult> {
    const stack = this.stack;
    const last = this.last;
    if (stack === undefined || last === undefined) throw new RnnkitError(`${this.label}.backward: run forward() first`);
    const o = this.config;
    const { layout, batched } = last;
    const { T, B } = layout;
    const K = o.numLayers * o.directions;
    const S = stateSizeOf(o);
    const width = o.directions * S;
    this.checkGrad(grads.output, last.outputShape, 'output');
    this.checkGrad(grads.h, last.stateShape, 'h');
    if (grads.c !== undefined && o.cell !== 'lstm') {
      throw new UsageError(`${this.label}.backward: only LSTM has a cell state; got a gradient for c`);
    }
    this.checkGrad(grads.c, last.cellShape, 'c');

    const dOut = stack.outputGrad();
    if (grads.output === undefined) dOut.fill(0);
    else toInternal(layout, o.batchFirst && batched, width, grads.output.data, dOut);
    let dh: Float32Array | undefined;
    let dc: Float32Array | undefined;
    if (grads.h !== undefined) {
      dh = stack.stateInputs().dhT;
      statesToInternal(layout, K, S, grads.h.data, dh);
    }
    if (grads.c !== undefined) {
      dc = stack.stateInputs().dcT;
      statesToInternal(layout, K, o.hiddenSize, grads.c.data, dc);
    }
    stack.backward(dh, dc);

    const x = { shape: [...last.xShape], data: new Float32Array(T * B * o.inputSize) };
    fromInternal(layout, o.batchFirst && batched, o.inputSize, stack.inputGrad(), x.data);
    const h0 = { shape: [...last.stateShape], data: new Float32Array(K * B * S) };
    statesFromInternal(layout, K, S, stack.h0Grad(), h0.data);
    if (o.cell !== 'lstm') return { x, h0 };
    const c0 = { shape: [...last.cellShape], data: new Float32Array(K * B * o.hiddenSize) };
    statesFromInternal(layout, K, o.hiddenSize, stack.c0Grad(), c0.data);
    return { x, h0, c0 };
  }

  /** The engine, created on first use in the layer's backend. */
  private async ensureStack(): Promise<RecurrentStack<Float32Array>> {
    const backend = await this.backendInUse();
    this.stack ??= new RecurrentStack(this.config, backend, this.params, this.random);
    return this.stack;
  }

  private checkInput(x: Tensor, options: RecurrentForwardOptions): ForwardShape {
    const o = this.config;
    const what = `${this.label}.forward`;
    assertTensor(x, `${what}: x`);
    if (x.shape.length !== 2 && x.shape.length !== 3) {
      throw new ShapeError(
        `${what}: expected x to be 2D (unbatched) or 3D, got a ${x.shape.length}D tensor ` + `of shape ${formatShape(x.shape)}`,
      );
    }
    const batched = x.shape.length === 3;
    const D = x.shape[x.shape.length - 1];
    if (D !== o.inputSize) {
      throw new ShapeError(`${what}: x.shape[-1] must be equal to inputSize. Expected ${o.inputSize}, got ${D}`);
    }
    const T = batched ? x.shape[o.batchFirst ? 1 : 0] : x.shape[0];
    const B = batched ? x.shape[o.batchFirst ? 0 : 1] : 1;
    if (T < 1 || B < 1) throw new ShapeError(`${what}: x must have at least one step and one sequence, got ${formatShape(x.shape)}`);
    assertFinite(x.data, `${what}: x`);
    const K = o.numLayers * o.directions;
    const S = stateSizeOf(o);
    const stateShape = batched ? [K, B, S] : [K, S];
    const cellShape = batched ? [K, B, o.hiddenSize] : [K, o.hiddenSize];
    const width = o.directions * S;
    const outputShape = batched ? (o.batchFirst ? [B, T, width] : [T, B, width]) : [T, width];
    for (const name of ['h0', 'c0'] as const) {
      const state = options[name];
      if (state === undefined) continue;
      if (name === 'c0' && o.cell !== 'lstm') {
        throw new UsageError(`${what}: only LSTM takes c0`);
      }
      assertTensor(state, `${what}: ${name}`);
      const expected = name === 'h0' ? stateShape : cellShape;
      if (!sameShape(state.shape, expected)) {
        throw new ShapeError(`${what}: expected ${name} of shape ${formatShape(expected)}, got ${formatShape(state.shape)}`);
      }
      assertFinite(state.data, `${what}: ${name}`);
    }
    if (options.lengths !== undefined && !batched && options.lengths.length !== 1) {
      throw new ShapeError(`${what}: unbatched input takes one length, got ${options.lengths.length}`);
    }
    const layout = layoutBatch(T, B, options.lengths, what);
    return { layout, batched, xShape: [...x.shape], outputShape, stateShape, cellShape };
  }

  private checkGrad(grad: Tensor | undefined, shape: number[], name: string): void {
    if (grad === undefined) return;
    const what = `${this.label}.backward`;
    assertTensor(grad, `${what}: ${name}`);
    if (!sameShape(grad.shape, shape)) {
      throw new ShapeError(
        `${what}: expected the gradient of ${name} to have shape ${formatShape(shape)}, ` + `got ${formatShape(grad.shape)}`,
      );
    }
    assertFinite(grad.data, `${what}: ${name}`);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Elman RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), act = tanh or relu.
 * Parameters: weight_ih_l{k}[_reverse] [H, D (k = 0) or dirs·H], weight_hh_l{k} [H, H],
 * bias_ih_l{k}, bias_hh_l{k} [H]; initialised U(−1/√H, 1/√H) as PyTorch does.
 * @example
 * const rnn = new RNN({ inputSize: 10, hiddenSize: 20, numLayers: 2, nonlinearity: 'relu' });
 * const { output, h } = await rnn.forward(x); // x: [T, B, 10] → output [T, B, 20], h [2, B, 20]
 */
export class RNN extends RecurrentLayer {
  constructor(options: RnnOptions) {
    super('rnn', options, 'RNN');
  }
}

/**
 * Long short-term memory (Hochreiter & Schmidhuber 1997): gates i, f, g, o (PyTorch's order) in
 * blocks of H rows of weight_ih_l{k} [4H, D] and weight_hh_l{k} [4H, H];
 * c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t). `forward` also returns the final cell state `c`
 * and accepts `c0`. With `peepholes: true` (Gers & Schmidhuber 2000) the gates also read the cell
 * state: i = σ(… + p_i ⊙ c_{t−1}), f = σ(… + p_f ⊙ c_{t−1}), o = σ(… + p_o ⊙ c_t), parameters
 * `weight_peephole_l{k}[_reverse]` [3H] (p_i, p_f, p_o), initialised like the other weights.
 * With `projSize: P` (LSTMP, Sak et al. 2014; PyTorch's `proj_size`) the state is projected,
 * h_t = W_hr (o ⊙ tanh(c_t)) with `weight_hr_l{k}[_reverse]` [P, H]: `output` and `h` are P wide
 * per direction, `c` stays H wide, and weight_hh is [4H, P]. ONNX's LSTM has no projection, so
 * {@link exportOnnx} refuses such a layer.
 * @example
 * const lstm = new LSTM({ inputSize: 8, hiddenSize: 16, bidirectional: true, batchFirst: true });
 * const { output, h, c } = await lstm.forward(x, { lengths: [5, 3] }); // x: [2, 5, 8] → output [2, 5, 32]
 * const peephole = new LSTM({ inputSize: 8, hiddenSize: 16, peepholes: true });
 * const projected = new LSTM({ inputSize: 8, hiddenSize: 16, projSize: 4 }); // output [T, B, 4], h [1, B, 4], c [1, B, 16]
 */
export class LSTM extends RecurrentLayer {
  constructor(options: LstmOptions) {
    super('lstm', options, 'LSTM');
  }
}

/**
 * Gated recurrent unit (Cho et al. 2014): gates r, z, n in blocks of weight_ih_l{k} [3H, D] and
 * weight_hh_l{k} [3H, H]; h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}, with the candidate n in one of two forms:
 * - `resetAfter: true` (the default; PyTorch, cuDNN, Keras `reset_after=True`):
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h_{t−1} + b_hn));
 * - `resetAfter: false` (Cho et al. 2014, Keras `reset_after=False`, TensorFlow.js, ONNX's
 *   default): n = tanh(W_in x + b_in + W_hn (r ⊙ h_{t−1}) + b_hn).
 * The parameters are the same in both; only the equation differs.
 * @example
 * const gru = new GRU({ inputSize: 4, hiddenSize: 8, numLayers: 3, dropout: 0.2 });
 * const keras = new GRU({ inputSize: 4, hiddenSize: 8, resetAfter: false });
 */
export class GRU extends RecurrentLayer {
  constructor(options: GruOptions) {
    super('gru', options, 'GRU');
  }
}

/**
 * The RNN, LSTM or GRU layer for `cell` (RNN takes `nonlinearity` from the options, GRU
 * `resetAfter`, LSTM `peepholes` and `projSize`; another cell's option is a UsageError).
 */
export function recurrentLayer(cell: CellKind, options: RecurrentLayerOptions): RecurrentLayer {
  if (cell === 'lstm') return new LSTM(options);
  if (cell === 'gru') return new GRU(options);
  if (cell === 'rnn') return new RNN(options);
  throw new UsageError(`cell must be 'lstm', 'gru' or 'rnn', got '${String(cell)}'`);
}
