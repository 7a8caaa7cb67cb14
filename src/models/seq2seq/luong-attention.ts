/**
 * Multiplicative attention (Luong et al. 2015): after step t the decoder state s_t queries
 * the source, e_ti = s_t · h_i (`dot`) or s_t · W_a h_i (`general`), α_t = softmax(e_t),
 * c_t = Σ_i α_ti h_i, and the output layer reads h̃_t = tanh(W_c [c_t; s_t] + b_c); h̃_{t−1}
 * is fed with the token (input feeding; zero at the first step).
 *
 * Parameters: `key.weight` W_a [Hd, Hd] (`general`), `combine.weight` W_c [Hd, 2·Hd],
 * `combine.bias` b_c [Hd]. Legend: S source steps, T decoder steps, B rows, Hd the decoder's
 * hidden size (= O), In the decoder cell's input width.
 */
import type { FloatArray } from '../../backend/backend.js';
import { attentionBackward } from '../../layers/attention.js';
import { denseForward } from '../../layers/dense.js';
import { ParameterSet } from '../../layers/parameters.js';
import type { Random } from '../../random.js';
import { AttentionHandover } from './attention-handover.js';
import { type HandoverRun, linearSpecs, moveRows, type SourceHandover, stepSlice } from './handover.js';

/** The buffers of Luong attention besides the shared ones (see the constructor). */
type LuongBuffer = 'combined' | 'dFeed' | 'dCombined';

export class LuongAttention<F extends FloatArray> extends AttentionHandover<F, LuongBuffer> implements SourceHandover<F> {
  readonly outWidth: number;
  readonly feedsOutput = true;

  /** Own buffers: combined [T, B, 2·Hd] [c_t; s_t]; dFeed [B, Hd] dL/dh̃_{t−1} from step t's input; dCombined [B, 2·Hd]. */
  constructor(run: HandoverRun<F>, general: boolean, random: Random) {
    const { Hd } = run;
    const params = new ParameterSet<F>(
      [...(general ? linearSpecs('key.', Hd, Hd, false) : []), ...linearSpecs('combine.', Hd, 2 * Hd)],
      random,
    );
    super(run, Hd, 'multiplicative', general, params, {
      combined: ({ T, B }) => T * B * 2 * Hd,
      dFeed: ({ B }) => B * Hd,
      dCombined: ({ B }) => B * 2 * Hd,
    });
    this.outWidth = Hd;
  }

  step(t: number, fedWith: F, In: number, out: F, previousOut: F | undefined): void {
    const b = this.run.backend;
    const { Hd, decoder } = this.run;
    const { B } = this.extent;
    // Input feeding: h̃_{t−1}, zero at the first step.
    if (previousOut === undefined) for (let r = 0; r < B; r++) b.fill(Hd, 0, fedWith.subarray(r * In) as F);
    else moveRows(b, 'copy', B, Hd, previousOut, Hd, fedWith, In);
    const s = decoder.step();
    const c = this.attend(t, s);
    const combined = this.combined(t);
    moveRows(b, 'copy', B, Hd, c, Hd, combined, 2 * Hd);
    moveRows(b, 'copy', B, Hd, s, Hd, combined.subarray(Hd) as F, 2 * Hd);
    denseForward(b, B, 2 * Hd, Hd, combined, this.params.get('combine.weight').value, this.params.get('combine.bias').value, out);
    b.activate('tanh', B * Hd, out, out);
  }

  override beginBackward(): void {
    super.beginBackward();
    const { dFeed } = this.own.last;
    this.run.backend.fill(dFeed.length, 0, dFeed);
  }

  outputBackward(t: number, dOut: F, dh: F, out: F, dValues: F): void {
    const b = this.run.backend;
    const { Hd, decoder } = this.run;
    const { B } = this.extent;
    const { dc, dq, scratch } = this.attention.last;
    const { dFeed, dCombined } = this.own.last;
    // h̃ = tanh(W_c [c; s] + b_c): da = dh̃ (1 − h̃²), in place in dO for dW_c below.
    b.axpy(B * Hd, 1, dFeed, dOut);
    b.activateBackward('tanh', B * Hd, out, dOut, dOut);
    b.gemm(false, false, B, 2 * Hd, Hd, 1, dOut, Hd, this.params.get('combine.weight').value, 2 * Hd, 0, dCombined, 2 * Hd);
    moveRows(b, 'copy', B, Hd, dCombined, 2 * Hd, dc, Hd);
    moveRows(b, 'add', B, Hd, dCombined.subarray(Hd) as F, 2 * Hd, dh, Hd);
    attentionBackward(
      b,
      this.inputs(decoder.state(t + 1), t),
      this.weights(t),
      dc,
      { query: dq, keys: this.dKeys(dValues), values: dValues, w: undefined, additive: undefined },
      scratch,
    );
    b.axpy(B * Hd, 1, dq, dh);
  }

  fedBackward(t: number, dFed: F, In: number): void {
    if (t > 0) moveRows(this.run.backend, 'copy', this.extent.B, this.run.Hd, dFed, In, this.own.last.dFeed, this.run.Hd);
  }

  endBackward(T: number, dOutputs: F, dhT: F, dValues: F): void {
    const b = this.run.backend;
    const { Hd } = this.run;
    const { B } = this.extent;
    // dW_c over all steps: the tanh-backed gradients (in dO) against [c; s].
    const combined = this.own.last.combined.subarray(0, T * B * 2 * Hd) as F;
    b.gemm(true, false, Hd, 2 * Hd, T * B, 1, dOutputs, Hd, combined, 2 * Hd, 1, this.params.get('combine.weight').grad, 2 * Hd);
    b.columnSums(T * B, Hd, dOutputs, Hd, 1, this.params.get('combine.bias').grad);
    this.endAttentionBackward(dhT, dValues);
  }

  protected scoreWeight(): undefined {
    return undefined;
  }

  protected additiveHidden(): undefined {
    return undefined;
  }

  /** [c_t; s_t] [B, 2·Hd]. */
  private combined(t: number): F {
    return stepSlice(this.own.last.combined, t, this.extent.B, 2 * this.run.Hd);
  }
}
