/**
 * A stack of recurrent layers, each with one or two directions, over buffers in the
 * backend's memory — the engine behind {@link RNN}, {@link LSTM} and {@link GRU}.
 *
 * Everything here is in the internal layout: time-major [T, B, F] with the batch rows in
 * the order of {@link layoutBatch} (longest sequence first). Hidden states are [L·dirs, B, S]
 * and cell states [L·dirs, B, H], where S is the state size: H, or P for a projected LSTM.
 * The public classes convert from and to the caller's layout; models that keep their
 * data in the backend (language models, taggers) write the input buffer and read the
 * output buffer directly.
 */
import type { Backend, FloatArray } from '../../backend/backend.js';
import { RnnkitError } from '../../errors.js';
import type { Random } from '../../random.js';
import { type Extent, type SizeOf, Workspace } from '../../tensor/workspace.js';
import { drawDropoutMask } from '../dropout.js';
import { ParameterSet, type ParameterSpec } from '../parameters.js';
import type { BatchLayout } from './batch.js';
import type { RecordedSteps } from './direction-buffers.js';
import { Direction, type DirectionInput } from './direction.js';
import { gatesOf, type ResolvedOptions, stateSizeOf, suffix } from './options.js';

/**
 * PyTorch's parameter list of a recurrent module, in `state_dict` order; a peephole LSTM adds
 * `weight_peephole_l{k}[_reverse]` [3H] (p_i, p_f, p_o) after each direction's biases, and a
 * projected LSTM `weight_hr_l{k}[_reverse]` [P, H] last (with weight_hh [4H, P]), as PyTorch's
 * `proj_size` does.
 */
export function recurrentParameterSpecs(o: ResolvedOptions): ParameterSpec[] {
  const GH = gatesOf(o.cell) * o.hiddenSize;
  const S = stateSizeOf(o);
  const bound = 1 / Math.sqrt(o.hiddenSize);
  const specs: ParameterSpec[] = [];
  for (let l = 0; l < o.numLayers; l++) {
    const D = l === 0 ? o.inputSize : o.directions * S;
    for (let d = 0; d < o.directions; d++) {
      const sfx = suffix(l, d);
      specs.push({ name: `weight_ih${sfx}`, shape: [GH, D], init: { uniform: bound } });
      specs.push({ name: `weight_hh${sfx}`, shape: [GH, S], init: { uniform: bound } });
      if (o.bias) {
        specs.push({ name: `bias_ih${sfx}`, shape: [GH], init: { uniform: bound } });
        specs.push({ name: `bias_hh${sfx}`, shape: [GH], init: { uniform: bound } });
      }
      if (o.peepholes) specs.push({ name: `weight_peephole${sfx}`, shape: [3 * o.hiddenSize], init: { uniform: bound } });
      if (o.projSize > 0) specs.push({ name: `weight_hr${sfx}`, shape: [o.projSize, o.hiddenSize], init: { uniform: bound } });
    }
  }
  return specs;
}

/** A first layer fed by token ids [T·B] into an embedding table [V, inputSize] and its gradient. */
export interface TokenInput<F extends FloatArray> {
  ids: Int32Array;
  table: F;
  tableGrad: F;
  vocabSize: number;
}

/** Where the last forward stands, so backward can refuse to run at the wrong time. */
type Phase = 'idle' | 'forward' | 'inference' | 'backward';

export class RecurrentStack<F extends FloatArray> {
  private readonly directions: Direction<F>[][] = []; // [layer][dir]
  /**
   * Per layer l: input{l} [T·B, D_l] (layer > 0 with dropout: the previous output after it),
   * output{l} [T·B, dirs·S], mask{l} (dropout mask of the outputs of layers < L−1), dInput{l};
   * dOutput [T·B, dirs·S] dL/d output of the top layer; states, cellStates [L·dirs, B, S or H]
   * the final h and c gathered after forward; dStates, dCellStates dL/dh0 and dc0 after backward;
   * h0, c0, dhT, dcT the caller's initial states and final-state gradients (see {@link stateInputs}).
   */
  private readonly workspace: Workspace<F, string>;
  private layout: BatchLayout | undefined;
  private usedDropout = false;
  private tokens: TokenInput<F> | undefined; // the token input of the last forward
  private phase: Phase = 'idle';

  constructor(
    readonly options: ResolvedOptions,
    readonly backend: Backend<F>,
    readonly params: ParameterSet<F>,
    private readonly random: Random,
  ) {
    params.bind(backend);
    const o = options;
    for (let l = 0; l < o.numLayers; l++) {
      const row: Direction<F>[] = [];
      for (let d = 0; d < o.directions; d++) {
        const sfx = suffix(l, d);
        row.push(
          new Direction(
            backend,
            {
              cell: o.cell,
              nonlinearity: o.nonlinearity,
              resetAfter: o.resetAfter,
              inputSize: l === 0 ? o.inputSize : this.width(),
              hiddenSize: o.hiddenSize,
              projSize: o.projSize,
              dir: d as 0 | 1,
              dirs: o.directions,
            },
            {
              wih: params.get(`weight_ih${sfx}`),
              whh: params.get(`weight_hh${sfx}`),
              bih: o.bias ? params.get(`bias_ih${sfx}`) : undefined,
              bhh: o.bias ? params.get(`bias_hh${sfx}`) : undefined,
              peepholes: o.peepholes ? params.get(`weight_peephole${sfx}`) : undefined,
              whr: o.projSize > 0 ? params.get(`weight_hr${sfx}`) : undefined,
            },
          ),
        );
      }
      this.directions.push(row);
    }
    this.workspace = new Workspace(backend, { floats: stackPlan(o, this.width()) }, this);
  }

  /** [layer] input [T·B, D_l]; layer > 0 without dropout reads the previous output itself. */
  private get inputs(): F[] {
    const w = this.workspace.last;
    return this.directions.map((_, l) => (l === 0 || this.options.dropout > 0 ? w[`input${l}`] : w[`output${l - 1}`]));
  }

  private get outputs(): F[] {
    return this.directions.map((_, l) => this.workspace.last[`output${l}`]);
  }
  private get masks(): F[] {
    return this.directions.map((_, l) => this.workspace.last[`mask${l}`]);
  }
  private get dInputs(): F[] {
    return this.directions.map((_, l) => this.workspace.last[`dInput${l}`]);
  }
  private get dOutput(): F {
    return this.workspace.last.dOutput;
  }
  private get states(): F {
    return this.workspace.last.states;
  }
  private get cellStates(): F {
    return this.workspace.last.cellStates;
  }
  private get dStates(): F {
    return this.workspace.last.dStates;
  }
  private get dCellStates(): F {
    return this.workspace.last.dCellStates;
  }

  /**
   * Prepares for a batch: buffers for its (T, B), and the layout. After this, write the
   * input into {@link input} and call {@link forward}.
   */
  prepare(layout: BatchLayout): void {
    const { T, B } = layout;
    this.workspace.views({ T, B });
    this.layout = layout;
    this.phase = 'idle';
  }

  /**
   * Buffers of the prepared batch for the caller's h0 and c0 [L·dirs, B, S or H] (to pass to
   * {@link forward}) and dL/dh_T, dL/dc_T (to pass to {@link backward}), internal row order.
   */
  stateInputs(): { h0: F; c0: F; dhT: F; dcT: F } {
    const { h0, c0, dhT, dcT } = this.workspace.last;
    return { h0: h0, c0: c0, dhT: dhT, dcT: dcT };
  }

  /** The input buffer [T·B, D] of the prepared batch (internal layout). */
  input(): F {
    return this.view(this.inputs[0], this.options.inputSize);
  }

  /** The output [T·B, dirs·S] of the last forward; zero where a sequence had ended. */
  output(): F {
    return this.view(this.outputs[this.options.numLayers - 1], this.width());
  }

  /** Final hidden states [L·dirs, B, S] of the last forward. */
  finalH(): F {
    return this.stateView(this.states, stateSizeOf(this.options));
  }

  /** Final cell states [L·dirs, B, H] of the last forward (LSTM). */
  finalC(): F {
    return this.stateView(this.cellStates, this.options.hiddenSize);
  }

  /**
   * What layer `l`'s direction `d` computed at every step of the last forward (see
   * {@link Direction.recorded}).
   * @throws RnnkitError without a forward, or after a backward (which overwrote the gates).
   */
  recorded(l: number, d: number): RecordedSteps<F> {
    if (this.phase !== 'forward')
      throw new RnnkitError('recorded() reads the last forward(): run forward() first, and read before backward()');
    return this.directions[l][d].recorded();
  }

  /** The buffer for dL/d output [T·B, dirs·S]; fill it, then call {@link backward}. */
  outputGrad(): F {
    return this.view(this.dOutput, this.width());
  }

  /** dL/d input [T·B, D] after backward. */
  inputGrad(): F {
    return this.view(this.dInputs[0], this.options.inputSize);
  }

  /** dL/dh0 [L·dirs, B, S] after backward. */
  h0Grad(): F {
    return this.stateView(this.dStates, stateSizeOf(this.options));
  }

  /** dL/dc0 [L·dirs, B, H] after backward (LSTM). */
  c0Grad(): F {
    return this.stateView(this.dCellStates, this.options.hiddenSize);
  }

  /**
   * Runs every layer and direction over the prepared input.
   * @param h0, c0 initial states [L·dirs, B, S] and [L·dirs, B, H] (internal order), or undefined for zeros.
   * @param training applies dropout between layers when the layer has some.
   * @param tokens the first layer's input as token ids [T·B] into an embedding table
   *   [V, inputSize] instead of {@link input}; backward then adds to `tableGrad` (and
   *   leaves {@link inputGrad} unwritten). Must be the same for the matching backward.
   * @param forBackward keeps what backward needs (default). False runs the forward-only pass
   *   (see inference.ts): the same results, in less memory and time; backward cannot follow.
   */
  forward(h0: F | undefined, c0: F | undefined, training: boolean, tokens?: TokenInput<F>, forBackward = true): void {
    const layout = this.requireLayout();
    const { T, B } = layout;
    const o = this.options;
    const b = this.backend;
    const H = o.hiddenSize;
    const S = stateSizeOf(o);
    const width = this.width();
    this.usedDropout = training && o.dropout > 0;
    for (let l = 0; l < o.numLayers; l++) {
      const input = this.layerInput(l, tokens);
      const y = this.view(this.outputs[l], width);
      b.fill(T * B * width, 0, y);
      for (let d = 0; d < o.directions; d++) {
        const k = l * o.directions + d;
        const dir = this.directions[l][d];
        if (forBackward) dir.forward(layout, input, y, this.stateOf(h0, k, S), this.stateOf(c0, k, H));
        else dir.infer(layout, input, y, this.stateOf(h0, k, S), this.stateOf(c0, k, H));
        b.copy(B * S, dir.finalH(), this.states.subarray(k * B * S) as F);
        if (o.cell === 'lstm') b.copy(B * H, dir.finalC(), this.cellStates.subarray(k * B * H) as F);
      }
      if (l < o.numLayers - 1 && o.dropout > 0) {
        const next = this.view(this.inputs[l + 1], width);
        if (this.usedDropout) {
          drawDropoutMask(this.random, o.dropout, T * B * width, this.view(this.masks[l], width));
          b.mul(T * B * width, y, this.view(this.masks[l], width), next);
        } else {
          b.copy(T * B * width, y, next);
        }
      }
    }
    this.tokens = tokens;
    this.phase = forBackward ? 'forward' : 'inference';
  }

  /**
   * Backpropagates through the last forward from {@link outputGrad} and the gradients
   * of the final states, accumulating parameter gradients.
   * @param dh, dc gradients of the final states [L·dirs, B, S] and [L·dirs, B, H], or undefined for zeros.
   * @throws RnnkitError without a forward since the last backward.
   */
  backward(dh: F | undefined, dc: F | undefined): void {
    if (this.phase !== 'forward') {
      throw new RnnkitError(
        this.phase === 'backward'
          ? 'backward() already ran for this forward(); run forward() again first'
          : this.phase === 'inference'
            ? 'backward() cannot follow a forward-only (inference) pass, which keeps nothing for it; run forward() for training first'
            : 'backward() needs a forward() first',
      );
    }
    const layout = this.requireLayout();
    const { T, B } = layout;
    const o = this.options;
    const b = this.backend;
    const H = o.hiddenSize;
    const S = stateSizeOf(o);
    const width = this.width();
    let dy = this.view(this.dOutput, width);
    for (let l = o.numLayers - 1; l >= 0; l--) {
      const input = this.layerInput(l, this.tokens);
      const dx = this.view(this.dInputs[l], l === 0 ? o.inputSize : width);
      for (let d = 0; d < o.directions; d++) {
        const k = l * o.directions + d;
        const dir = this.directions[l][d];
        dir.backward(layout, input, dy, dx, d > 0, this.stateOf(dh, k, S), this.stateOf(dc, k, H));
        b.copy(B * S, dir.dh0(), this.dStates.subarray(k * B * S) as F);
        if (o.cell === 'lstm') b.copy(B * H, dir.dc0(), this.dCellStates.subarray(k * B * H) as F);
      }
      if (l > 0) {
        // dL/d(previous output) = dL/d(this input) ⊙ dropout mask.
        if (this.usedDropout) b.mul(T * B * width, dx, this.view(this.masks[l - 1], width), dx);
        dy = dx;
      }
    }
    this.phase = 'backward';
  }

  /** What layer l reads: the token input for layer 0 when given, else its input buffer. */
  private layerInput(l: number, tokens: TokenInput<F> | undefined): DirectionInput<F> {
    if (l === 0 && tokens !== undefined) return { kind: 'tokens', ...tokens };
    const o = this.options;
    return { kind: 'vectors', x: this.view(this.inputs[l], l === 0 ? o.inputSize : this.width()) };
  }

  /** Layer-direction k's [B, width] slice of states [L·dirs, B, width], if given. */
  private stateOf(all: F | undefined, k: number, width: number): F | undefined {
    const size = this.requireLayout().B * width;
    return all === undefined ? undefined : (all.subarray(k * size, (k + 1) * size) as F);
  }

  /** Features of each layer's output: dirs·S. */
  private width(): number {
    return this.options.directions * stateSizeOf(this.options);
  }

  private view(buffer: F, rowWidth: number): F {
    const { T, B } = this.requireLayout();
    return buffer.subarray(0, T * B * rowWidth) as F;
  }

  private stateView(buffer: F, width: number): F {
    const { B } = this.requireLayout();
    const o = this.options;
    return buffer.subarray(0, o.numLayers * o.directions * B * width) as F;
  }

  private requireLayout(): BatchLayout {
    if (this.layout === undefined) throw new RnnkitError('recurrent layer: prepare() a batch first');
    return this.layout;
  }
}

/** The sizes of a stack's buffers for T steps of B rows (see {@link RecurrentStack}'s workspace). */
function stackPlan(o: ResolvedOptions, width: number): Record<string, SizeOf<Extent>> {
  const plan: Record<string, SizeOf<Extent>> = {};
  for (let l = 0; l < o.numLayers; l++) {
    const D = l === 0 ? o.inputSize : width;
    plan[`input${l}`] = ({ T, B }) => (l === 0 || o.dropout > 0 ? T * B * D : 0);
    plan[`output${l}`] = ({ T, B }) => T * B * width;
    plan[`mask${l}`] = ({ T, B }) => (l < o.numLayers - 1 && o.dropout > 0 ? T * B * width : 0);
    plan[`dInput${l}`] = ({ T, B }) => T * B * D;
  }
  const states = ({ B }: Extent): number => o.numLayers * o.directions * B * stateSizeOf(o);
  const cells = ({ B }: Extent): number => (o.cell === 'lstm' ? o.numLayers * o.directions * B * o.hiddenSize : 0);
  return {
    ...plan,
    dOutput: ({ T, B }) => T * B * width,
    states,
    cellStates: cells,
    dStates: states,
    dCellStates: cells,
    h0: states,
    c0: cells,
    dhT: states,
    dcT: cells,
  };
}
