/**
 * One recurrent cell run a step at a time, for decoders whose next input depends on
 * what came before (attention over the previous state, the previous prediction fed
 * back). Forward records a tape of T steps; backward then walks it in reverse one step
 * at a time, taking the gradient of each step's state from the caller, and adds the
 * parameter gradients over all steps at the end.
 *
 * Parameters are named as PyTorch's nn.LSTMCell / nn.GRUCell / nn.RNNCell:
 * `weight_ih` [G·H, D], `weight_hh` [G·H, H], `bias_ih`, `bias_hh` [G·H]; a peephole LSTM adds
 * `weight_peephole` [3H] (p_i, p_f, p_o). The cell variants are those of the layers (see
 * cells/gru.ts and cells/lstm.ts): a GRU's reset gate after or before the recurrent product.
 *
 * Legend: T steps, B rows, D input features, H hidden size, G gates (1, 4 or 3).
 * Tape slots: inputs [T, B, D], gates [T, B, G·H] (activations, then their gradients),
 * states [T+1, B, H] with h_t in slot t+1 (slot 0 holds h0), cells likewise (LSTM),
 * GRU's W_hn h + b_hn (reset after) or r ⊙ h_{t−1} (reset before) [T, B, H] and, reset after,
 * its recurrent-gate gradients [T, B, 3H].
 */
import type { Backend, FloatArray, RnnNonlinearity } from '../../backend/backend.js';
import { RnnkitError } from '../../errors.js';
import type { Random } from '../../random.js';
import { permuteRows } from '../../tensor/tensor.js';
import { type Extent, type SizeOf, Workspace } from '../../tensor/workspace.js';
import { type Parameter, ParameterSet } from '../parameters.js';
import { type CellKind, gatesOf, type ResolvedOptions } from './options.js';

/** The variant of a step cell: GRU's reset-gate place and LSTM's peepholes (PyTorch's forms by default). */
export type StepCellVariant = Pick<ResolvedOptions, 'resetAfter' | 'peepholes'>;

export class StepCell<F extends FloatArray> {
  readonly params: ParameterSet<F>;
  private readonly G: number;
  /** The tape and the carried gradients, planned in {@link stepCellPlan}. */
  private readonly workspace: Workspace<F, StepCellBuffer>;
  private B = 0;
  /** Steps the tape holds, from {@link begin}. */
  private T = 0;
  /** Steps recorded since {@link begin}. */
  private t = 0;
  /** Steps not yet walked back. */
  private pending = 0;

  /** A GRU with the reset gate before the product. */
  private readonly resetBefore: boolean;

  constructor(
    readonly cell: CellKind,
    readonly nonlinearity: RnnNonlinearity,
    readonly inputSize: number,
    readonly hiddenSize: number,
    readonly backend: Backend<F>,
    random: Random,
    readonly variant: StepCellVariant = { resetAfter: true, peepholes: false },
  ) {
    this.G = gatesOf(cell);
    this.resetBefore = cell === 'gru' && !variant.resetAfter;
    const GH = this.G * hiddenSize;
    const bound = 1 / Math.sqrt(hiddenSize);
    this.params = new ParameterSet<F>(
      [
        { name: 'weight_ih', shape: [GH, inputSize], init: { uniform: bound } },
        { name: 'weight_hh', shape: [GH, hiddenSize], init: { uniform: bound } },
        { name: 'bias_ih', shape: [GH], init: { uniform: bound } },
        { name: 'bias_hh', shape: [GH], init: { uniform: bound } },
        ...(cell === 'lstm' && variant.peepholes ? [{ name: 'weight_peephole', shape: [3 * hiddenSize], init: { uniform: bound } }] : []),
      ],
      random,
    );
    this.params.bind(backend);
    this.workspace = new Workspace(backend, { floats: stepCellPlan(cell, inputSize, hiddenSize, this.resetBefore) }, this);
  }

  private get inputs(): F {
    return this.workspace.last.inputs;
  }
  private get gates(): F {
    return this.workspace.last.gates;
  }
  private get states(): F {
    return this.workspace.last.states;
  }
  private get cells(): F {
    return this.workspace.last.cells;
  }
  private get hn(): F {
    return this.workspace.last.hn;
  }
  private get hh(): F {
    return this.workspace.last.hh;
  }
  private get dgh(): F {
    return this.workspace.last.dgh;
  }
  private get dh(): F {
    return this.workspace.last.dh;
  }
  private get dc(): F {
    return this.workspace.last.dc;
  }
  private get zeros(): F {
    return this.workspace.last.zeros;
  }

  /**
   * Starts a tape of at most `T` steps over `B` rows from h0 (and c0) [B, H], or zeros.
   */
  begin(T: number, B: number, h0: F | undefined, c0: F | undefined): void {
    this.workspace.views({ T, B });
    this.B = B;
    this.T = T;
    this.t = 0;
    this.pending = 0;
    const b = this.backend;
    const n = B * this.hiddenSize;
    if (h0 === undefined) b.fill(n, 0, this.states);
    else b.copy(n, h0, this.states);
    if (this.cell === 'lstm') {
      if (c0 === undefined) b.fill(n, 0, this.cells);
      else b.copy(n, c0, this.cells);
    }
  }

  /** Where the caller writes the next step's input [B, D]. */
  nextInput(): F {
    if (this.t >= this.T) throw new RnnkitError(`StepCell: the tape holds ${this.T} steps`);
    const D = this.inputSize;
    return this.inputs.subarray(this.t * this.B * D, (this.t + 1) * this.B * D) as F;
  }

  /** The state h [B, H] after `steps` steps (0: h0). @default the latest */
  state(steps = this.t): F {
    return this.slot(this.states, steps, this.hiddenSize);
  }

  /** Runs one step on {@link nextInput}; returns h [B, H]. */
  step(): F {
    const b = this.backend;
    const { cell, nonlinearity, inputSize: D, hiddenSize: H, B, t } = this;
    const GH = this.G * H;
    const x = this.nextInput();
    const g = this.slot(this.gates, t, GH);
    const hPrev = this.state(t);
    const h = this.state(t + 1);
    const wih = this.params.get('weight_ih').value;
    const whh = this.params.get('weight_hh').value;
    const bih = this.params.get('bias_ih').value;
    const bhh = this.params.get('bias_hh').value;
    b.gemm(false, true, B, GH, D, 1, x, D, wih, D, 0, g, GH);
    b.addBias(B, GH, bih, g, GH);
    if (this.resetBefore) {
      const rh = this.slot(this.hn, t, H);
      b.addBias(B, GH, bhh, g, GH);
      b.gemm(false, true, B, 2 * H, H, 1, hPrev, H, whh, H, 1, g, GH); // [a_r, a_z] += h_{t−1} · W_h{r,z}ᵀ
      b.gruGatesForward(B, H, g, hPrev, rh); // r, z; rh = r ⊙ h_{t−1}
      b.gemm(false, true, B, H, H, 1, rh, H, whh.subarray(2 * H * H) as F, H, 1, g.subarray(2 * H) as F, GH); // a_n += rh · W_hnᵀ
      b.gruCandidateForward(B, H, g, hPrev, h, h, H);
    } else if (cell === 'gru') {
      b.gemm(false, true, B, GH, H, 1, hPrev, H, whh, H, 0, this.hh, GH);
      b.gruCellForward(B, H, g, this.hh, bhh, hPrev, this.slot(this.hn, t, H), h, h, H);
    } else {
      b.addBias(B, GH, bhh, g, GH);
      b.gemm(false, true, B, GH, H, 1, hPrev, H, whh, H, 1, g, GH);
      if (cell === 'lstm') {
        b.lstmCellForward(B, H, g, this.slot(this.cells, t, H), this.slot(this.cells, t + 1, H), h, h, H, this.peepholes());
      } else {
        b.rnnCellForward(nonlinearity, B, H, g, h, h, H);
      }
    }
    this.t = t + 1;
    this.pending = this.t;
    return h;
  }

  /**
   * Moves the latest state's rows: row r takes row `from[r]` (beam search keeps the
   * states of the hypotheses it extends).
   */
  reorder(from: ArrayLike<number>): void {
    for (const buffer of this.cell === 'lstm' ? [this.states, this.cells] : [this.states]) {
      permuteRows(this.slot(buffer, this.t, this.hiddenSize), this.hiddenSize, from);
    }
  }

  /** Starts walking the tape back: the carried gradients start at zero. */
  beginBackward(): void {
    const n = this.B * this.hiddenSize;
    this.backend.fill(n, 0, this.dh);
    if (this.cell === 'lstm') this.backend.fill(n, 0, this.dc);
  }

  /**
   * The carried dL/dh [B, H] of the latest step not yet walked back; the caller adds its
   * gradients of that step's state here before {@link stepBack}. After the last step
   * back it holds dL/dh0.
   */
  stateGrad(): F {
    return this.dh.subarray(0, this.B * this.hiddenSize) as F;
  }

  /** dL/dc0 [B, H] after the last step back (LSTM). */
  cellGrad(): F {
    return this.dc.subarray(0, this.B * this.hiddenSize) as F;
  }

  /**
   * Backpropagates through the latest step not yet walked back, writing dL/dx [B, D] of
   * that step's input into `dx`.
   */
  stepBack(dx: F): void {
    if (this.pending === 0) throw new RnnkitError('StepCell: no step left to walk back');
    const b = this.backend;
    const { cell, nonlinearity, inputSize: D, hiddenSize: H, B } = this;
    const t = --this.pending;
    const GH = this.G * H;
    const g = this.slot(this.gates, t, GH);
    const whh = this.params.get('weight_hh').value;
    const dh = this.stateGrad();
    if (this.resetBefore) {
      const hPrev = this.state(t);
      const drh = this.hh.subarray(0, B * H) as F;
      b.gruCandidateBackward(B, H, g, hPrev, this.zeros, H, dh); // da_z, da_n; dh = z ⊙ dh_t
      b.gemm(false, false, B, H, H, 1, g.subarray(2 * H) as F, GH, whh.subarray(2 * H * H) as F, H, 0, drh, H); // d(rh) = da_n · W_hn
      b.gruGatesBackward(B, H, g, hPrev, drh, dh); // da_r; dh += d(rh) ⊙ r
      b.gemm(false, false, B, H, 2 * H, 1, g, GH, whh, H, 1, dh, H); // dh += [da_r, da_z] · W_h{r,z}
    } else if (cell === 'gru') {
      const dgh = this.slot(this.dgh, t, GH);
      b.gruCellBackward(B, H, g, this.slot(this.hn, t, H), this.state(t), this.zeros, H, dh, dgh);
      b.gemm(false, false, B, H, GH, 1, dgh, GH, whh, H, 1, dh, H);
    } else {
      if (cell === 'lstm') {
        b.lstmCellBackward(
          B,
          H,
          g,
          this.slot(this.cells, t, H),
          this.slot(this.cells, t + 1, H),
          this.zeros,
          H,
          dh,
          this.cellGrad(),
          this.peepholes(),
        );
      } else {
        b.rnnCellBackward(nonlinearity, B, H, this.state(t + 1), this.zeros, H, dh, g);
      }
      b.gemm(false, false, B, H, GH, 1, g, GH, whh, H, 0, dh, H);
    }
    b.gemm(false, false, B, D, GH, 1, g, GH, this.params.get('weight_ih').value, D, 0, dx, D);
  }

  /** After every step was walked back: adds the parameter gradients over all steps. */
  endBackward(): void {
    if (this.pending !== 0) throw new RnnkitError(`StepCell: ${this.pending} steps not walked back yet`);
    const b = this.backend;
    const { inputSize: D, hiddenSize: H, B, t: T } = this;
    const GH = this.G * H;
    const p = (name: string): Parameter<F> => this.params.get(name);
    const rows = T * B;
    const resetAfterGru = this.cell === 'gru' && !this.resetBefore;
    const dRecurrent = resetAfterGru ? this.dgh : this.gates;
    const dWhh = p('weight_hh').grad;
    b.gemm(true, false, GH, D, rows, 1, this.gates, GH, this.inputs, D, 1, p('weight_ih').grad, D);
    b.gemm(true, false, this.resetBefore ? 2 * H : GH, H, rows, 1, dRecurrent, GH, this.states, H, 1, dWhh, H);
    if (this.resetBefore) {
      // dW_hn += da_nᵀ · (r ⊙ h_{t−1})
      b.gemm(true, false, H, H, rows, 1, this.gates.subarray(2 * H) as F, GH, this.hn, H, 1, dWhh.subarray(2 * H * H) as F, H);
    }
    b.columnSums(rows, GH, this.gates, GH, 1, p('bias_ih').grad);
    b.columnSums(rows, GH, dRecurrent, GH, 1, p('bias_hh').grad);
    const peepholes = this.cell === 'lstm' && this.variant.peepholes ? p('weight_peephole').grad : undefined;
    if (peepholes !== undefined) {
      // dp_i += Σ da_i ⊙ c_{t−1}, dp_f += Σ da_f ⊙ c_{t−1}, dp_o += Σ da_o ⊙ c_t
      const cPrev = this.cells.subarray(0, rows * H) as F;
      const cNext = this.cells.subarray(B * H, (T + 1) * B * H) as F;
      b.columnProductSums(rows, H, this.gates, GH, cPrev, H, 1, peepholes);
      b.columnProductSums(rows, H, this.gates.subarray(H) as F, GH, cPrev, H, 1, peepholes.subarray(H) as F);
      b.columnProductSums(rows, H, this.gates.subarray(3 * H) as F, GH, cNext, H, 1, peepholes.subarray(2 * H) as F);
    }
  }

  /** The peephole weights [3H] of a peephole LSTM, else undefined. */
  private peepholes(): F | undefined {
    return this.cell === 'lstm' && this.variant.peepholes ? this.params.get('weight_peephole').value : undefined;
  }

  private slot(buffer: F, index: number, width: number): F {
    const n = this.B * width;
    return buffer.subarray(index * n, (index + 1) * n) as F;
  }
}

/** The buffers of a step cell's tape. */
type StepCellBuffer = 'inputs' | 'gates' | 'states' | 'cells' | 'hn' | 'hh' | 'dgh' | 'dh' | 'dc' | 'zeros';

/** Each buffer's size for a tape of T steps over B rows (the slots of the file's legend). */
function stepCellPlan(cell: CellKind, D: number, H: number, resetBefore: boolean): Record<StepCellBuffer, SizeOf<Extent>> {
  const GH = gatesOf(cell) * H;
  const lstm = cell === 'lstm';
  const gru = cell === 'gru';
  return {
    inputs: ({ T, B }) => T * B * D,
    gates: ({ T, B }) => T * B * GH,
    states: ({ T, B }) => (T + 1) * B * H,
    cells: ({ T, B }) => (lstm ? (T + 1) * B * H : 0),
    hn: ({ T, B }) => (gru ? T * B * H : 0),
    hh: ({ B }) => (gru ? B * GH : 0),
    dgh: ({ T, B }) => (gru && !resetBefore ? T * B * GH : 0),
    dh: ({ B }) => B * H,
    dc: ({ B }) => (lstm ? B * H : 0),
    zeros: ({ B }) => B * H, // [B, H] never written: the state gradient past the last step
  };
}
