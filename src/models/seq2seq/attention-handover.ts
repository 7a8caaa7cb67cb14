/**
 * What additive (Bahdanau et al. 2015) and multiplicative (Luong et al. 2015) attention
 * share when they hand the source to the decoder: the keys k_i computed once per batch from
 * the encoder outputs h_i (a projection W_k h_i (+ b_k), or h_i itself for Luong's dot score),
 * the attention of step t, c_t = Σ_i α_ti h_i with α_t = softmax(e_t) over the real source
 * steps, its weights kept per step for inspection, and the gradients of the keys. The decoder
 * starts from h_T.
 *
 * Legend: S source steps, T decoder steps, B rows, Hd the decoder's hidden size and the
 * values' width, K the keys' width.
 */
import type { FloatArray } from '../../backend/backend.js';
import { type AttentionInputs, type AttentionScore, attentionForward } from '../../layers/attention.js';
import { denseBackward, denseForward } from '../../layers/dense.js';
import type { ParameterSet } from '../../layers/parameters.js';
import { type SizeOf, Workspace } from '../../tensor/workspace.js';
import { type HandoverRun, type Seq2SeqExtent, stepSlice } from './handover.js';

/** The buffers every attention needs (see {@link AttentionHandover}). */
type AttentionBuffer = 'keys' | 'weights' | 'contexts' | 'scores' | 'dKeys' | 'dc' | 'dq' | 'scratch' | 'dKeyInput';

/**
 * The shared part of an attention handover; K names the buffers of the subclass's own
 * workspace ({@link own}), sized with the shared ones in {@link begin}.
 */
export abstract class AttentionHandover<F extends FloatArray, K extends string> {
  /** The attention's parameters, under `attention.`. */
  readonly group: { prefix: string; params: ParameterSet<F> };
  /** The context c_t is fed with the token (additive) or the attentional output h̃_{t−1} (Luong): Hd columns either way. */
  readonly fedWidth: number;
  /** The subclass's own buffers. */
  protected readonly own: Workspace<F, K, never, Seq2SeqExtent>;
  /**
   * keys [S, B, K] (projected keys only); weights [T, B, S]; contexts [T, B, Hd]; scores [S, B];
   * dKeys [S, B, K] (projected keys only); dc [B, Hd]; dq [B, K]; scratch [S];
   * dKeyInput [S, B, Hd] the gradient of the projection's input.
   */
  protected readonly attention: Workspace<F, AttentionBuffer, never, Seq2SeqExtent>;
  protected extent: Seq2SeqExtent = { S: 0, T: 0, B: 0 };

  /**
   * @param keyWidth K
   * @param score additive (keys W_k h_i + b_k) or multiplicative (keys h_i, or W_a h_i when `projected`)
   * @param projected whether the keys are a projection of the encoder outputs
   * @param params the attention's parameters (key.weight, key.bias where there are, and the subclass's)
   * @param ownPlan the sizes of the subclass's own buffers
   */
  protected constructor(
    protected readonly run: HandoverRun<F>,
    protected readonly keyWidth: number,
    private readonly score: AttentionScore,
    private readonly projected: boolean,
    params: ParameterSet<F>,
    ownPlan: Record<K, SizeOf<Seq2SeqExtent>>,
  ) {
    const { Hd } = run;
    this.group = { prefix: 'attention.', params };
    this.fedWidth = Hd;
    this.own = new Workspace(run.backend, { floats: ownPlan }, this);
    const K = keyWidth;
    const ifProjected =
      (size: (e: Seq2SeqExtent) => number) =>
      (e: Seq2SeqExtent): number =>
        projected ? size(e) : 0;
    this.attention = new Workspace(
      run.backend,
      {
        floats: {
          keys: ifProjected(({ S, B }) => S * B * K),
          weights: ({ S, T, B }) => T * B * S,
          contexts: ({ T, B }) => T * B * Hd,
          scores: ({ S, B }) => S * B,
          dKeys: ifProjected(({ S, B }) => S * B * K),
          dc: ({ B }) => B * Hd,
          dq: ({ B }) => B * K,
          scratch: ({ S }) => S,
          dKeyInput: ifProjected(({ S, B }) => S * B * Hd),
        },
      },
      this,
    );
  }

  /** The attention's parameters. */
  protected get params(): ParameterSet<F> {
    return this.group.params;
  }

  /** Sizes the buffers and computes the keys; the decoder starts from h_T. */
  begin(extent: Seq2SeqExtent, hT: F): F {
    this.extent = extent;
    this.own.views(extent);
    const { S, B } = extent;
    const { keys } = this.attention.views(extent);
    if (this.projected) {
      const bias = this.score === 'additive' ? this.params.get('key.bias').value : undefined;
      denseForward(
        this.run.backend,
        S * B,
        this.run.Hd,
        this.keyWidth,
        this.run.encoder.output(),
        this.params.get('key.weight').value,
        bias,
        keys,
      );
    }
    return hT;
  }

  /** The attention weights [B, S] of step t. */
  weights(t: number): F {
    const { S, B } = this.extent;
    return stepSlice(this.attention.last.weights, t, B, S);
  }

  /** c_t [B, Hd]: the context of step t. */
  protected context(t: number): F {
    return stepSlice(this.attention.last.contexts, t, this.extent.B, this.run.Hd);
  }

  /** Computes step t's weights and context c_t for this query [B, K]; returns c_t. */
  protected attend(t: number, query: F): F {
    const c = this.context(t);
    attentionForward(this.run.backend, this.inputs(query, t), this.weights(t), c);
    return c;
  }

  /** The inputs of step t's attention with this query. */
  protected inputs(query: F, t: number): AttentionInputs<F> {
    const { S, B } = this.extent;
    const values = this.run.encoder.output();
    return {
      score: this.score,
      S,
      B,
      K: this.keyWidth,
      D: this.run.Hd,
      keys: this.projected ? this.attention.last.keys : values,
      values,
      lengths: this.run.lengths(),
      query,
      w: this.scoreWeight(),
      hidden: this.additiveHidden(t),
      scores: this.attention.last.scores,
    };
  }

  /** The additive score's w [K], else undefined. */
  protected abstract scoreWeight(): F | undefined;
  /** The additive score's tanh(k_i + q) [S, B, K] of step t, else undefined. */
  protected abstract additiveHidden(t: number): F | undefined;

  /** The gradient of the keys [S, B, K]: their own buffer, or the values' gradient when the keys are the values. */
  protected dKeys(dValues: F): F {
    return this.projected ? this.attention.last.dKeys : dValues;
  }

  beginBackward(): void {
    const { dKeys } = this.attention.last;
    this.run.backend.fill(dKeys.length, 0, dKeys);
  }

  /** The decoder's dh0 goes to h_T; the keys' gradient through their projection to the encoder outputs. */
  protected endAttentionBackward(dhT: F, dValues: F): void {
    const b = this.run.backend;
    const { Hd } = this.run;
    const { S, B } = this.extent;
    b.axpy(B * Hd, 1, this.run.decoder.stateGrad(), dhT);
    if (!this.projected) return;
    const { dKeys, dKeyInput } = this.attention.last;
    const bias = this.score === 'additive' ? this.params.get('key.bias') : undefined;
    denseBackward(b, S * B, Hd, this.keyWidth, this.run.encoder.output(), this.params.get('key.weight'), bias, dKeys, dKeyInput);
    b.axpy(S * B * Hd, 1, dKeyInput, dValues);
  }
}
