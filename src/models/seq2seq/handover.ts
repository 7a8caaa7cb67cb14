/**
 * How an encoder–decoder hands the source over to its decoder: the part of the model that
 * differs between a fixed context (Cho et al. 2014; Sutskever et al. 2014), additive
 * attention (Bahdanau et al. 2015) and multiplicative attention (Luong et al. 2015). The
 * engine (core.ts) runs the encoder, the decoder's time loop, the embeddings and the output
 * layer; a {@link SourceHandover} fills in what each step feeds the decoder with its token,
 * what the output layer reads, and the gradients of both.
 *
 * Legend: S source steps, T decoder steps, B rows, E embedding size, He encoder hidden size
 * per direction, Hd = dirs·He the decoder's hidden size (and the encoder output's width),
 * In the decoder cell's input width (E, or E + Hd with something fed), O the output layer's
 * input width. Everything is time-major.
 */
import type { Backend, FloatArray } from '../../backend/backend.js';
import type { ParameterSet, ParameterSpec } from '../../layers/parameters.js';
import type { RecurrentStack } from '../../layers/recurrent/stack.js';
import type { StepCell } from '../../layers/recurrent/step-cell.js';

/** The three ways to hand the source over: c = h_T, c = q(h_T), or attention over every h_i. */
export type ContextKind = 'final' | 'transform' | 'attention';
/** Where a fixed context (`final`, `transform`) enters the decoder. */
export type ContextUse = 'initial-state' | 'every-step';
/** The attention score: Bahdanau's additive one, Luong's dot or general one. */
export type AttentionKind = 'additive' | 'dot' | 'general';

/** The sizes the buffers of one encoded batch depend on. */
export interface Seq2SeqExtent {
  /** Source steps. */
  S: number;
  /** Most decoder steps. */
  T: number;
  /** Rows. */
  B: number;
}

/** What a handover works with: the engine's encoder and decoder, and the current batch. */
export interface HandoverRun<F extends FloatArray> {
  readonly backend: Backend<F>;
  readonly encoder: RecurrentStack<F>;
  readonly decoder: StepCell<F>;
  /** Decoder hidden size. */
  readonly Hd: number;
  /** Source lengths per row of the current batch, decreasing. */
  lengths(): Int32Array;
}

/** One way of handing the source to the decoder. */
export interface SourceHandover<F extends FloatArray> {
  /** The parameter name prefix and set, when this handover has parameters. */
  readonly group: { prefix: string; params: ParameterSet<F> } | undefined;
  /** Columns fed with the token at every step (0 or Hd). */
  readonly fedWidth: number;
  /** Width O of what the output layer reads. */
  readonly outWidth: number;
  /** Whether step t feeds the output of step t − 1 (input feeding), which beam search must reorder. */
  readonly feedsOutput: boolean;

  /**
   * After the encoder ran over a batch of S steps and B rows: sizes the buffers for T decoder
   * steps, computes what depends on the source alone, and returns the decoder's initial
   * state [B, Hd] (undefined: zeros). hT [B, Hd] is the encoder's top-layer final states.
   */
  begin(extent: Seq2SeqExtent, hT: F): F | undefined;
  /**
   * Decoder step t: writes what is fed with the token into `fedWith` (rows of In numbers),
   * runs the decoder's step, and writes the output layer's input `out` [B, O].
   * `previousOut` is step t − 1's `out` (undefined at t = 0).
   */
  step(t: number, fedWith: F, In: number, out: F, previousOut: F | undefined): void;
  /** The attention weights [B, S] of step t (attention only). */
  weights?(t: number): F;

  /** Before the backward time loop: clears the accumulated gradients. */
  beginBackward(): void;
  /**
   * Step t, before the decoder's step is walked back: from dL/d out [B, O] (which it may
   * overwrite), adds the gradient of the decoder state to `dh` [B, Hd]; `out` is step t's
   * output-layer input; gradients of the encoder outputs are added to `dValues` [S, B, Hd].
   */
  outputBackward(t: number, dOut: F, dh: F, out: F, dValues: F): void;
  /** Step t, after the decoder's step: the gradient of what was fed, dFed (rows of In numbers). */
  fedBackward(t: number, dFed: F, In: number, dValues: F): void;
  /**
   * After the time loop, with dL/dh0 of the decoder in its state gradient: adds the gradient of
   * h_T to dhT [B, Hd] and the encoder outputs' to `dValues` [S, B, Hd]; accumulates the
   * handover's parameter gradients over the T steps (dOutputs [T·B, O] as left by
   * {@link outputBackward}).
   */
  endBackward(T: number, dOutputs: F, dhT: F, dValues: F): void;
}

/** PyTorch's nn.Linear parameters `{name}weight` [out, in] (and `{name}bias` [out]), uniform in ±1/√in. */
export function linearSpecs(name: string, out: number, inp: number, bias = true): ParameterSpec[] {
  return [
    { name: `${name}weight`, shape: [out, inp], init: { uniform: 1 / Math.sqrt(inp) } },
    ...(bias ? [{ name: `${name}bias`, shape: [out], init: { uniform: 1 / Math.sqrt(inp) } }] : []),
  ];
}

/** Step t's [B, width] slice of a per-step buffer [T, B, width]. */
export function stepSlice<F extends FloatArray>(buffer: F, t: number, B: number, width: number): F {
  const n = B * width;
  return buffer.subarray(t * n, (t + 1) * n) as F;
}

/**
 * Over `rows` rows of `width` numbers: dst ← src (`copy`) or dst += src (`add`), row r of src
 * starting at r·ldSrc and of dst at r·ldDst (pass views that begin at the columns concerned).
 */
export function moveRows<F extends FloatArray>(
  b: Backend<F>,
  mode: 'copy' | 'add',
  rows: number,
  width: number,
  src: F,
  ldSrc: number,
  dst: F,
  ldDst: number,
): void {
  for (let r = 0; r < rows; r++) {
    const from = src.subarray(r * ldSrc) as F;
    const to = dst.subarray(r * ldDst) as F;
    if (mode === 'copy') b.copy(width, from, to);
    else b.axpy(width, 1, from, to);
  }
}
