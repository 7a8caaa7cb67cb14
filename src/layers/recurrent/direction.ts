/**
 * One direction of one recurrent layer: the time loop, forward and backward.
 *
 * Legend: T steps, B batch, D input features, H hidden size, G gates (1, 4 or 3),
 * dirs directions of the layer. Rows are in the layer's internal order (longest
 * sequence first, see batch.ts), so step t works on rows [0, rowsAt[t]).
 *
 * Forward: one GEMM projects all steps' inputs, then per step one recurrent GEMM (with
 * W_hh packed once for all steps) and one fused cell kernel. When the input is token ids
 * into an embedding table E [V, D] (a language model's first layer) and the vocabulary is
 * no larger than the batch (V ≤ T·B), the projection is E · W_ihᵀ [V, G·H] once and a row
 * gather, and backward forms G = Σ of the gate gradients per token [V, G·H], so
 * dW_ih += Gᵀ · E and dE += G · W_ih: products over V rows instead of T·B. A larger
 * vocabulary (Chinese characters; sampling, where T·B = 1) gathers the T·B embedding rows
 * first and works on them as on vector input, then scatter-adds dx into dE. Backward: per
 * step the fused cell backward and one GEMM for dh_{t−1}; then dW_ih, dW_hh, dx and the bias
 * gradients as one GEMM or reduction each over all steps. Buffers are allocated when a larger
 * (T, B) arrives, never in the loop.
 * An LSTM without peepholes whose rows all run every step makes one backend call per step instead
 * (lstmStepForward, lstmStepBackward: product and cell kernel together, one round of the wasm
 * backend's threads). A GRU with the reset gate before the product (Cho et al. 2014) runs two
 * products and two kernels per step: [a_r, a_z] += h_{t−1} · W_h{r,z}ᵀ, r, z and r ⊙ h_{t−1}, then
 * a_n += (r ⊙ h_{t−1}) · W_hnᵀ, n and h_t; its backward mirrors them, and dW_hn is formed from the
 * kept r ⊙ h_{t−1}. A peephole LSTM's peephole gradients are column sums of the gate gradients
 * times the cell states, over all steps at once.
 *
 * States: S holds T+1 hidden states. The forward direction reads h_{t−1} from S[t] and
 * writes h_t to S[t+1] (S[0] = h0); the reverse one reads S[t+1] and writes S[t]
 * (S[T] = h0). So "the state before step t" is one contiguous [T·B, H] block in both.
 * Rows that do not run at step t carry their state over unchanged.
 */
import type { Backend, FloatArray, RnnNonlinearity } from '../../backend/backend.js';
import type { Parameter } from '../parameters.js';
import type { BatchLayout } from './batch.js';
import { type CellKind, gatesOf } from './options.js';
import { outputViews, type StepBuffers, type StepViews, stepViews, tailViews, type TailViews, type ViewShape } from './step-views.js';

/** Static description of a direction. */
export interface DirectionConfig {
  cell: CellKind;
  nonlinearity: RnnNonlinearity;
  /** GRU: the reset gate after (true) or before (false) the recurrent product. */
  resetAfter: boolean;
  /** Input features D. */
  inputSize: number;
  /** Hidden size H. */
  hiddenSize: number;
  /** 0 forward, 1 reverse. */
  dir: 0 | 1;
  /** Directions of the layer (the output row stride is dirs·H). */
  dirs: number;
}

/** What a direction reads: input vectors [T·B, D], or token ids into an embedding table [V, D]. */
export type DirectionInput<F extends FloatArray> =
  | { kind: 'vectors'; x: F }
  | { kind: 'tokens'; ids: Int32Array; table: F; tableGrad: F; vocabSize: number };

/** The parameters of a direction; biases absent when the layer has `bias: false`, peepholes but for a peephole LSTM. */
export interface DirectionParams<F extends FloatArray> {
  wih: Parameter<F>;
  whh: Parameter<F>;
  bih: Parameter<F> | undefined;
  bhh: Parameter<F> | undefined;
  /** [3H] p_i, p_f, p_o. */
  peepholes: Parameter<F> | undefined;
}

export class Direction<F extends FloatArray> {
  private readonly G: number;
  /** A GRU with the reset gate before the product. */
  private readonly resetBefore: boolean;
  /** Columns of the per-step product with h_{t−1}: G·H, or 2H (r, z) when the reset gate comes before. */
  private readonly direct: number;
  private capT = 0;
  private capB = 0;
  // Buffers (allocated for capT × capB, used as prefixes for the current T × B):
  private gates!: F;     // [T, B, G·H] preactivations → activations (forward) → their gradients (backward)
  private states!: F;    // [T+1, B, H] hidden states, see the file comment
  private cells!: F;     // [T+1, B, H] cell states (LSTM)
  private hn!: F;        // [T, B, H] W_hn h + b_hn (GRU, reset after) or r ⊙ h_{t−1} (reset before)
  private hh!: F;        // [B, 3H] per-step recurrent projection (GRU, reset after); [B, H] d(r ⊙ h_{t−1}) (before)
  private dgh!: F;       // [T, B, 3H] gradients of the recurrent preactivations (GRU, reset after)
  private dh!: F;        // [B, H] carried dh, after backward dh0
  private dc!: F;        // [B, H] carried dc (LSTM), after backward dc0
  private readonly zeroBias: F | undefined;  // [3H] stands in for b_hh in a GRU without bias
  private readonly packedWhhT: F;  // W_hhᵀ [H, G·H] (reset-before GRU: W_h{r,z}ᵀ [H, 2H]) packed once per forward
  private readonly packedWhh: F;   // W_hh [G·H, H] (reset-before GRU: W_h{r,z} [2H, H]) packed once per backward
  private readonly packedWhnT: F | undefined;  // W_hnᵀ [H, H] (reset-before GRU)
  private readonly packedWhn: F | undefined;   // W_hn [H, H] (reset-before GRU)
  private tokenRows: F | undefined; // [V, G·H] per-token projections (forward), then summed gate gradients (backward)
  private embedded: F | undefined;  // [T·B, D] gathered embedding rows (forward), then their gradients (backward)
  private T = 0;
  private B = 0;

  constructor(private readonly backend: Backend<F>, readonly config: DirectionConfig,
    private readonly params: DirectionParams<F>) {
    this.G = gatesOf(config.cell);
    const H = config.hiddenSize;
    this.resetBefore = config.cell === 'gru' && !config.resetAfter;
    this.direct = this.resetBefore ? 2 * H : this.G * H;
    const resetAfterGru = config.cell === 'gru' && !this.resetBefore;
    this.zeroBias = resetAfterGru && params.bhh === undefined ? backend.alloc(3 * H) : undefined;
    this.packedWhhT = backend.alloc(backend.packedSize(H, this.direct));
    this.packedWhh = backend.alloc(backend.packedSize(this.direct, H));
    this.packedWhnT = this.resetBefore ? backend.alloc(backend.packedSize(H, H)) : undefined;
    this.packedWhn = this.resetBefore ? backend.alloc(backend.packedSize(H, H)) : undefined;
  }

  /** Final hidden state [B, H] of the last forward (internal row order). */
  finalH(): F {
    const { B } = this;
    const H = this.config.hiddenSize;
    const slot = this.config.dir === 0 ? this.T : 0;
    return this.states.subarray(slot * B * H, (slot + 1) * B * H) as F;
  }

  /** Final cell state [B, H] of the last forward (LSTM). */
  finalC(): F {
    const { B } = this;
    const H = this.config.hiddenSize;
    const slot = this.config.dir === 0 ? this.T : 0;
    return this.cells.subarray(slot * B * H, (slot + 1) * B * H) as F;
  }

  /**
   * What the last forward computed at every step, in time order (copies; rows in the
   * internal order): see {@link RecordedSteps}. Valid until the next backward, which turns
   * the gates into their gradients.
   */
  recorded(): RecordedSteps<F> {
    const { T, B } = this;
    const H = this.config.hiddenSize;
    // The state after step t sits in slot t + 1 (forward) or t (reverse): one block either way.
    const after = (buffer: F): F => (this.config.dir === 0 ? buffer.slice(B * H, (T + 1) * B * H) : buffer.slice(0, T * B * H)) as F;
    return {
      hidden: after(this.states),
      cell: this.config.cell === 'lstm' ? after(this.cells) : undefined,
      gates: this.gates.slice(0, T * B * this.G * H) as F,
    };
  }

  /** dL/dh0 [B, H] after backward. */
  dh0(): F {
    return this.dh.subarray(0, this.B * this.config.hiddenSize) as F;
  }

  /** dL/dc0 [B, H] after backward (LSTM). */
  dc0(): F {
    return this.dc.subarray(0, this.B * this.config.hiddenSize) as F;
  }

  /**
   * Runs the direction over x [T·B, D], writing its H columns of y [T, B, dirs·H]
   * (rows that do not run at a step are left as they are; the caller zeroes y).
   * h0, c0: [B, H] initial states, or undefined for zeros.
   */
  forward(layout: BatchLayout, input: DirectionInput<F>, y: F, h0: F | undefined, c0: F | undefined): void {
    const b = this.backend;
    const { cell, nonlinearity, inputSize: D, hiddenSize: H, dir, dirs } = this.config;
    const { T, B, rowsAt } = layout;
    const G = this.G;
    const GH = G * H;
    const ldy = dirs * H;
    this.ensure(T, B);
    const { wih, whh, bih, bhh, peepholes } = this.params;
    const resetAfterGru = cell === 'gru' && !this.resetBefore;

    // All steps' input projections at once: gates = x · W_ihᵀ + b_ih (+ b_hh but for a GRU whose
    // reset gate multiplies it). With token input through the table the biases go into the V
    // projected rows before the gather (the same sums, over V rows instead of T·B).
    const viaTable = projectsTable(input, T * B);
    let [inputRows, x, projected]: [number, F, F] = [T * B, input.kind === 'vectors' ? input.x : input.table, this.gates];
    if (input.kind === 'tokens' && viaTable) {
      [inputRows, projected] = [input.vocabSize, this.tokenBuffer(input.vocabSize)];
    } else if (input.kind === 'tokens') {
      x = this.embeddedRows(T * B);
      b.gatherRows(T * B, input.ids, input.table, D, x);                 // x [T·B, D] = E[ids]
    }
    b.gemm(false, true, inputRows, GH, D, 1, x, D, wih.value, D, 0, projected, GH);
    if (bih !== undefined) b.addBias(inputRows, GH, bih.value, projected, GH);
    if (bhh !== undefined && !resetAfterGru) b.addBias(inputRows, GH, bhh.value, projected, GH);
    if (input.kind === 'tokens' && viaTable) b.gatherRows(T * B, input.ids, projected, GH, this.gates);

    // Initial states.
    const first = dir === 0 ? 0 : T;
    const s0 = this.states.subarray(first * B * H, (first + 1) * B * H) as F;
    if (h0 === undefined) b.fill(B * H, 0, s0);
    else b.copy(B * H, h0, s0);
    if (cell === 'lstm') {
      const c0v = this.cells.subarray(first * B * H, (first + 1) * B * H) as F;
      if (c0 === undefined) b.fill(B * H, 0, c0v);
      else b.copy(B * H, c0, c0v);
    }

    const v = this.views(T, B);
    const ys = this.outputViews(y, T, B);
    const tails = this.tailViews(layout);
    const bhhValue = bhh?.value ?? this.zeroBias!;
    const whhT = this.packedWhhT;
    b.packMatrix(true, H, this.direct, whh.value, H, whhT);
    if (this.packedWhnT !== undefined) b.packMatrix(true, H, H, whh.value.subarray(2 * H * H) as F, H, this.packedWhnT);
    if (cell === 'lstm' && layout.full && peepholes === undefined) {
      // Every row runs every step: one fused call per step (product and cell kernel).
      for (let s = 0; s < T; s++) {
        const t = dir === 0 ? s : T - 1 - s;
        b.lstmStepForward(B, H, v.hPrev[t]!, whhT, v.gates[t]!, v.cPrev[t]!, v.cNext[t]!, v.hNext[t]!, ys[t]!, ldy);
      }
      return;
    }
    for (let s = 0; s < T; s++) {
      const t = dir === 0 ? s : T - 1 - s;
      const rows = rowsAt[t];
      const g = v.gates[t]!;
      const hPrev = v.hPrev[t]!;
      const hNext = v.hNext[t]!;
      const yt = ys[t]!;
      if (this.resetBefore) {
        const rh = v.hn[t]!;
        b.gemmPacked(false, rows, 2 * H, H, 1, hPrev, H, whhT, 1, g, GH);                   // [a_r, a_z] += h_{t−1} · W_h{r,z}ᵀ
        b.gruGatesForward(rows, H, g, hPrev, rh);                                         // r, z; rh = r ⊙ h_{t−1}
        b.gemmPacked(false, rows, H, H, 1, rh, H, this.packedWhnT!, 1, v.gatesN[t]!, GH);  // a_n += rh · W_hnᵀ
        b.gruCandidateForward(rows, H, g, hPrev, hNext, yt, ldy);                         // n, h_t
      } else if (cell === 'gru') {
        b.gemmPacked(false, rows, GH, H, 1, hPrev, H, whhT, 0, this.hh, GH);
        b.gruCellForward(rows, H, g, this.hh, bhhValue, hPrev, v.hn[t]!, hNext, yt, ldy);
      } else {
        b.gemmPacked(false, rows, GH, H, 1, hPrev, H, whhT, 1, g, GH);
        if (cell === 'lstm') b.lstmCellForward(rows, H, g, v.cPrev[t]!, v.cNext[t]!, hNext, yt, ldy, peepholes?.value);
        else b.rnnCellForward(nonlinearity, rows, H, g, hNext, yt, ldy);
      }
      const tail = tails[t];
      if (tail !== undefined) {
        // Sequences that are not running at step t keep their state.
        b.copy((B - rows) * H, tail.hPrev, tail.hNext);
        if (cell === 'lstm') b.copy((B - rows) * H, tail.cPrev!, tail.cNext!);
      }
    }
  }

  /**
   * Backpropagates through the last forward. dy [T, B, dirs·H] holds dL/dy (zero where a
   * sequence had ended); dhT, dcT [B, H] the gradients of the final states (or undefined).
   * Accumulates the parameter gradients and writes (accumulate = false) or adds to dx [T·B, D]
   * (vector input), or adds to the embedding table's gradient (token input).
   */
  backward(layout: BatchLayout, input: DirectionInput<F>, dy: F, dx: F, accumulate: boolean,
    dhT: F | undefined, dcT: F | undefined): void {
    const b = this.backend;
    const { cell, nonlinearity, inputSize: D, hiddenSize: H, dir, dirs } = this.config;
    const { T, B, rowsAt } = layout;
    const GH = this.G * H;
    const ldy = dirs * H;
    const { wih, whh, bih, bhh, peepholes } = this.params;
    const resetAfterGru = cell === 'gru' && !this.resetBefore;
    if (dhT === undefined) b.fill(B * H, 0, this.dh);
    else b.copy(B * H, dhT, this.dh);
    if (cell === 'lstm') {
      if (dcT === undefined) b.fill(B * H, 0, this.dc);
      else b.copy(B * H, dcT, this.dc);
    }
    const v = this.views(T, B);
    const dys = this.outputViews(dy, T, B);
    const packedWhh = this.packedWhh;
    b.packMatrix(false, this.direct, H, whh.value, H, packedWhh);
    if (this.packedWhn !== undefined) b.packMatrix(false, H, H, whh.value.subarray(2 * H * H) as F, H, this.packedWhn);
    const tails = this.tailViews(layout);
    if (cell === 'lstm' && layout.full && peepholes === undefined) {
      // Every row ran every step: the cell backward of the last step, then per step one fused call,
      // dh_{t−1} = da_t · W_hh and the cell backward of the step before.
      const at = (s: number): number => (dir === 0 ? s : T - 1 - s);
      const tLast = at(T - 1);
      b.lstmCellBackward(B, H, v.gates[tLast]!, v.cPrev[tLast]!, v.cNext[tLast]!, dys[tLast]!, ldy, this.dh, this.dc);
      for (let s = T - 1; s >= 0; s--) {
        const t = at(s);
        const before = at(Math.max(s - 1, 0));
        b.lstmStepBackward(B, H, v.gates[t]!, packedWhh, this.dh, s > 0 ? B : 0, v.gates[before]!, v.cPrev[before]!,
          v.cNext[before]!, dys[before]!, ldy, this.dc);
      }
    } else {
      // Steps in the reverse of the order forward ran them.
      for (let s = T - 1; s >= 0; s--) {
        const t = dir === 0 ? s : T - 1 - s;
        const rows = rowsAt[t];
        const g = v.gates[t]!;
        const dyt = dys[t]!;
        const tail = tails[t];
        if (tail !== undefined) {
          // Rows that did not run at step t get no gradient from it.
          b.fill((B - rows) * GH, 0, tail.gates);
          if (resetAfterGru) b.fill((B - rows) * GH, 0, tail.dgh!);
        }
        if (this.resetBefore) {
          const hPrev = v.hPrev[t]!;
          b.gruCandidateBackward(rows, H, g, hPrev, dyt, ldy, this.dh);                         // da_z, da_n; dh = z ⊙ dh_t
          b.gemmPacked(false, rows, H, H, 1, v.gatesN[t]!, GH, this.packedWhn!, 0, this.hh, H);  // d(r ⊙ h_{t−1}) = da_n · W_hn
          b.gruGatesBackward(rows, H, g, hPrev, this.hh, this.dh);                             // da_r; dh += d(r ⊙ h_{t−1}) ⊙ r
          b.gemmPacked(false, rows, H, 2 * H, 1, g, GH, packedWhh, 1, this.dh, H);             // dh += [da_r, da_z] · W_h{r,z}
        } else if (cell === 'gru') {
          b.gruCellBackward(rows, H, g, v.hn[t]!, v.hPrev[t]!, dyt, ldy, this.dh, v.dgh[t]!);
          // dh_{t−1} = z ⊙ dh_t (left in dh by the kernel) + dgh · W_hh
          b.gemmPacked(false, rows, H, GH, 1, v.dgh[t]!, GH, packedWhh, 1, this.dh, H);
        } else {
          if (cell === 'lstm') b.lstmCellBackward(rows, H, g, v.cPrev[t]!, v.cNext[t]!, dyt, ldy, this.dh, this.dc, peepholes?.value);
          else b.rnnCellBackward(nonlinearity, rows, H, v.hNext[t]!, dyt, ldy, this.dh, g);
          // dh_{t−1} = da_t · W_hh
          b.gemmPacked(false, rows, H, GH, 1, g, GH, packedWhh, 0, this.dh, H);
        }
      }
    }
    // Parameter gradients over all steps at once. The state before step t is one block:
    const [before, after] = dir === 0 ? [0, B * H] : [B * H, 0];  // offsets of the blocks of states before and after each step
    const hPrevAll = this.states.subarray(before, before + T * B * H) as F;
    const dRecurrent = resetAfterGru ? this.dgh : this.gates;
    b.gemm(true, false, this.direct, H, T * B, 1, dRecurrent, GH, hPrevAll, H, 1, whh.grad, H);  // dW_hh += dahᵀ · h_{t−1}
    if (this.resetBefore) {
      // dW_hn += da_nᵀ · (r ⊙ h_{t−1})
      b.gemm(true, false, H, H, T * B, 1, this.gates.subarray(2 * H) as F, GH, this.hn, H, 1, whh.grad.subarray(2 * H * H) as F, H);
    }
    if (peepholes !== undefined) {
      // dp_i += Σ da_i ⊙ c_{t−1}, dp_f += Σ da_f ⊙ c_{t−1}, dp_o += Σ da_o ⊙ c_t
      const cPrevAll = this.cells.subarray(before, before + T * B * H) as F;
      const cNextAll = this.cells.subarray(after, after + T * B * H) as F;
      const dp = peepholes.grad;
      b.columnProductSums(T * B, H, this.gates, GH, cPrevAll, H, 1, dp);
      b.columnProductSums(T * B, H, this.gates.subarray(H) as F, GH, cPrevAll, H, 1, dp.subarray(H) as F);
      b.columnProductSums(T * B, H, this.gates.subarray(3 * H) as F, GH, cNextAll, H, 1, dp.subarray(2 * H) as F);
    }
    // The input-side gate gradients per input row: da [T·B, G·H] against x, or with token input
    // G [V, G·H], G[v] = Σ_{id = v} da, against the table E — the same sums over V rows.
    const viaTable = projectsTable(input, T * B);
    let inputRows = T * B;
    let da = this.gates;
    if (input.kind === 'tokens' && viaTable) {
      inputRows = input.vocabSize;
      da = this.tokenBuffer(inputRows);
      b.fill(inputRows * GH, 0, da);
      b.scatterAddRows(T * B, input.ids, this.gates, GH, da);
    }
    if (bih !== undefined) b.columnSums(inputRows, GH, da, GH, 1, bih.grad);
    if (bhh !== undefined) {
      if (resetAfterGru) b.columnSums(T * B, GH, dRecurrent, GH, 1, bhh.grad);
      else b.columnSums(inputRows, GH, da, GH, 1, bhh.grad);
    }
    // Gathered embedding rows are x, then (overwritten once dW_ih is formed) their gradient.
    const embedded = input.kind === 'tokens' && !viaTable ? this.embeddedRows(T * B) : undefined;
    const [x, dInput, beta]: [F, F, number] = input.kind === 'vectors' ? [input.x, dx, accumulate ? 1 : 0]
      : embedded !== undefined ? [embedded, embedded, 0] : [input.table, input.tableGrad, 1];
    b.gemm(true, false, GH, D, inputRows, 1, da, GH, x, D, 1, wih.grad, D);             // dW_ih += daᵀ · x
    b.gemm(false, false, inputRows, D, GH, 1, da, GH, wih.value, D, beta, dInput, D);   // dx (or dE) = da · W_ih
    if (input.kind === 'tokens' && embedded !== undefined) b.scatterAddRows(T * B, input.ids, embedded, D, input.tableGrad); // dE[ids] += dx
  }

  /** The [T·B, D] buffer of gathered embedding rows (token input, V > T·B), grown to `rows` rows. */
  private embeddedRows(rows: number): F {
    const size = rows * this.config.inputSize;
    if (this.embedded === undefined || this.embedded.length < size) {
      if (this.embedded !== undefined) this.backend.free(this.embedded);
      this.embedded = this.backend.alloc(size);
    }
    return this.embedded.subarray(0, size) as F;
  }

  /** The [V, G·H] buffer of the token-input path, grown to V rows. */
  private tokenBuffer(V: number): F {
    const size = V * this.G * this.config.hiddenSize;
    if (this.tokenRows === undefined || this.tokenRows.length < size) {
      if (this.tokenRows !== undefined) this.backend.free(this.tokenRows);
      this.tokenRows = this.backend.alloc(size);
    }
    return this.tokenRows.subarray(0, size) as F;
  }

  /** Allocates buffers for at least T steps of B rows. */
  private ensure(T: number, B: number): void {
    this.T = T;
    this.B = B;
    if (T <= this.capT && B <= this.capB) return;
    const b = this.backend;
    const { cell, hiddenSize: H } = this.config;
    const GH = this.G * H;
    if (this.capT > 0) {
      for (const buffer of [this.gates, this.states, this.cells, this.hn, this.hh, this.dgh, this.dh, this.dc]) {
        if (buffer !== undefined) b.free(buffer);
      }
    }
    const capT = Math.max(T, this.capT);
    const capB = Math.max(B, this.capB);
    this.gates = b.alloc(capT * capB * GH);
    this.states = b.alloc((capT + 1) * capB * H);
    this.dh = b.alloc(capB * H);
    if (cell === 'lstm') {
      this.cells = b.alloc((capT + 1) * capB * H);
      this.dc = b.alloc(capB * H);
    }
    if (cell === 'gru') {
      this.hn = b.alloc(capT * capB * H);
      this.hh = b.alloc(capB * (this.resetBefore ? H : GH));
      if (!this.resetBefore) this.dgh = b.alloc(capT * capB * GH);
    }
    this.capT = capT;
    this.capB = capB;
    this.cached = undefined;
  }

  private cached: StepViews<F> | undefined;

  /** Per-step views of the buffers for this (T, B), made once per shape, so the loops allocate nothing. */
  private views(T: number, B: number): StepViews<F> {
    if (this.cached === undefined || this.cached.T !== T || this.cached.B !== B) this.cached = stepViews(this.buffers(), this.viewShape(), T, B);
    return this.cached;
  }

  /** This direction's columns of an output-shaped [T, B, dirs·H] buffer, per step. */
  private outputViews(buffer: F, T: number, B: number): F[] {
    const { hiddenSize: H, dir, dirs } = this.config;
    return outputViews(buffer, H, dir, dirs, T, B);
  }

  /** Views from row rowsAt[t] on, for the steps where some sequences have ended. */
  private tailViews(layout: BatchLayout): (TailViews<F> | undefined)[] {
    return tailViews(this.buffers(), this.viewShape(), layout);
  }

  private buffers(): StepBuffers<F> {
    const { cell } = this.config;
    return { gates: this.gates, states: this.states, cells: cell === 'lstm' ? this.cells : undefined,
      hn: cell === 'gru' ? this.hn : undefined, dgh: cell === 'gru' && !this.resetBefore ? this.dgh : undefined };
  }

  private viewShape(): ViewShape {
    return { G: this.G, H: this.config.hiddenSize, dir: this.config.dir, resetBefore: this.resetBefore };
  }
}

/** What a direction computed at each step of its last forward, in time order. */
export interface RecordedSteps<F extends FloatArray> {
  /** h_t, the state after step t: [T, B, H]. */
  hidden: F;
  /** c_t (LSTM): [T, B, H]. */
  cell: F | undefined;
  /** The gates of step t, [T, B, G·H]: activations i, f, g, o (LSTM) or r, z, n (GRU); the pre-activation (RNN). */
  gates: F;
}

/** Whether token input is projected through the whole table (V ≤ T·B) rather than row by row. */
function projectsTable<F extends FloatArray>(input: DirectionInput<F>, rows: number): boolean {
  return input.kind === 'tokens' && input.vocabSize <= rows;
}
