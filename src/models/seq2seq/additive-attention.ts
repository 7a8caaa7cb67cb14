/**
 * Additive attention (Bahdanau et al. 2015): at step t the decoder's previous state s_{t−1}
 * queries the source, e_ti = wᵀ tanh(W_k h_i + b_k + W_q s_{t−1}), α_t = softmax(e_t),
 * c_t = Σ_i α_ti h_i; c_t is fed with the token, and the output layer reads [s_t; c_t].
 *
 * Parameters: `query.weight` W_q [A, Hd], `key.weight` W_k [A, Hd], `key.bias` b_k [A],
 * `score.weight` w [A]. Legend: S source steps, T decoder steps, B rows, Hd the decoder's
 * hidden size, A the score's width, In the decoder cell's input width, O = 2·Hd.
 */
import type { FloatArray } from '../../backend/backend.js';
import { attentionBackward } from '../../layers/attention.js';
import { denseBackward, denseForward } from '../../layers/dense.js';
import { ParameterSet } from '../../layers/parameters.js';
import type { Random } from '../../random.js';
import { AttentionHandover } from './attention-handover.js';
import { type HandoverRun, linearSpecs, moveRows, type SourceHandover, stepSlice } from './handover.js';

/** The buffers of additive attention besides the shared ones (see the constructor). */
type AdditiveBuffer = 'queries' | 'hidden' | 'dHidden' | 'dState';

export class AdditiveAttention<F extends FloatArray> extends AttentionHandover<F, AdditiveBuffer> implements SourceHandover<F> {
  readonly outWidth: number;
  readonly feedsOutput = false;

  /** Own buffers: queries [T, B, A] W_q s_{t−1}; hidden [T, S, B, A] tanh(k_i + q_t); dHidden [S, B, A]; dState [B, Hd]. */
  constructor(run: HandoverRun<F>, A: number, random: Random) {
    const { Hd } = run;
    const params = new ParameterSet<F>(
      [
        ...linearSpecs('query.', A, Hd, false),
        ...linearSpecs('key.', A, Hd),
        { name: 'score.weight', shape: [A], init: { uniform: 1 / Math.sqrt(A) } },
      ],
      random,
    );
    super(run, A, 'additive', true, params, {
      queries: ({ T, B }) => T * B * A,
      hidden: ({ S, T, B }) => T * S * B * A,
      dHidden: ({ S, B }) => S * B * A,
      dState: ({ B }) => B * Hd,
    });
    this.outWidth = 2 * Hd;
  }

  step(t: number, fedWith: F, In: number, out: F): void {
    const b = this.run.backend;
    const { Hd, decoder } = this.run;
    const { B } = this.extent;
    const O = this.outWidth;
    const query = this.query(t);
    denseForward(b, B, Hd, this.keyWidth, decoder.state(), this.params.get('query.weight').value, undefined, query);
    const c = this.attend(t, query);
    moveRows(b, 'copy', B, Hd, c, Hd, fedWith, In);
    const s = decoder.step();
    moveRows(b, 'copy', B, Hd, s, Hd, out, O);
    moveRows(b, 'copy', B, Hd, c, Hd, out.subarray(Hd) as F, O);
  }

  outputBackward(_t: number, dOut: F, dh: F): void {
    const b = this.run.backend;
    const { Hd } = this.run;
    const { B } = this.extent;
    const O = this.outWidth;
    moveRows(b, 'add', B, Hd, dOut, O, dh, Hd);
    moveRows(b, 'copy', B, Hd, dOut.subarray(Hd) as F, O, this.attention.last.dc, Hd);
  }

  fedBackward(t: number, dFed: F, In: number, dValues: F): void {
    const b = this.run.backend;
    const { Hd, decoder } = this.run;
    const { B } = this.extent;
    const { dc, dq, scratch } = this.attention.last;
    const { dHidden, dState } = this.own.last;
    moveRows(b, 'add', B, Hd, dFed, In, dc, Hd);
    const query = this.query(t);
    attentionBackward(
      b,
      this.inputs(query, t),
      this.weights(t),
      dc,
      { query: dq, keys: this.dKeys(dValues), values: dValues, w: this.params.get('score.weight').grad, additive: dHidden },
      scratch,
    );
    // q = W_q s_{t−1}: dW_q += dqᵀ s_{t−1}, and ds_{t−1} joins the carried state gradient.
    denseBackward(b, B, Hd, this.keyWidth, decoder.state(t), this.params.get('query.weight'), undefined, dq, dState);
    b.axpy(B * Hd, 1, dState, decoder.stateGrad());
  }

  endBackward(_T: number, _dOutputs: F, dhT: F, dValues: F): void {
    this.endAttentionBackward(dhT, dValues);
  }

  protected scoreWeight(): F {
    return this.params.get('score.weight').value;
  }

  protected additiveHidden(t: number): F {
    const { S, B } = this.extent;
    return stepSlice(this.own.last.hidden, t, B, S * this.keyWidth);
  }

  /** q_t = W_q s_{t−1} [B, A]. */
  private query(t: number): F {
    return stepSlice(this.own.last.queries, t, this.extent.B, this.keyWidth);
  }
}
