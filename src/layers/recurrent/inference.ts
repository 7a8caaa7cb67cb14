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
import { type SizeOf, Workspace } from '../../tensor/workspace.js';
import type { DirectionConfig } from './direction.js';
import { stateSizeOf } from './options.js';

/** Floats of gate preactivations projected at once (about 1 MiB), at least one step's worth. */
const CHUNK_FLOATS = 1 << 18;

/** The direction's own computations, which the pass runs in its buffers. */
export interface StepFunctions<F extends FloatArray> {
  /**
   * Step t on its first `rows` rows: g [B, G·H] (projections in, gates out), states before and
   * after, hn [B, H] and hh [B, 3H] scratch, m [B, H] scratch of a projected LSTM, yt the
   * step's output row.
   */
  step(rows: number, g: F, hPrev: F, hNext: F, cPrev: F | undefined, cNext: F | undefined, hn: F, hh: F, m: F | undefined, yt: F): void;
  /** A whole LSTM step of all B rows as one backend call. */
  fusedStep(B: number, g: F, hPrev: F, hNext: F, cPrev: F, cNext: F, yt: F): void;
}

/** The buffers of the pass: none grows with T. */
type InferenceBuffer = 'gates' | 'h0' | 'h1' | 'c0' | 'c1' | 'hn' | 'hh' | 'm';

export class InferencePass<F extends FloatArray> {
  /** The buffers for B rows, planned by {@link inferencePlan}. */
  private readonly workspace: Workspace<F, InferenceBuffer, never, number>;
  private last = 0; // the slot holding the final states

  constructor(
    private readonly backend: Backend<F>,
    private readonly config: DirectionConfig,
    private readonly G: number,
    private readonly fns: StepFunctions<F>,
  ) {
    this.workspace = new Workspace(backend, { floats: inferencePlan(config, G) }, this);
  }

  /** Final hidden state [B, S] of the last run. */
  finalH(B: number): F {
    return this.slots(this.workspace.last).h[this.last].subarray(0, B * stateSizeOf(this.config)) as F;
  }

  /** Final cell state [B, H] of the last run (LSTM). */
  finalC(B: number): F {
    return this.slots(this.workspace.last).c[this.last].subarray(0, B * this.config.hiddenSize) as F;
  }

  /**
   * Runs the direction over the input, writing its S columns of y [T, B, dirs·S] as
   * Direction.forward does (rows that do not run at a step are left as they are).
   * @param fused every step is one {@link StepFunctions.fusedStep} call.
   * @param project out [rows, G·H] = the input projections of this run's input rows
   *   [firstRow, firstRow + rows), biases included.
   */
  run(
    layout: BatchLayout,
    y: F,
    h0: F | undefined,
    c0: F | undefined,
    fused: boolean,
    project: (firstRow: number, rows: number, out: F) => void,
  ): void {
    const b = this.backend;
    const { cell, hiddenSize: H, dir, dirs } = this.config;
    const { T, B, rowsAt } = layout;
    const GH = this.G * H;
    const S = stateSizeOf(this.config);
    const ldy = dirs * S;
    const chunk = chunkSteps(B, GH);
    const buffers = this.workspace.views(B);
    let cur = 0;
    const { h, c } = this.slots(buffers);
    if (h0 === undefined) b.fill(B * S, 0, h[0]);
    else b.copy(B * S, h0, h[0]);
    if (cell === 'lstm') {
      if (c0 === undefined) b.fill(B * H, 0, c[0]);
      else b.copy(B * H, c0, c[0]);
    }
    // Chunks of steps in the order the direction runs them; inside a chunk, steps in that order too.
    for (let done = 0; done < T; done += chunk) {
      const steps = Math.min(chunk, T - done);
      const t0 = dir === 0 ? done : T - done - steps; // the chunk is steps [t0, t0 + steps)
      const gates = buffers.gates.subarray(0, steps * B * GH) as F;
      project(t0 * B, steps * B, gates);
      for (let s = 0; s < steps; s++) {
        const t = dir === 0 ? t0 + s : t0 + steps - 1 - s;
        const g = gates.subarray((t - t0) * B * GH) as F;
        const yt = y.subarray(t * B * ldy + dir * S) as F;
        const hPrev: F = h[cur],
          hNext: F = h[1 - cur];
        const cPrev: F | undefined = c[cur],
          cNext: F | undefined = c[1 - cur];
        const rows = rowsAt[t];
        if (fused) this.fns.fusedStep(B, g, hPrev, hNext, cPrev, cNext, yt);
        else
          this.fns.step(rows, g, hPrev, hNext, cPrev, cNext, buffers.hn, buffers.hh, this.config.projSize > 0 ? buffers.m : undefined, yt);
        if (rows < B) {
          // Sequences that are not running at step t keep their state.
          b.copy((B - rows) * S, hPrev.subarray(rows * S) as F, hNext.subarray(rows * S) as F);
          if (cell === 'lstm') b.copy((B - rows) * H, cPrev.subarray(rows * H) as F, cNext.subarray(rows * H) as F);
        }
        cur = 1 - cur;
      }
    }
    this.last = cur;
  }

  /** The two slots of h (2 × [B, S]) and of c (2 × [B, H], LSTM) that take turns as the states before and after a step. */
  private slots(buffers: { readonly [name in InferenceBuffer]: F }): { h: F[]; c: F[] } {
    return { h: [buffers.h0, buffers.h1], c: [buffers.c0, buffers.c1] };
  }
}

/** Steps per chunk for B rows of G·H gates: as many as fit in {@link CHUNK_FLOATS}, at least one. */
function chunkSteps(B: number, GH: number): number {
  return Math.max(1, Math.floor(CHUNK_FLOATS / (B * GH)));
}

/** Each buffer's size for B rows. */
function inferencePlan(config: DirectionConfig, G: number): Record<InferenceBuffer, SizeOf<number>> {
  const { cell, hiddenSize: H, projSize } = config;
  const GH = G * H;
  const S = stateSizeOf(config);
  const lstm = cell === 'lstm';
  const gru = cell === 'gru';
  return {
    gates: (B) => chunkSteps(B, GH) * B * GH, // [chunk, B, G·H] input projections of a chunk of steps
    h0: (B) => B * S, // [B, S] h_{t−1} and h_t, taking turns
    h1: (B) => B * S,
    c0: (B) => (lstm ? B * H : 0), // [B, H] c_{t−1} and c_t (LSTM), taking turns
    c1: (B) => (lstm ? B * H : 0),
    hn: (B) => (gru ? B * H : 0), // [B, H] per-step GRU scratch, not kept
    hh: (B) => (gru ? B * GH : 0), // [B, 3H] per-step recurrent projection (GRU)
    m: (B) => (projSize > 0 ? B * H : 0), // [B, H] o ⊙ tanh(c_t) of a projected LSTM, not kept
  };
}
