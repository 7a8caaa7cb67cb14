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
import { type Extent, type SizeOf, Workspace } from '../../tensor/workspace.js';
import { gatesOf, stateSizeOf } from './options.js';
import { outputViews, type StepBuffers, type StepViews, stepViews, tailViews, type TailViews, type ViewShape } from './step-views.js';

export abstract class DirectionBuffers<F extends FloatArray> {
  protected readonly G: number;
  /** State size: H, or P for a projected LSTM. */
  protected readonly S: number;
  /** A GRU with the reset gate before the product. */
  protected readonly resetBefore: boolean;
  /** Columns of the per-step product with h_{t−1}: G·H, or 2H (r, z) when the reset gate comes before. */
  protected readonly direct: number;
  /** The buffers of the current (T, B), planned in {@link plan}. */
  private readonly workspace: Workspace<F, DirectionBuffer>;
  /** [V, G·H] per-token projections (forward), then summed gate gradients (backward). */
  private readonly tokenWorkspace: Workspace<F, 'rows', never, number>;
  protected T = 0;
  protected B = 0;
  /** The step views of the current (T, B). */
  protected cached: StepViews<F> | undefined;

  /** `projected`: a projected LSTM, which keeps m_t = o ⊙ tanh(c_t) and its gradients. */
  protected constructor(
    protected readonly backend: Backend<F>,
    readonly config: DirectionConfig,
    protected readonly projected: boolean,
  ) {
    this.G = gatesOf(config.cell);
    const H = config.hiddenSize;
    this.S = stateSizeOf(config);
    this.resetBefore = config.cell === 'gru' && !config.resetAfter;
    this.direct = this.resetBefore ? 2 * H : this.G * H;
    this.workspace = new Workspace(backend, { floats: plan(config, this.G, this.S, projected) }, this);
    const GH = this.G * H;
    this.tokenWorkspace = new Workspace(backend, { floats: { rows: (V: number) => V * GH } }, this);
  }

  protected get gates(): F {
    return this.workspace.last.gates;
  }
  protected get states(): F {
    return this.workspace.last.states;
  }
  protected get cells(): F {
    return this.workspace.last.cells;
  }
  protected get hn(): F {
    return this.workspace.last.hn;
  }
  protected get hh(): F {
    return this.workspace.last.hh;
  }
  protected get dgh(): F {
    return this.workspace.last.dgh;
  }
  protected get dh(): F {
    return this.workspace.last.dh;
  }
  protected get dc(): F {
    return this.workspace.last.dc;
  }
  protected get m(): F {
    return this.workspace.last.m;
  }
  protected get dmy(): F {
    return this.workspace.last.dmy;
  }
  protected get dmh(): F {
    return this.workspace.last.dmh;
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
    const after = (buffer: F, W: number): F =>
      (this.config.dir === 0 ? buffer.slice(B * W, (T + 1) * B * W) : buffer.slice(0, T * B * W)) as F;
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
    return this.tokenWorkspace.views(V).rows;
  }

  /** Sizes the buffers for T steps of B rows. */
  protected ensure(T: number, B: number): void {
    this.T = T;
    this.B = B;
    const before = this.workspace.planned ? this.workspace.last : undefined;
    if (this.workspace.views({ T, B }) !== before) this.cached = undefined;
  }

  /** Per-step views of the buffers for this (T, B), made once per shape, so the loops allocate nothing. */
  protected views(T: number, B: number): StepViews<F> {
    if (this.cached === undefined || this.cached.T !== T || this.cached.B !== B)
      this.cached = stepViews(this.buffers(), this.viewShape(), T, B);
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
    return {
      gates: this.gates,
      states: this.states,
      cells: cell === 'lstm' ? this.cells : undefined,
      hn: cell === 'gru' ? this.hn : undefined,
      dgh: cell === 'gru' && !this.resetBefore ? this.dgh : undefined,
      m: this.projected ? this.m : undefined,
    };
  }

  protected viewShape(): ViewShape {
    return { G: this.G, H: this.config.hiddenSize, S: this.S, dir: this.config.dir, resetBefore: this.resetBefore };
  }
}

/** The buffers of one direction. */
type DirectionBuffer = 'gates' | 'states' | 'cells' | 'hn' | 'hh' | 'dgh' | 'dh' | 'dc' | 'm' | 'dmy' | 'dmh';

/** Each buffer's size for T steps of B rows; 0 where the cell or its variant does not use it. */
function plan(config: DirectionConfig, G: number, S: number, projected: boolean): Record<DirectionBuffer, SizeOf<Extent>> {
  const { cell, hiddenSize: H } = config;
  const GH = G * H;
  const lstm = cell === 'lstm';
  const gru = cell === 'gru';
  const resetBefore = gru && !config.resetAfter;
  return {
    gates: ({ T, B }) => T * B * GH, // [T, B, G·H] preactivations → activations → their gradients
    states: ({ T, B }) => (T + 1) * B * S, // [T+1, B, S] hidden states, slots as direction.ts describes
    cells: ({ T, B }) => (lstm ? (T + 1) * B * H : 0), // [T+1, B, H] cell states
    hn: ({ T, B }) => (gru ? T * B * H : 0), // [T, B, H] W_hn h + b_hn (reset after) or r ⊙ h_{t−1} (before)
    hh: ({ B }) => (gru ? B * (resetBefore ? H : GH) : 0), // [B, 3H] per-step recurrent projection; [B, H] d(r ⊙ h_{t−1})
    dgh: ({ T, B }) => (gru && !resetBefore ? T * B * GH : 0), // [T, B, 3H] gradients of the recurrent preactivations
    dh: ({ B }) => B * S, // [B, S] carried dh, after backward dh0
    dc: ({ B }) => (lstm ? B * H : 0), // [B, H] carried dc, after backward dc0
    m: ({ T, B }) => (projected ? T * B * H : 0), // [T, B, H] o ⊙ tanh(c_t) (zero in rows that do not run)
    dmy: ({ B }) => (projected ? B * H : 0), // [B, H] dy_t · W_hr
    dmh: ({ B }) => (projected ? B * H : 0), // [B, H] dh_t · W_hr
  };
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
