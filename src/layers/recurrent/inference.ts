/**
 * One direction's forward pass for inference only: the same steps as Direction.forward (the
 * step math is Direction's own, passed in), but nothing is kept for backward. The input
 * projections are formed a chunk of steps at a time (a chunk's gates stay in cache while its
 * steps run) instead of for all T steps at once, and the states live in two [B, H] slots that
 * take turns as h_{t−1} and h_t, so memory does not grow with T and every step reads and
 * writes cached buffers.
 *
 * Legend: T steps, B batch, D input features, H hidden size, S state size (H, or P for a
 * projected LSTM), G gates (1, 4 or 3), dirs directions; rows in the layer's internal order (see batch.ts), step t works on rows
 * [0, rowsAt[t]).
 */
import type { Backend, FloatArray } from '../../backend/backend.js';
import type { BatchLayout } from './batch.js';
import type { DirectionConfig } from './direction.js';

/** Floats of gate preactivations projected at once (about 1 MiB), at least one step's worth. */
const CHUNK_FLOATS = 1 << 18;

/** The direction's own computations, which the pass runs in its buffers. */
export interface StepFunctions<F extends FloatArray> {
  /**
   * Step t on its first `rows` rows: g [B, G·H] (projections in, gates out), states before and
   * after, hn [B, H] and hh [B, 3H] scratch, m [B, H] scratch of a projected LSTM, yt the
   * step's output row.
   */
  step(rows: number, g: F, hPrev: F, hNext: F, cPrev: F | undefined, cNext: F | undefined, hn: F, hh: F, m: F | undefined,
    yt: F): void;
  /** A whole LSTM step of all B rows as one backend call. */
  fusedStep(B: number, g: F, hPrev: F, hNext: F, cPrev: F, cNext: F, yt: F): void;
}

export class InferencePass<F extends FloatArray> {
  private capB = 0;
  private capGates = 0;
  private gates!: F;                  // [chunk, B, G·H] input projections of a chunk of steps
  private readonly slotsH: F[] = [];  // 2 × [B, S]: h_{t−1} and h_t, taking turns
  private readonly slotsC: F[] = [];  // 2 × [B, H]: c_{t−1} and c_t (LSTM)
  private hn!: F;                     // [B, H] per-step GRU scratch, not kept
  private hh!: F;                     // [B, 3H] per-step recurrent projection (GRU)
  private m: F | undefined;           // [B, H] o ⊙ tanh(c_t) of a projected LSTM, not kept
  private last = 0;                   // the slot holding the final states

  constructor(private readonly backend: Backend<F>, private readonly config: DirectionConfig, private readonly G: number,
    private readonly fns: StepFunctions<F>) {}

  /** Final hidden state [B, S] of the last run. */
  finalH(B: number): F {
    return this.slotsH[this.last]!.subarray(0, B * this.stateSize()) as F;
  }

  /** Final cell state [B, H] of the last run (LSTM). */
  finalC(B: number): F {
    return this.slotsC[this.last]!.subarray(0, B * this.config.hiddenSize) as F;
  }

  /**
   * Runs the direction over the input, writing its S columns of y [T, B, dirs·S] as
   * Direction.forward does (rows that do not run at a step are left as they are).
   * @param fused every step is one {@link StepFunctions.fusedStep} call.
   * @param project out [rows, G·H] = the input projections of this run's input rows
   *   [firstRow, firstRow + rows), biases included.
   */
  run(layout: BatchLayout, y: F, h0: F | undefined, c0: F | undefined, fused: boolean,
    project: (firstRow: number, rows: number, out: F) => void): void {
    const b = this.backend;
    const { cell, hiddenSize: H, dir, dirs } = this.config;
    const { T, B, rowsAt } = layout;
    const GH = this.G * H;
    const S = this.stateSize();
    const ldy = dirs * S;
    const chunk = this.ensure(B);
    let cur = 0;
    const [h, c] = [this.slotsH, this.slotsC];
    if (h0 === undefined) b.fill(B * S, 0, h[0]!);
    else b.copy(B * S, h0, h[0]!);
    if (cell === 'lstm') {
      if (c0 === undefined) b.fill(B * H, 0, c[0]!);
      else b.copy(B * H, c0, c[0]!);
    }
    // Chunks of steps in the order the direction runs them; inside a chunk, steps in that order too.
    for (let done = 0; done < T; done += chunk) {
      const steps = Math.min(chunk, T - done);
      const t0 = dir === 0 ? done : T - done - steps;   // the chunk is steps [t0, t0 + steps)
      const gates = this.gates.subarray(0, steps * B * GH) as F;
      project(t0 * B, steps * B, gates);
      for (let s = 0; s < steps; s++) {
        const t = dir === 0 ? t0 + s : t0 + steps - 1 - s;
        const g = gates.subarray((t - t0) * B * GH) as F;
        const yt = y.subarray(t * B * ldy + dir * S) as F;
        const hPrev: F = h[cur]!, hNext: F = h[1 - cur]!;
        const cPrev: F | undefined = c[cur], cNext: F | undefined = c[1 - cur];
        const rows = rowsAt[t];
        if (fused) this.fns.fusedStep(B, g, hPrev, hNext, cPrev!, cNext!, yt);
        else this.fns.step(rows, g, hPrev, hNext, cPrev, cNext, this.hn, this.hh, this.m, yt);
        if (rows < B) {
          // Sequences that are not running at step t keep their state.
          b.copy((B - rows) * S, hPrev.subarray(rows * S) as F, hNext.subarray(rows * S) as F);
          if (cell === 'lstm') b.copy((B - rows) * H, cPrev!.subarray(rows * H) as F, cNext!.subarray(rows * H) as F);
        }
        cur = 1 - cur;
      }
    }
    this.last = cur;
  }

  /** Buffers for B rows; returns the steps per chunk. */
  private ensure(B: number): number {
    const { cell, hiddenSize: H } = this.config;
    const GH = this.G * H;
    const steps = Math.max(1, Math.floor(CHUNK_FLOATS / (B * GH)));
    const gateFloats = steps * B * GH;
    if (B <= this.capB && gateFloats <= this.capGates) return steps;
    const b = this.backend;
    if (this.capB > 0) {
      for (const buffer of [this.gates, ...this.slotsH, ...this.slotsC, this.hn, this.hh]) b.free(buffer);
      if (this.m !== undefined) b.free(this.m);
    }
    const capB = Math.max(B, this.capB);
    this.capGates = Math.max(gateFloats, this.capGates);
    this.gates = b.alloc(this.capGates);
    const states = (n: number): F[] => [b.alloc(n), b.alloc(n)];
    this.slotsH.splice(0, 2, ...states(capB * this.stateSize()));
    this.slotsC.splice(0, 2, ...states(cell === 'lstm' ? capB * H : 0));
    this.hn = b.alloc(cell === 'gru' ? capB * H : 0);
    this.hh = b.alloc(cell === 'gru' ? capB * GH : 0);
    this.m = this.config.projSize > 0 ? b.alloc(capB * H) : undefined;
    this.capB = capB;
    return steps;
  }

  /** S: the hidden size, or the projected size of a projected LSTM. */
  private stateSize(): number {
    return this.config.projSize > 0 ? this.config.projSize : this.config.hiddenSize;
  }
}
