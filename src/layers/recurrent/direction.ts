/**
 * One direction of one recurrent layer: the time loop, forward and backward.
 *
 * Legend: T steps, B batch, D input features, H hidden size, G gates (1, 4 or 3),
 * dirs directions of the layer. Rows are in the layer's internal order (longest
 * sequence first, see batch.ts), so step t works on rows [0, rowsAt[t]).
 *
 * Forward: one GEMM projects all steps' inputs, then per step one recurrent GEMM (with
 * W_hh packed once for all steps) and one fused cell kernel. When the input is token ids
 * into an embedding table E [V, D] (a language model's first layer), the projection is
 * E · W_ihᵀ [V, G·H] once and a row gather, and backward forms G = Σ of the gate
 * gradients per token [V, G·H], so dW_ih += Gᵀ · E and dE += G · W_ih: products over V
 * rows instead of T·B. Backward: per step the fused cell backward and one GEMM for
 * dh_{t−1}; then dW_ih, dW_hh, dx and the bias gradients as one GEMM or reduction each
 * over all steps. Buffers are allocated when a larger (T, B) arrives, never in the loop.
 * An LSTM whose rows all run every step makes one backend call per step instead (lstmStepForward,
 * lstmStepBackward: product and cell kernel together, one round of the wasm backend's threads).
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

/** Static description of a direction. */
export interface DirectionConfig {
  cell: CellKind;
  nonlinearity: RnnNonlinearity;
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

/** The parameters of a direction; biases absent when the layer has `bias: false`. */
export interface DirectionParams<F extends FloatArray> {
  wih: Parameter<F>;
  whh: Parameter<F>;
  bih: Parameter<F> | undefined;
  bhh: Parameter<F> | undefined;
}

export class Direction<F extends FloatArray> {
  private readonly G: number;
  private capT = 0;
  private capB = 0;
  // Buffers (allocated for capT × capB, used as prefixes for the current T × B):
  private gates!: F;     // [T, B, G·H] preactivations → activations (forward) → their gradients (backward)
  private states!: F;    // [T+1, B, H] hidden states, see the file comment
  private cells!: F;     // [T+1, B, H] cell states (LSTM)
  private hn!: F;        // [T, B, H] W_hn h + b_hn (GRU)
  private hh!: F;        // [B, 3H] per-step recurrent projection (GRU)
  private dgh!: F;       // [T, B, 3H] gradients of the recurrent preactivations (GRU)
  private dh!: F;        // [B, H] carried dh, after backward dh0
  private dc!: F;        // [B, H] carried dc (LSTM), after backward dc0
  private readonly zeroBias: F | undefined;  // [3H] stands in for b_hh in a GRU without bias
  private readonly packedWhhT: F;  // W_hhᵀ [H, G·H] packed once per forward for the per-step products
  private readonly packedWhh: F;   // W_hh [G·H, H] packed once per backward
  private tokenRows: F | undefined; // [V, G·H] per-token projections (forward), then summed gate gradients (backward)
  private T = 0;
  private B = 0;

  constructor(private readonly backend: Backend<F>, readonly config: DirectionConfig,
    private readonly params: DirectionParams<F>) {
    this.G = gatesOf(config.cell);
    this.zeroBias = config.cell === 'gru' && params.bhh === undefined ? backend.alloc(3 * config.hiddenSize) : undefined;
    const H = config.hiddenSize;
    this.packedWhhT = backend.alloc(backend.packedSize(H, this.G * H));
    this.packedWhh = backend.alloc(backend.packedSize(this.G * H, H));
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
    const { wih, whh, bih, bhh } = this.params;

    // All steps' input projections at once: gates = x · W_ihᵀ + b_ih (+ b_hh but for GRU). With
    // token input the biases go into the V projected rows before the gather (the same sums,
    // over V rows instead of T·B).
    const [inputRows, x, projected]: [number, F, F] = input.kind === 'vectors' ? [T * B, input.x, this.gates]
      : [input.vocabSize, input.table, this.tokenBuffer(input.vocabSize)];
    b.gemm(false, true, inputRows, GH, D, 1, x, D, wih.value, D, 0, projected, GH);
    if (bih !== undefined) b.addBias(inputRows, GH, bih.value, projected, GH);
    if (bhh !== undefined && cell !== 'gru') b.addBias(inputRows, GH, bhh.value, projected, GH);
    if (input.kind === 'tokens') b.gatherRows(T * B, input.ids, projected, GH, this.gates);

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
    b.packMatrix(true, H, GH, whh.value, H, whhT);
    if (cell === 'lstm' && layout.full) {
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
      if (cell === 'gru') {
        b.gemmPacked(false, rows, GH, H, 1, hPrev, H, whhT, 0, this.hh, GH);
        b.gruCellForward(rows, H, g, this.hh, bhhValue, hPrev, v.hn[t]!, hNext, yt, ldy);
      } else {
        b.gemmPacked(false, rows, GH, H, 1, hPrev, H, whhT, 1, g, GH);
        if (cell === 'lstm') b.lstmCellForward(rows, H, g, v.cPrev[t]!, v.cNext[t]!, hNext, yt, ldy);
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
    const { wih, whh, bih, bhh } = this.params;
    if (dhT === undefined) b.fill(B * H, 0, this.dh);
    else b.copy(B * H, dhT, this.dh);
    if (cell === 'lstm') {
      if (dcT === undefined) b.fill(B * H, 0, this.dc);
      else b.copy(B * H, dcT, this.dc);
    }
    const v = this.views(T, B);
    const dys = this.outputViews(dy, T, B);
    const packedWhh = this.packedWhh;
    b.packMatrix(false, GH, H, whh.value, H, packedWhh);
    const tails = this.tailViews(layout);
    if (cell === 'lstm' && layout.full) {
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
          if (cell === 'gru') b.fill((B - rows) * GH, 0, tail.dgh!);
        }
        if (cell === 'gru') {
          b.gruCellBackward(rows, H, g, v.hn[t]!, v.hPrev[t]!, dyt, ldy, this.dh, v.dgh[t]!);
          // dh_{t−1} = z ⊙ dh_t (left in dh by the kernel) + dgh · W_hh
          b.gemmPacked(false, rows, H, GH, 1, v.dgh[t]!, GH, packedWhh, 1, this.dh, H);
        } else {
          if (cell === 'lstm') b.lstmCellBackward(rows, H, g, v.cPrev[t]!, v.cNext[t]!, dyt, ldy, this.dh, this.dc);
          else b.rnnCellBackward(nonlinearity, rows, H, v.hNext[t]!, dyt, ldy, this.dh, g);
          // dh_{t−1} = da_t · W_hh
          b.gemmPacked(false, rows, H, GH, 1, g, GH, packedWhh, 0, this.dh, H);
        }
      }
    }
    // Parameter gradients over all steps at once. The state before step t is one block:
    const hPrevAll = (dir === 0 ? this.states.subarray(0, T * B * H) : this.states.subarray(B * H, (T + 1) * B * H)) as F;
    const dRecurrent = cell === 'gru' ? this.dgh : this.gates;
    b.gemm(true, false, GH, H, T * B, 1, dRecurrent, GH, hPrevAll, H, 1, whh.grad, H);     // dW_hh += dahᵀ · h_{t−1}
    // The input-side gate gradients per input row: da [T·B, G·H] against x, or with token input
    // G [V, G·H], G[v] = Σ_{id = v} da, against the table E — the same sums over V rows.
    let inputRows = T * B;
    let da = this.gates;
    if (input.kind === 'tokens') {
      inputRows = input.vocabSize;
      da = this.tokenBuffer(inputRows);
      b.fill(inputRows * GH, 0, da);
      b.scatterAddRows(T * B, input.ids, this.gates, GH, da);
    }
    if (bih !== undefined) b.columnSums(inputRows, GH, da, GH, 1, bih.grad);
    if (bhh !== undefined) {
      if (cell === 'gru') b.columnSums(T * B, GH, dRecurrent, GH, 1, bhh.grad);
      else b.columnSums(inputRows, GH, da, GH, 1, bhh.grad);
    }
    const [x, dInput, beta]: [F, F, number] = input.kind === 'vectors' ? [input.x, dx, accumulate ? 1 : 0] : [input.table, input.tableGrad, 1];
    b.gemm(true, false, GH, D, inputRows, 1, da, GH, x, D, 1, wih.grad, D);             // dW_ih += daᵀ · x
    b.gemm(false, false, inputRows, D, GH, 1, da, GH, wih.value, D, beta, dInput, D);   // dx (or dE) = da · W_ih
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
      this.hh = b.alloc(capB * GH);
      this.dgh = b.alloc(capT * capB * GH);
    }
    this.capT = capT;
    this.capB = capB;
    this.cached = undefined;
  }

  private cached: StepViews<F> | undefined;

  /** Per-step views of the buffers for this (T, B), made once per shape, so the loops allocate nothing. */
  private views(T: number, B: number): StepViews<F> {
    if (this.cached !== undefined && this.cached.T === T && this.cached.B === B) return this.cached;
    const { cell, hiddenSize: H, dir } = this.config;
    const GH = this.G * H;
    const per = (buffer: F, rowWidth: number, slot: (t: number) => number): F[] =>
      Array.from({ length: T }, (_, t) => buffer.subarray(slot(t) * B * rowWidth) as F);
    const same = (t: number): number => t;
    const prev = (t: number): number => (dir === 0 ? t : t + 1);
    const next = (t: number): number => (dir === 0 ? t + 1 : t);
    this.cached = {
      T,
      B,
      gates: per(this.gates, GH, same),
      hPrev: per(this.states, H, prev),
      hNext: per(this.states, H, next),
      cPrev: cell === 'lstm' ? per(this.cells, H, prev) : [],
      cNext: cell === 'lstm' ? per(this.cells, H, next) : [],
      hn: cell === 'gru' ? per(this.hn, H, same) : [],
      dgh: cell === 'gru' ? per(this.dgh, GH, same) : [],
    };
    return this.cached;
  }

  /** This direction's columns of an output-shaped [T, B, dirs·H] buffer, per step. */
  private outputViews(buffer: F, T: number, B: number): F[] {
    const { hiddenSize: H, dir, dirs } = this.config;
    return Array.from({ length: T }, (_, t) => buffer.subarray(t * B * dirs * H + dir * H) as F);
  }

  /** Views from row rowsAt[t] on, for the steps where some sequences have ended (undefined elsewhere). */
  private tailViews(layout: BatchLayout): (TailViews<F> | undefined)[] {
    const { T, B, rowsAt, full } = layout;
    if (full) return [];
    const { cell, hiddenSize: H, dir } = this.config;
    const GH = this.G * H;
    return Array.from({ length: T }, (_, t) => {
      const rows = rowsAt[t];
      if (rows === B) return undefined;
      const prev = dir === 0 ? t : t + 1;
      const next = dir === 0 ? t + 1 : t;
      const at = (buffer: F, slot: number, width: number): F => buffer.subarray((slot * B + rows) * width) as F;
      return {
        gates: at(this.gates, t, GH),
        hPrev: at(this.states, prev, H),
        hNext: at(this.states, next, H),
        cPrev: cell === 'lstm' ? at(this.cells, prev, H) : undefined,
        cNext: cell === 'lstm' ? at(this.cells, next, H) : undefined,
        dgh: cell === 'gru' ? at(this.dgh, t, GH) : undefined,
      };
    });
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

/** Views of the buffers at each step t (row 0 of the step). */
interface StepViews<F extends FloatArray> {
  T: number;
  B: number;
  gates: F[];
  hPrev: F[];
  hNext: F[];
  cPrev: F[];
  cNext: F[];
  hn: F[];
  dgh: F[];
}

/** Views at row rowsAt[t] of step t: where the sequences that have ended begin. */
interface TailViews<F extends FloatArray> {
  gates: F;
  hPrev: F;
  hNext: F;
  cPrev: F | undefined;
  cNext: F | undefined;
  dgh: F | undefined;
}
