/**
 * The source handed over as one fixed vector (Cho et al. 2014; Sutskever et al. 2014):
 * c = h_T, the encoder's top-layer final states (`final`), or c = tanh(W_q h_T + b_q)
 * (`transform`), used as the decoder's initial state (`initial-state`) or fed with the token
 * at every step from a zero state (`every-step`). The output layer reads the decoder state.
 *
 * Legend: B rows, Hd the decoder's hidden size, In the decoder cell's input width.
 */
import type { FloatArray } from '../../backend/backend.js';
import { denseBackward, denseForward } from '../../layers/dense.js';
import { ParameterSet } from '../../layers/parameters.js';
import type { Random } from '../../random.js';
import { Workspace } from '../../tensor/workspace.js';
import { type ContextUse, type HandoverRun, linearSpecs, moveRows, type Seq2SeqExtent, type SourceHandover } from './handover.js';

export class FixedContext<F extends FloatArray> implements SourceHandover<F> {
  readonly group: { prefix: string; params: ParameterSet<F> } | undefined;
  readonly fedWidth: number;
  readonly outWidth: number;
  readonly feedsOutput = false;
  private readonly bridge: ParameterSet<F> | undefined;
  /** context [B, Hd] q(h_T) (`transform`); dContext [B, Hd] its gradient; dIn [B, Hd] scratch. */
  private readonly workspace: Workspace<F, 'context' | 'dContext' | 'dIn', never, Seq2SeqExtent>;
  private hT: F | undefined;
  private B = 0;

  constructor(
    private readonly run: HandoverRun<F>,
    private readonly transform: boolean,
    private readonly use: ContextUse,
    random: Random,
  ) {
    const { Hd } = run;
    this.bridge = transform ? new ParameterSet<F>(linearSpecs('', Hd, Hd), random) : undefined;
    this.group = this.bridge === undefined ? undefined : { prefix: 'bridge.', params: this.bridge };
    this.fedWidth = use === 'every-step' ? Hd : 0;
    this.outWidth = Hd;
    const rows = ({ B }: Seq2SeqExtent): number => B * Hd;
    this.workspace = new Workspace(run.backend, { floats: { context: transform ? rows : () => 0, dContext: rows, dIn: rows } }, this);
  }

  begin(extent: Seq2SeqExtent, hT: F): F | undefined {
    const b = this.run.backend;
    const { Hd } = this.run;
    const { B } = extent;
    const { context } = this.workspace.views(extent);
    this.hT = hT;
    this.B = B;
    if (this.transform) {
      denseForward(b, B, Hd, Hd, hT, this.bridge!.get('weight').value, this.bridge!.get('bias').value, context);
      b.activate('tanh', B * Hd, context, context);
    }
    return this.use === 'initial-state' ? this.context() : undefined;
  }

  step(_t: number, fedWith: F, In: number, out: F): void {
    const { Hd } = this.run;
    if (this.use === 'every-step') moveRows(this.run.backend, 'copy', this.B, Hd, this.context(), Hd, fedWith, In);
    this.run.backend.copy(this.B * Hd, this.run.decoder.step(), out);
  }

  beginBackward(): void {
    const { dContext } = this.workspace.last;
    this.run.backend.fill(dContext.length, 0, dContext);
  }

  outputBackward(_t: number, dOut: F, dh: F): void {
    this.run.backend.axpy(this.B * this.run.Hd, 1, dOut, dh);
  }

  fedBackward(_t: number, dFed: F, In: number): void {
    if (this.use === 'every-step')
      moveRows(this.run.backend, 'add', this.B, this.run.Hd, dFed, In, this.workspace.last.dContext, this.run.Hd);
  }

  endBackward(_T: number, _dOutputs: F, dhT: F): void {
    const b = this.run.backend;
    const { Hd } = this.run;
    const { B } = this;
    const { context, dContext, dIn } = this.workspace.last;
    // The decoder's dh0 goes to the context it started from; the context's gradient to h_T.
    if (this.use === 'initial-state') b.axpy(B * Hd, 1, this.run.decoder.stateGrad(), this.transform ? dContext : dhT);
    if (!this.transform) {
      if (this.use === 'every-step') b.axpy(B * Hd, 1, dContext, dhT);
      return;
    }
    b.activateBackward('tanh', B * Hd, context, dContext, dContext);
    denseBackward(b, B, Hd, Hd, this.hT!, this.bridge!.get('weight'), this.bridge!.get('bias'), dContext, dIn);
    b.axpy(B * Hd, 1, dIn, dhT);
  }

  /** The fixed context [B, Hd]: h_T or q(h_T). */
  private context(): F {
    return this.transform ? this.workspace.last.context : this.hT!;
  }
}
