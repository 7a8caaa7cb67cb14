/**
 * The buffers of one direction of a recurrent layer (see direction.ts): the activations its
 * forward keeps for backward, the carried gradients, their per-step views, and what the last
 * forward left behind (final states, the recorded steps, dh0 and dc0). Sized from the config
 * for the largest (T, B) seen, allocated in the backend's memory, never in a time loop.
 *
 * Legend: T steps, B batch rows, H hidden size, S state size (H, or P for a projected LSTM),
 * G gates (1, 4 or 3), V vocabulary of a token input.
 */
import type { Backend, FloatArray } from '../../backend/backend.js';
import type { BatchLayout } from './batch.js';
import type { DirectionConfig } from './direction.js';
import { gatesOf } from './options.js';
import { outputViews, type StepBuffers, type StepViews, stepViews, tailViews, type TailViews, type ViewShape } from './step-views.js';

export abstract class DirectionBuffers<F extends FloatArray> {
  protected readonly G: number;
  /** State size: H, or P for a projected LSTM. */
  protected readonly S: number;
  /** A GRU with the reset gate before the product. */
  protected readonly resetBefore: boolean;
  /** Columns of the per-step product with h_{t−1}: G·H, or 2H (r, z) when the reset gate comes before. */
  protected readonly direct: number;
  protected capT = 0;
  protected capB = 0;
  // Buffers (allocated for capT × capB, used as prefixes for the current T × B):
  protected gates!: F;     // [T, B, G·H] preactivations → activations (forward) → their gradients (backward)
  protected states!: F;    // [T+1, B, S] hidden states, slots as direction.ts describes
  protected cells!: F;     // [T+1, B, H] cell states (LSTM)
  protected hn!: F;        // [T, B, H] W_hn h + b_hn (GRU, reset after) or r ⊙ h_{t−1} (reset before)
  protected hh!: F;        // [B, 3H] per-step recurrent projection (GRU, reset after); [B, H] d(r ⊙ h_{t−1}) (before)
  protected dgh!: F;       // [T, B, 3H] gradients of the recurrent preactivations (GRU, reset after)
  protected dh!: F;        // [B, S] carried dh, after backward dh0
  protected dc!: F;        // [B, H] carried dc (LSTM), after backward dc0
  protected m!: F;         // [T, B, H] o ⊙ tanh(c_t) (projected LSTM; zero in rows that do not run)
  protected dmy!: F;       // [B, H] dy_t · W_hr (projected LSTM)
  protected dmh!: F;       // [B, H] dh_t · W_hr (projected LSTM)
  protected tokenRows: F | undefined; // [V, G·H] per-token projections (forward), then summed gate gradients (backward)
  protected T = 0;
  protected B = 0;
  /** The step views of the current (T, B). */
  protected cached: StepViews<F> | undefined;

  /** `projected`: a projected LSTM, which keeps m_t = o ⊙ tanh(c_t) and its gradients. */
  protected constructor(protected readonly backend: Backend<F>, readonly config: DirectionConfig, protected readonly projected: boolean) {
    this.G = gatesOf(config.cell);
    const H = config.hiddenSize;
    this.S = config.projSize > 0 ? config.projSize : H;
    this.resetBefore = config.cell === 'gru' && !config.resetAfter;
    this.direct = this.resetBefore ? 2 * H : this.G * H;
  }

  /** Final hidden state [B, S] of the last forward (internal row order). */
  finalH(): F {
    const { B, S } = this;
    const slot = this.config.dir === 0 ? this.T : 0;
    return this.states.subarray(slot * B * S, (slot + 1) * B * S) as F;
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
    const { T, B, S } = this;
    const H = this.config.hiddenSize;
    // The state after step t sits in slot t + 1 (forward) or t (reverse): one block either way.
    const after = (buffer: F, W: number): F => (this.config.dir === 0 ? buffer.slice(B * W, (T + 1) * B * W) : buffer.slice(0, T * B * W)) as F;
    return {
      hidden: after(this.states, S),
      cell: this.config.cell === 'lstm' ? after(this.cells, H) : undefined,
      gates: this.gates.slice(0, T * B * this.G * H) as F,
    };
  }

  /** dL/dh0 [B, S] after backward. */
  dh0(): F {
    return this.dh.subarray(0, this.B * this.S) as F;
  }

  /** dL/dc0 [B, H] after backward (LSTM). */
  dc0(): F {
    return this.dc.subarray(0, this.B * this.config.hiddenSize) as F;
  }

  /** The [V, G·H] buffer of the token-input path, grown to V rows. */
  protected tokenBuffer(V: number): F {
    const size = V * this.G * this.config.hiddenSize;
    if (this.tokenRows === undefined || this.tokenRows.length < size) {
      if (this.tokenRows !== undefined) this.backend.free(this.tokenRows);
      this.tokenRows = this.backend.alloc(size);
    }
    return this.tokenRows.subarray(0, size) as F;
  }

  /** Allocates buffers for at least T steps of B rows. */
  protected ensure(T: number, B: number): void {
    this.T = T;
    this.B = B;
    if (T <= this.capT && B <= this.capB) return;
    const b = this.backend;
    const { cell, hiddenSize: H } = this.config;
    const { S } = this;
    const GH = this.G * H;
    if (this.capT > 0) {
      for (const buffer of [this.gates, this.states, this.cells, this.hn, this.hh, this.dgh, this.dh, this.dc, this.m, this.dmy, this.dmh]) {
        if (buffer !== undefined) b.free(buffer);
      }
    }
    const capT = Math.max(T, this.capT);
    const capB = Math.max(B, this.capB);
    this.gates = b.alloc(capT * capB * GH);
    this.states = b.alloc((capT + 1) * capB * S);
    this.dh = b.alloc(capB * S);
    if (this.projected) {
      this.m = b.alloc(capT * capB * H);
      this.dmy = b.alloc(capB * H);
      this.dmh = b.alloc(capB * H);
    }
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

  /** Per-step views of the buffers for this (T, B), made once per shape, so the loops allocate nothing. */
  protected views(T: number, B: number): StepViews<F> {
    if (this.cached === undefined || this.cached.T !== T || this.cached.B !== B) this.cached = stepViews(this.buffers(), this.viewShape(), T, B);
    return this.cached;
  }

  /** This direction's columns of an output-shaped [T, B, dirs·S] buffer, per step. */
  protected outputViews(buffer: F, T: number, B: number): F[] {
    const { dir, dirs } = this.config;
    return outputViews(buffer, this.S, dir, dirs, T, B);
  }

  /** Views from row rowsAt[t] on, for the steps where some sequences have ended. */
  protected tailViews(layout: BatchLayout): (TailViews<F> | undefined)[] {
    return tailViews(this.buffers(), this.viewShape(), layout);
  }

  protected buffers(): StepBuffers<F> {
    const { cell } = this.config;
    return { gates: this.gates, states: this.states, cells: cell === 'lstm' ? this.cells : undefined,
      hn: cell === 'gru' ? this.hn : undefined, dgh: cell === 'gru' && !this.resetBefore ? this.dgh : undefined,
      m: this.projected ? this.m : undefined };
  }

  protected viewShape(): ViewShape {
    return { G: this.G, H: this.config.hiddenSize, S: this.S, dir: this.config.dir, resetBefore: this.resetBefore };
  }
}

/** What a direction computed at each step of its last forward, in time order. */
export interface RecordedSteps<F extends FloatArray> {
  /** h_t, the state after step t: [T, B, S]. */
  hidden: F;
  /** c_t (LSTM): [T, B, H]. */
  cell: F | undefined;
  /** The gates of step t, [T, B, G·H]: activations i, f, g, o (LSTM) or r, z, n (GRU); the pre-activation (RNN). */
  gates: F;
}
