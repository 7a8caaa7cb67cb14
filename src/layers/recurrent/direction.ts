/**
 * One direction of one recurrent layer: the time loop, forward and backward.
 *
 * Legend: T steps, B batch, D input features, H hidden size, S state size (H, or P for a
 * projected LSTM), G gates (1, 4 or 3), dirs directions of the layer. Rows are in the layer's internal order (longest
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
 * times the cell states, over all steps at once. A projected LSTM (LSTMP, Sak et al. 2014;
 * PyTorch's `proj_size`) keeps m_t = o ⊙ tanh(c_t) [T, B, H] and carries h_t = m_t · W_hrᵀ [B, P]:
 * per step one more product, m_t · W_hrᵀ, written to h_t and to the output row y_t; backward
 * forms dm_t = (dy_t + dh_t) · W_hr per step and dW_hr += (dy + dh)ᵀ · m.
 *
 * States: the states buffer holds T+1 hidden states. The forward direction reads h_{t−1} from S[t] and
 * writes h_t to S[t+1] (S[0] = h0); the reverse one reads S[t+1] and writes S[t]
 * (S[T] = h0). So "the state before step t" is one contiguous [T·B, H] block in both.
 * Rows that do not run at step t carry their state over unchanged. The buffers and their
 * per-step views are in direction-buffers.ts.
 */
import type { Backend, FloatArray, RnnNonlinearity } from '../../backend/backend.js';
import type { Parameter } from '../parameters.js';
import { Workspace } from '../../tensor/workspace.js';
import type { BatchLayout } from './batch.js';
import { DirectionBuffers } from './direction-buffers.js';
import { InferencePass } from './inference.js';
import type { CellKind } from './options.js';

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
  /** LSTM: projected state size P, or 0 for none. */
  projSize: number;
  /** 0 forward, 1 reverse. */
  dir: 0 | 1;
  /** Directions of the layer (the output row stride is dirs·S). */
  dirs: number;
}

/** Token ids [T·B] into an embedding table [V, D], with the table's gradient. */
type TokenIdsInput<F extends FloatArray> = { kind: 'tokens'; ids: Int32Array; table: F; tableGrad: F; vocabSize: number };

/** What a direction reads: input vectors [T·B, D], or token ids into an embedding table [V, D]. */
export type DirectionInput<F extends FloatArray> = { kind: 'vectors'; x: F } | TokenIdsInput<F>;

/** The parameters of a direction; biases absent when the layer has `bias: false`, peepholes but for a peephole LSTM. */
export interface DirectionParams<F extends FloatArray> {
  wih: Parameter<F>;
  whh: Parameter<F>;
  bih: Parameter<F> | undefined;
  bhh: Parameter<F> | undefined;
  /** [3H] p_i, p_f, p_o. */
  peepholes: Parameter<F> | undefined;
  /** [P, H] the projection of a projected LSTM. */
  whr: Parameter<F> | undefined;
}

export class Direction<F extends FloatArray> extends DirectionBuffers<F> {
  private readonly zeroBias: F | undefined; // [3H] stands in for b_hh in a GRU without bias
  private readonly packedWhhT: F; // W_hhᵀ [S, G·H] (reset-before GRU: W_h{r,z}ᵀ [H, 2H]) packed once per forward
  private readonly packedWhh: F; // W_hh [G·H, S] (reset-before GRU: W_h{r,z} [2H, H]) packed once per backward
  private readonly packedWhrT: F | undefined; // W_hrᵀ [H, P] (projected LSTM)
  private readonly packedWhr: F | undefined; // W_hr [P, H] (projected LSTM)
  private readonly packedWhnT: F | undefined; // W_hnᵀ [H, H] (reset-before GRU)
  private readonly packedWhn: F | undefined; // W_hn [H, H] (reset-before GRU)
  private readonly embedded: Workspace<F, 'x', never, number>; // [T·B, D] gathered embedding rows (token input)
  private inference: InferencePass<F> | undefined; // the forward-only pass, made on first use
  private inferred = false; // whether the last forward was that pass

  constructor(
    backend: Backend<F>,
    config: DirectionConfig,
    private readonly params: DirectionParams<F>,
  ) {
    super(backend, config, params.whr !== undefined);
    const H = config.hiddenSize;
    const { S } = this;
    const resetAfterGru = config.cell === 'gru' && !this.resetBefore;
    this.zeroBias = resetAfterGru && params.bhh === undefined ? backend.alloc(3 * H) : undefined;
    this.packedWhhT = backend.alloc(backend.packedSize(S, this.direct));
    this.packedWhh = backend.alloc(backend.packedSize(this.direct, S));
    this.packedWhrT = params.whr === undefined ? undefined : backend.alloc(backend.packedSize(H, S));
    this.packedWhr = params.whr === undefined ? undefined : backend.alloc(backend.packedSize(S, H));
    this.packedWhnT = this.resetBefore ? backend.alloc(backend.packedSize(H, H)) : undefined;
    this.packedWhn = this.resetBefore ? backend.alloc(backend.packedSize(H, H)) : undefined;
    this.embedded = new Workspace(backend, { floats: { x: (rows: number) => rows * config.inputSize } }, this);
  }

  /** Final hidden state [B, S] of the last forward or forward-only pass (internal row order). */
  override finalH(): F {
    return this.inferred ? this.inference!.finalH(this.B) : super.finalH();
  }

  /** Final cell state [B, H] of the last forward or forward-only pass (LSTM). */
  override finalC(): F {
    return this.inferred ? this.inference!.finalC(this.B) : super.finalC();
  }

  /**
   * Runs the direction over x [T·B, D], writing its S columns of y [T, B, dirs·S]
   * (rows that do not run at a step are left as they are; the caller zeroes y).
   * h0 [B, S], c0 [B, H]: initial states, or undefined for zeros.
   */
  forward(layout: BatchLayout, input: DirectionInput<F>, y: F, h0: F | undefined, c0: F | undefined): void {
    const b = this.backend;
    const { cell, hiddenSize: H, dir, dirs } = this.config;
    const { T, B, rowsAt } = layout;
    const { S } = this;
    const ldy = dirs * S;
    this.ensure(T, B);
    this.inferred = false;

    // All steps' input projections at once.
    this.projectSteps(input, 0, T * B, this.tableProjections(input, T * B), this.gates);

    // Initial states.
    const first = dir === 0 ? 0 : T;
    const s0 = this.states.subarray(first * B * S, (first + 1) * B * S) as F;
    if (h0 === undefined) b.fill(B * S, 0, s0);
    else b.copy(B * S, h0, s0);
    if (cell === 'lstm') {
      const c0v = this.cells.subarray(first * B * H, (first + 1) * B * H) as F;
      if (c0 === undefined) b.fill(B * H, 0, c0v);
      else b.copy(B * H, c0, c0v);
    }

    const v = this.views(T, B);
    const ys = this.outputViews(y, T, B);
    const tails = this.tailViews(layout);
    this.packRecurrentT();
    if (this.fusedSteps(layout)) {
      // Every row runs every step: one fused call per step (product and cell kernel).
      for (let s = 0; s < T; s++) {
        const t = dir === 0 ? s : T - 1 - s;
        b.lstmStepForward(B, H, v.hPrev[t], this.packedWhhT, v.gates[t], v.cPrev[t], v.cNext[t], v.hNext[t], ys[t], ldy);
      }
      return;
    }
    for (let s = 0; s < T; s++) {
      const t = dir === 0 ? s : T - 1 - s;
      const rows = rowsAt[t];
      this.step(rows, v.gates[t], v.hPrev[t], v.hNext[t], v.cPrev[t], v.cNext[t], v.hn[t], this.hh, v.m[t], ys[t]);
      const tail = tails[t];
      if (tail !== undefined) {
        // Sequences that are not running at step t keep their state.
        b.copy((B - rows) * S, tail.hPrev, tail.hNext);
        if (cell === 'lstm') b.copy((B - rows) * H, tail.cPrev!, tail.cNext!);
        if (this.projected) b.fill((B - rows) * H, 0, tail.m!);
      }
    }
  }

  /**
   * Whether every step runs as one fused backend call (an LSTM without peepholes or projection
   * whose rows all run every step).
   */
  private fusedSteps(layout: BatchLayout): boolean {
    return this.config.cell === 'lstm' && layout.full && this.params.peepholes === undefined && !this.projected;
  }

  /** Packs W_hhᵀ (and W_hnᵀ of a reset-before GRU, W_hrᵀ of a projected LSTM) for the per-step products of a forward. */
  private packRecurrentT(): void {
    const b = this.backend;
    const H = this.config.hiddenSize;
    const { S } = this;
    const { whh, whr } = this.params;
    b.packMatrix(true, S, this.direct, whh.value, S, this.packedWhhT);
    if (this.packedWhnT !== undefined) b.packMatrix(true, H, H, whh.value.subarray(2 * H * H) as F, H, this.packedWhnT);
    if (whr !== undefined) b.packMatrix(true, H, S, whr.value, H, this.packedWhrT!);
  }

  /**
   * Forward step t on its first `rows` rows: g [B, G·H] holds the step's input projections and
   * becomes its gates; hPrev, hNext [B, S] the states before and after (cPrev, cNext [B, H] for
   * an LSTM); hn [B, H] keeps W_hn h + b_hn (GRU, reset after) or r ⊙ h_{t−1} (reset before);
   * hh [B, 3H] is scratch for a reset-after GRU's recurrent product; m [B, H] keeps
   * o ⊙ tanh(c_t) of a projected LSTM; yt the step's row of the output (stride dirs·S).
   */
  private step(
    rows: number,
    g: F,
    hPrev: F,
    hNext: F,
    cPrev: F | undefined,
    cNext: F | undefined,
    hn: F,
    hh: F,
    m: F | undefined,
    yt: F,
  ): void {
    const b = this.backend;
    const { cell, nonlinearity, hiddenSize: H, dirs } = this.config;
    const { S } = this;
    const GH = this.G * H;
    const ldy = dirs * S;
    const whhT = this.packedWhhT;
    const { bhh, peepholes } = this.params;
    if (this.resetBefore) {
      b.gemmPacked(false, rows, 2 * H, H, 1, hPrev, H, whhT, 1, g, GH); // [a_r, a_z] += h_{t−1} · W_h{r,z}ᵀ
      b.gruGatesForward(rows, H, g, hPrev, hn); // r, z; hn = r ⊙ h_{t−1}
      b.gemmPacked(false, rows, H, H, 1, hn, H, this.packedWhnT!, 1, g.subarray(2 * H) as F, GH); // a_n += hn · W_hnᵀ
      b.gruCandidateForward(rows, H, g, hPrev, hNext, yt, ldy); // n, h_t
    } else if (cell === 'gru') {
      b.gemmPacked(false, rows, GH, H, 1, hPrev, H, whhT, 0, hh, GH);
      b.gruCellForward(rows, H, g, hh, bhh?.value ?? this.zeroBias!, hPrev, hn, hNext, yt, ldy);
    } else {
      b.gemmPacked(false, rows, GH, S, 1, hPrev, S, whhT, 1, g, GH);
      if (m !== undefined) {
        b.lstmCellForward(rows, H, g, cPrev!, cNext!, m, m, H, peepholes?.value); // m_t = o ⊙ tanh(c_t)
        b.gemmPacked(false, rows, S, H, 1, m, H, this.packedWhrT!, 0, hNext, S); // h_t = m_t · W_hrᵀ
        b.gemmPacked(false, rows, S, H, 1, m, H, this.packedWhrT!, 0, yt, ldy); // y_t = h_t
      } else if (cell === 'lstm') {
        b.lstmCellForward(rows, H, g, cPrev!, cNext!, hNext, yt, ldy, peepholes?.value);
      } else {
        b.rnnCellForward(nonlinearity, rows, H, g, hNext, yt, ldy);
      }
    }
  }

  /**
   * The forward pass without keeping anything for backward (see inference.ts): the same
   * outputs and final states as {@link forward}, in memory that does not grow with T.
   * {@link backward} must not follow it.
   */
  infer(layout: BatchLayout, input: DirectionInput<F>, y: F, h0: F | undefined, c0: F | undefined): void {
    this.T = layout.T;
    this.B = layout.B;
    this.packRecurrentT();
    const tableRows = this.tableProjections(input, layout.T * layout.B);
    this.inference ??= new InferencePass(this.backend, this.config, this.G, {
      step: (rows, g, hPrev, hNext, cPrev, cNext, hn, hh, m, yt) => this.step(rows, g, hPrev, hNext, cPrev, cNext, hn, hh, m, yt),
      fusedStep: (B, g, hPrev, hNext, cPrev, cNext, yt) =>
        this.backend.lstmStepForward(
          B,
          this.config.hiddenSize,
          hPrev,
          this.packedWhhT,
          g,
          cPrev,
          cNext,
          hNext,
          yt,
          this.config.dirs * this.S,
        ),
    });
    this.inference.run(layout, y, h0, c0, this.fusedSteps(layout), (firstRow, rows, out) =>
      this.projectSteps(input, firstRow, rows, tableRows, out),
    );
    this.inferred = true;
  }

  /**
   * Input projections of `rows` input rows x [rows, D]: out [rows, G·H] = x · W_ihᵀ + b_ih
   * (+ b_hh, but for a GRU whose reset gate multiplies it).
   */
  private project(rows: number, x: F, out: F): void {
    const b = this.backend;
    const { cell, inputSize: D, hiddenSize: H } = this.config;
    const GH = this.G * H;
    const { wih, bih, bhh } = this.params;
    b.gemm(false, true, rows, GH, D, 1, x, D, wih.value, D, 0, out, GH);
    if (bih !== undefined) b.addBias(rows, GH, bih.value, out, GH);
    if (bhh !== undefined && !(cell === 'gru' && !this.resetBefore)) b.addBias(rows, GH, bhh.value, out, GH);
  }

  /**
   * With token input and a vocabulary no larger than the `rows` input rows: the projections of
   * the V table rows [V, G·H], the same sums over V rows instead of T·B. Otherwise undefined.
   */
  private tableProjections(input: DirectionInput<F>, rows: number): F | undefined {
    if (!projectsTable(input, rows)) return undefined;
    const projected = this.tokenBuffer(input.vocabSize);
    this.project(input.vocabSize, input.table, projected);
    return projected;
  }

  /**
   * The input projections of input rows [firstRow, firstRow + rows) into out [rows, G·H]: of the
   * vectors; of token input, a gather of the table's projections `tableRows` when there are
   * some, else the embedding rows gathered, then projected.
   */
  private projectSteps(input: DirectionInput<F>, firstRow: number, rows: number, tableRows: F | undefined, out: F): void {
    const b = this.backend;
    const { inputSize: D, hiddenSize: H } = this.config;
    if (input.kind === 'vectors') {
      this.project(rows, input.x.subarray(firstRow * D) as F, out);
    } else if (tableRows !== undefined) {
      b.gatherRows(rows, input.ids.subarray(firstRow), tableRows, this.G * H, out);
    } else {
      const x = this.embeddedRows(rows);
      b.gatherRows(rows, input.ids.subarray(firstRow), input.table, D, x); // x = E[ids]
      this.project(rows, x, out);
    }
  }

  /** The [T·B, D] buffer of gathered embedding rows (token input, V > T·B), grown to `rows` rows. */
  private embeddedRows(rows: number): F {
    return this.embedded.views(rows).x;
  }

  /**
   * Backpropagates through the last forward. dy [T, B, dirs·S] holds dL/dy (zero where a
   * sequence had ended); dhT [B, S], dcT [B, H] the gradients of the final states (or undefined).
   * Accumulates the parameter gradients and writes (accumulate = false) or adds to dx [T·B, D]
   * (vector input), or adds to the embedding table's gradient (token input).
   */
  backward(layout: BatchLayout, input: DirectionInput<F>, dy: F, dx: F, accumulate: boolean, dhT: F | undefined, dcT: F | undefined): void {
    const b = this.backend;
    const { cell, nonlinearity, inputSize: D, hiddenSize: H, dir, dirs } = this.config;
    const { T, B, rowsAt } = layout;
    const { S } = this;
    const GH = this.G * H;
    const ldy = dirs * S;
    const { wih, whh, bih, bhh, peepholes, whr } = this.params;
    const resetAfterGru = cell === 'gru' && !this.resetBefore;
    if (dhT === undefined) b.fill(B * S, 0, this.dh);
    else b.copy(B * S, dhT, this.dh);
    if (cell === 'lstm') {
      if (dcT === undefined) b.fill(B * H, 0, this.dc);
      else b.copy(B * H, dcT, this.dc);
    }
    const v = this.views(T, B);
    const dys = this.outputViews(dy, T, B);
    const packedWhh = this.packedWhh;
    b.packMatrix(false, this.direct, S, whh.value, S, packedWhh);
    if (this.packedWhn !== undefined) b.packMatrix(false, H, H, whh.value.subarray(2 * H * H) as F, H, this.packedWhn);
    if (whr !== undefined) b.packMatrix(false, S, H, whr.value, H, this.packedWhr!);
    const tails = this.tailViews(layout);
    if (cell === 'lstm' && layout.full && peepholes === undefined && whr === undefined) {
      // Every row ran every step: the cell backward of the last step, then per step one fused call,
      // dh_{t−1} = da_t · W_hh and the cell backward of the step before.
      const at = (s: number): number => (dir === 0 ? s : T - 1 - s);
      const tLast = at(T - 1);
      b.lstmCellBackward(B, H, v.gates[tLast], v.cPrev[tLast], v.cNext[tLast], dys[tLast], ldy, this.dh, this.dc);
      for (let s = T - 1; s >= 0; s--) {
        const t = at(s);
        const before = at(Math.max(s - 1, 0));
        b.lstmStepBackward(
          B,
          H,
          v.gates[t],
          packedWhh,
          this.dh,
          s > 0 ? B : 0,
          v.gates[before],
          v.cPrev[before],
          v.cNext[before],
          dys[before],
          ldy,
          this.dc,
        );
      }
    } else {
      // Steps in the reverse of the order forward ran them.
      for (let s = T - 1; s >= 0; s--) {
        const t = dir === 0 ? s : T - 1 - s;
        const rows = rowsAt[t];
        const g = v.gates[t];
        const dyt = dys[t];
        const tail = tails[t];
        if (tail !== undefined) {
          // Rows that did not run at step t get no gradient from it.
          b.fill((B - rows) * GH, 0, tail.gates);
          if (resetAfterGru) b.fill((B - rows) * GH, 0, tail.dgh!);
        }
        if (this.resetBefore) {
          const hPrev = v.hPrev[t];
          b.gruCandidateBackward(rows, H, g, hPrev, dyt, ldy, this.dh); // da_z, da_n; dh = z ⊙ dh_t
          b.gemmPacked(false, rows, H, H, 1, v.gatesN[t], GH, this.packedWhn!, 0, this.hh, H); // d(r ⊙ h_{t−1}) = da_n · W_hn
          b.gruGatesBackward(rows, H, g, hPrev, this.hh, this.dh); // da_r; dh += d(r ⊙ h_{t−1}) ⊙ r
          b.gemmPacked(false, rows, H, 2 * H, 1, g, GH, packedWhh, 1, this.dh, H); // dh += [da_r, da_z] · W_h{r,z}
        } else if (cell === 'gru') {
          b.gruCellBackward(rows, H, g, v.hn[t], v.hPrev[t], dyt, ldy, this.dh, v.dgh[t]);
          // dh_{t−1} = z ⊙ dh_t (left in dh by the kernel) + dgh · W_hh
          b.gemmPacked(false, rows, H, GH, 1, v.dgh[t], GH, packedWhh, 1, this.dh, H);
        } else {
          if (whr !== undefined) {
            // h_t = m_t · W_hrᵀ, and y_t = h_t: dm_t = dy_t · W_hr + dh_t · W_hr; dW_hr += dh_tᵀ · m_t (dy's share after the loop)
            b.gemmPacked(false, rows, H, S, 1, dyt, ldy, this.packedWhr!, 0, this.dmy, H);
            b.gemmPacked(false, rows, H, S, 1, this.dh, S, this.packedWhr!, 0, this.dmh, H);
            b.gemm(true, false, S, H, rows, 1, this.dh, S, v.m[t], H, 1, whr.grad, H);
            b.lstmCellBackward(rows, H, g, v.cPrev[t], v.cNext[t], this.dmy, H, this.dmh, this.dc, peepholes?.value);
          } else if (cell === 'lstm') {
            b.lstmCellBackward(rows, H, g, v.cPrev[t], v.cNext[t], dyt, ldy, this.dh, this.dc, peepholes?.value);
          } else {
            b.rnnCellBackward(nonlinearity, rows, H, v.hNext[t], dyt, ldy, this.dh, g);
          }
          // dh_{t−1} = da_t · W_hh
          b.gemmPacked(false, rows, S, GH, 1, g, GH, packedWhh, 0, this.dh, S);
        }
      }
    }
    // Parameter gradients over all steps at once. The state before step t is one block, the
    // state after it another, one slot later (forward) or earlier (reverse).
    const slotBefore = dir === 0 ? 0 : 1;
    const hPrevAll = this.states.subarray(slotBefore * B * S, (slotBefore + T) * B * S) as F;
    const dRecurrent = resetAfterGru ? this.dgh : this.gates;
    b.gemm(true, false, this.direct, S, T * B, 1, dRecurrent, GH, hPrevAll, S, 1, whh.grad, S); // dW_hh += dahᵀ · h_{t−1}
    // dW_hr += dyᵀ · m
    if (whr !== undefined) b.gemm(true, false, S, H, T * B, 1, dy.subarray(dir * S) as F, ldy, this.m, H, 1, whr.grad, H);
    if (this.resetBefore) {
      // dW_hn += da_nᵀ · (r ⊙ h_{t−1})
      b.gemm(true, false, H, H, T * B, 1, this.gates.subarray(2 * H) as F, GH, this.hn, H, 1, whh.grad.subarray(2 * H * H) as F, H);
    }
    if (peepholes !== undefined) {
      // dp_i += Σ da_i ⊙ c_{t−1}, dp_f += Σ da_f ⊙ c_{t−1}, dp_o += Σ da_o ⊙ c_t
      const cPrevAll = this.cells.subarray(slotBefore * B * H, (slotBefore + T) * B * H) as F;
      const cNextAll = this.cells.subarray((1 - slotBefore) * B * H, (1 - slotBefore + T) * B * H) as F;
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
    const [x, dInput, beta]: [F, F, number] =
      input.kind === 'vectors'
        ? [input.x, dx, accumulate ? 1 : 0]
        : embedded !== undefined
          ? [embedded, embedded, 0]
          : [input.table, input.tableGrad, 1];
    b.gemm(true, false, GH, D, inputRows, 1, da, GH, x, D, 1, wih.grad, D); // dW_ih += daᵀ · x
    b.gemm(false, false, inputRows, D, GH, 1, da, GH, wih.value, D, beta, dInput, D); // dx (or dE) = da · W_ih
    // dE[ids] += dx
    if (input.kind === 'tokens' && embedded !== undefined) b.scatterAddRows(T * B, input.ids, embedded, D, input.tableGrad);
  }
}

/** Whether token input is projected through the whole table (V ≤ T·B) rather than row by row. */
function projectsTable<F extends FloatArray>(input: DirectionInput<F>, rows: number): input is TokenIdsInput<F> {
  return input.kind === 'tokens' && input.vocabSize <= rows;
}
