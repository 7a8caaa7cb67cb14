/**
 * The encoder–decoder engine (Sutskever et al. 2014; Cho et al. 2014), N→M: an embedding and
 * a stacked (optionally bidirectional) recurrent encoder over the source; a one-layer
 * recurrent decoder run step by step over the target, fed its previous token (the truth
 * under teacher forcing, else its own prediction); a Dense layer over the target vocabulary.
 * How the source reaches the decoder is a {@link SourceHandover} (handover.ts):
 * - `final`: c = h_T, the encoder's top-layer final states (directions concatenated);
 * - `transform`: c = q(h_T) = tanh(W_q h_T + b_q);
 *   both used as the decoder's initial state (`initial-state`) or fed with the token at
 *   every step from a zero state (`every-step`) — fixed-context.ts;
 * - `attention`: c_t = Σ_i α_ti h_i, a new context per step, the decoder starting from h_T:
 *   `additive` (Bahdanau et al. 2015) — additive-attention.ts; `dot` / `general` (Luong et
 *   al. 2015) — luong-attention.ts.
 *
 * Legend: S source steps, T decoder steps, B rows, E embedding size, He encoder hidden
 * size per direction, Hd = dirs·He the decoder's hidden size (and the encoder output's
 * width), V target vocabulary, In the decoder cell's input width, O the output layer's input
 * width. Everything is time-major; the batch rows must come in order of decreasing source
 * length (the encoder's internal order).
 */
import type { Backend, FloatArray } from '../../backend/backend.js';
import { RnnkitError, ShapeError } from '../../errors.js';
import { denseBackward, denseForward } from '../../layers/dense.js';
import { ParameterGroups } from '../../layers/parameter-groups.js';
import { ParameterSet } from '../../layers/parameters.js';
import { layoutBatch } from '../../layers/recurrent/batch.js';
import { type CellKind, type CellVariantSettings, resolveOptions, variantOptions } from '../../layers/recurrent/options.js';
import { RecurrentStack, recurrentParameterSpecs } from '../../layers/recurrent/stack.js';
import { StepCell } from '../../layers/recurrent/step-cell.js';
import type { Random } from '../../random.js';
import { argmax, permuteRows } from '../../tensor/tensor.js';
import { Workspace } from '../../tensor/workspace.js';
import { crossEntropyForwardBackward, IGNORE_INDEX } from '../../losses/cross-entropy.js';
import { AdditiveAttention } from './additive-attention.js';
import { FixedContext } from './fixed-context.js';
import {
  type AttentionKind,
  type ContextKind,
  type ContextUse,
  type HandoverRun,
  linearSpecs,
  moveRows,
  type Seq2SeqExtent,
  type SourceHandover,
  stepSlice,
} from './handover.js';
import { LuongAttention } from './luong-attention.js';

export type { AttentionKind, ContextKind, ContextUse } from './handover.js';

/**
 * The layers of an encoder–decoder, apart from its vocabularies. The decoder's cell is the
 * encoder's, in the same variant (`resetAfter: false`, `peepholes: true` present when chosen).
 */
export interface Seq2SeqShape extends CellVariantSettings {
  cell: CellKind;
  embeddingDim: number;
  /** Encoder units per direction; the decoder has directions × this many. */
  hiddenSize: number;
  /** Encoder layers (the decoder has one). */
  numLayers: number;
  bidirectional: boolean;
  /** Dropout between encoder layers, in training. */
  dropout: number;
  /** c = h_T (`final`), c = q(h_T) (`transform`) or attention over every h_i. */
  context: ContextKind;
  /** Where a `final` or `transform` context enters: the decoder's initial state, or its input at every step. */
  contextUse: ContextUse;
  /** The attention score when `context` is `attention`. */
  attention: AttentionKind;
  /** Width of the additive score. */
  attentionSize: number;
}

/** The shape of an encoder–decoder with its vocabulary sizes. */
export interface Seq2SeqConfig extends Seq2SeqShape {
  sourceVocabSize: number;
  targetVocabSize: number;
}

/** The token ids of a prepared batch, time-major, and the rows' source lengths. */
export interface Seq2SeqBatch {
  /** Source steps S and rows B. */
  S: number;
  B: number;
  /** [S·B] source ids (anything past a row's length). */
  source: Int32Array;
  /** Source length per row, decreasing. */
  lengths: Int32Array;
}

/** How the decoder picks its next input token during a teacher-forced run. */
export interface Forcing {
  /** Probability of feeding the true previous token (else the model's own most likely one). */
  ratio: number;
  random: Random;
}

/** The engine's own buffers (see {@link Seq2SeqCore}'s workspace). */
type CoreBuffer = 'hT' | 'outputs' | 'logits' | 'probs' | 'losses' | 'dOutputs' | 'dx' | 'dEmbedded' | 'dhT' | 'dStates';

export class Seq2SeqCore<F extends FloatArray> extends ParameterGroups<F> {
  readonly encoder: RecurrentStack<F>;
  readonly decoder: StepCell<F>;
  private readonly sourceEmbedding: ParameterSet<F>;
  private readonly targetEmbedding: ParameterSet<F>;
  private readonly handover: SourceHandover<F>;
  private readonly output: ParameterSet<F>;
  /** Decoder hidden size (= encoder output width). */
  readonly Hd: number;
  private readonly inWidth: number;
  private readonly outWidth: number;
  /**
   * For S source steps, T decoder steps and B rows: ints source [S·B], fed [T·B] the tokens fed
   * to the decoder, targets [T·B]; hT [B, Hd] the encoder's top-layer final states; outputs
   * [T, B, O] what the output layer reads; logits, probs [T·B, V]; losses [T·B]; dOutputs
   * [T·B, O]; dx [B, In]; dEmbedded [B, E]; dhT [B, Hd]; dStates [L·dirs, B, He].
   */
  private readonly workspace: Workspace<F, CoreBuffer, 'source' | 'fed' | 'targets', Seq2SeqExtent>;
  private readonly current: { batch: Seq2SeqBatch | undefined };
  /** Decoder steps run since {@link encode}. */
  private T = 0;

  constructor(
    readonly config: Seq2SeqConfig,
    readonly backend: Backend<F>,
    random: Random,
  ) {
    const { sourceVocabSize: Vs, targetVocabSize: V, embeddingDim: E, cell, context, attention } = config;
    const Hd = (config.bidirectional ? 2 : 1) * config.hiddenSize;
    const fed = context === 'attention' || config.contextUse === 'every-step';
    const sourceEmbedding = new ParameterSet<F>([{ name: 'weight', shape: [Vs, E], init: { normal: 1 } }], random);
    const rnnOptions = resolveOptions(
      cell,
      {
        inputSize: E,
        hiddenSize: config.hiddenSize,
        numLayers: config.numLayers,
        bidirectional: config.bidirectional,
        dropout: config.dropout,
        ...variantOptions(config),
      },
      'Seq2Seq',
    );
    const rnnParams = new ParameterSet<F>(recurrentParameterSpecs(rnnOptions), random);
    const encoder = new RecurrentStack(rnnOptions, backend, rnnParams, random);
    const targetEmbedding = new ParameterSet<F>([{ name: 'weight', shape: [V, E], init: { normal: 1 } }], random);
    const decoder = new StepCell(cell, 'tanh', E + (fed ? Hd : 0), Hd, backend, random, rnnOptions);
    const current: { batch: Seq2SeqBatch | undefined } = { batch: undefined };
    const run: HandoverRun<F> = {
      backend,
      encoder,
      decoder,
      Hd,
      lengths: () => {
        if (current.batch === undefined) throw new RnnkitError('Seq2Seq: encode() a batch first');
        return current.batch.lengths;
      },
    };
    const handover: SourceHandover<F> =
      context !== 'attention'
        ? new FixedContext(run, context === 'transform', config.contextUse, random)
        : attention === 'additive'
          ? new AdditiveAttention(run, config.attentionSize, random)
          : new LuongAttention(run, attention === 'general', random);
    const O = handover.outWidth;
    const output = new ParameterSet<F>(linearSpecs('', V, O), random);
    super(
      [
        { prefix: 'encoder.embedding.', params: sourceEmbedding },
        { prefix: 'encoder.rnn.', params: rnnParams },
        { prefix: 'decoder.embedding.', params: targetEmbedding },
        { prefix: 'decoder.cell.', params: decoder.params },
        ...(handover.group ? [handover.group] : []),
        { prefix: 'output.', params: output },
      ],
      'Seq2Seq',
    );
    for (const { params } of this.groups) params.bind(backend);
    this.encoder = encoder;
    this.decoder = decoder;
    this.sourceEmbedding = sourceEmbedding;
    this.targetEmbedding = targetEmbedding;
    this.handover = handover;
    this.output = output;
    this.Hd = Hd;
    this.inWidth = decoder.inputSize;
    this.outWidth = O;
    this.current = current;
    const In = this.inWidth;
    const { hiddenSize: He, numLayers: L } = config;
    const dirs = config.bidirectional ? 2 : 1;
    this.workspace = new Workspace(
      backend,
      {
        floats: {
          hT: ({ B }) => B * Hd,
          outputs: ({ T, B }) => T * B * O,
          logits: ({ T, B }) => T * B * V,
          probs: ({ T, B }) => T * B * V,
          losses: ({ T, B }) => T * B,
          dOutputs: ({ T, B }) => T * B * O,
          dx: ({ B }) => B * In,
          dEmbedded: ({ B }) => B * E,
          dhT: ({ B }) => B * Hd,
          dStates: ({ B }) => L * dirs * B * He,
        },
        ints: { source: ({ S, B }) => S * B, fed: ({ T, B }) => T * B, targets: ({ T, B }) => T * B },
      },
      this,
    );
  }

  /**
   * Runs the encoder over a batch and sets the decoder up to run at most `maxSteps` steps:
   * its initial state, the fixed context or the attention keys.
   * @throws ShapeError when the rows do not come in order of decreasing source length.
   */
  encode(batch: Seq2SeqBatch, maxSteps: number, training: boolean): void {
    const { S, B, source, lengths } = batch;
    const layout = layoutBatch(S, B, lengths, 'Seq2Seq');
    if (layout.order.some((r, i) => r !== i)) throw new ShapeError('Seq2Seq: rows must come in order of decreasing source length');
    const b = this.backend;
    const { Hd } = this;
    const { hiddenSize: He, numLayers: L } = this.config;
    const dirs = this.config.bidirectional ? 2 : 1;
    this.current.batch = batch;
    this.T = 0;
    const extent = { S, T: maxSteps, B };
    const buffers = this.workspace.views(extent);
    const enc = this.encoder;
    enc.prepare(layout);
    const table = this.sourceEmbedding.get('weight');
    buffers.source.set(source.subarray(0, S * B));
    enc.forward(undefined, undefined, training, {
      ids: buffers.source,
      table: table.value,
      tableGrad: table.grad,
      vocabSize: this.config.sourceVocabSize,
    });
    // h_T: the top layer's final states, directions side by side.
    const finals = enc.finalH();
    for (let d = 0; d < dirs; d++) {
      const k = (L - 1) * dirs + d;
      moveRows(b, 'copy', B, He, finals.subarray(k * B * He) as F, He, buffers.hT.subarray(d * He) as F, Hd);
    }
    const h0 = this.handover.begin(extent, buffers.hT);
    this.decoder.begin(maxSteps, B, h0, undefined);
  }

  /**
   * Runs one decoder step on token ids [B] (one per row) and returns the logits [B, V].
   * The attention weights of the step are in {@link attentionWeights}.
   */
  step(ids: ArrayLike<number>): F {
    const { B } = this.requireBatch();
    const b = this.backend;
    const { inWidth: In, outWidth: O } = this;
    const { embeddingDim: E, targetVocabSize: V } = this.config;
    const buffers = this.workspace.last;
    const t = this.T;
    const x = this.decoder.nextInput();
    const table = this.targetEmbedding.get('weight').value;
    for (let r = 0; r < B; r++) {
      const id = ids[r];
      buffers.fed[t * B + r] = id;
      b.copy(E, table.subarray(id * E) as F, x.subarray(r * In) as F);
    }
    const out = stepSlice(buffers.outputs, t, B, O);
    // The columns after the token's embedding take what the handover feeds.
    this.handover.step(t, x.subarray(E) as F, In, out, t === 0 ? undefined : stepSlice(buffers.outputs, t - 1, B, O));
    const logits = stepSlice(buffers.logits, t, B, V);
    denseForward(b, B, O, V, out, this.output.get('weight').value, this.output.get('bias').value, logits);
    this.T = t + 1;
    return logits;
  }

  /** The attention weights [B, S] of the latest step (rows sum to 1 over their real steps). */
  attentionWeights(): F {
    if (this.handover.weights === undefined) throw new RnnkitError('Seq2Seq: this model has no attention');
    this.requireBatch();
    return this.handover.weights(this.T - 1);
  }

  /**
   * Beam search: the latest step's rows are replaced by rows `from` of it (decoder state
   * and the fed attentional output), so the next step extends those hypotheses.
   */
  reorder(from: ArrayLike<number>): void {
    this.decoder.reorder(from);
    if (this.handover.feedsOutput && this.T > 0) {
      permuteRows(stepSlice(this.workspace.last.outputs, this.T - 1, this.requireBatch().B, this.outWidth), this.outWidth, from);
    }
  }

  /**
   * Teacher-forced run over targets [T·B] (time-major; IGNORE_INDEX past a row's end):
   * step t is fed `begin` at t = 0, then the true previous target (or, with `forcing`,
   * sometimes the model's own prediction). Returns the mean cross-entropy over the real
   * targets; with `backward`, accumulates every gradient.
   */
  run(batch: Seq2SeqBatch, targets: Int32Array, begin: number, training: boolean, backward: boolean, forcing?: Forcing): number {
    const { B } = batch;
    const T = targets.length / B;
    const V = this.config.targetVocabSize;
    this.encode(batch, T, training);
    const ids = new Int32Array(B).fill(begin);
    for (let t = 0; t < T; t++) {
      const logits = this.step(ids);
      for (let r = 0; r < B; r++) {
        const truth = targets[t * B + r];
        ids[r] = truth >= 0 && (forcing === undefined || forcing.random.uniform(0, 1) < forcing.ratio) ? truth : argmax(logits, r * V, V);
      }
    }
    const { logits, probs, losses, targets: heapTargets } = this.workspace.last;
    heapTargets.set(targets);
    const loss = crossEntropyForwardBackward(
      this.backend,
      T * B,
      V,
      logits,
      heapTargets,
      IGNORE_INDEX,
      'mean',
      { probs, losses },
      backward ? probs : undefined,
    );
    if (backward) this.backward(probs);
    return loss;
  }

  /** Backpropagates dL/dlogits [T·B, V] of the steps run since {@link encode}. */
  private backward(dLogits: F): void {
    const { B } = this.requireBatch();
    const b = this.backend;
    const { T, Hd, inWidth: In, outWidth: O } = this;
    const { embeddingDim: E, targetVocabSize: V, hiddenSize: He, numLayers: L } = this.config;
    const dirs = this.config.bidirectional ? 2 : 1;
    const cell = this.decoder;
    const enc = this.encoder;
    const handover = this.handover;
    const buffers = this.workspace.last;
    // Output layer over all steps at once: dO [T·B, O].
    const outputs = buffers.outputs.subarray(0, T * B * O) as F;
    const dOutputs = buffers.dOutputs.subarray(0, T * B * O) as F;
    denseBackward(b, T * B, O, V, outputs, this.output.get('weight'), this.output.get('bias'), dLogits, dOutputs);
    const dValues = enc.outputGrad();
    b.fill(dValues.length, 0, dValues);
    const { dx, dEmbedded, dhT, dStates } = buffers;
    handover.beginBackward();
    cell.beginBackward();
    for (let t = T - 1; t >= 0; t--) {
      handover.outputBackward(t, stepSlice(dOutputs, t, B, O), cell.stateGrad(), stepSlice(outputs, t, B, O), dValues);
      cell.stepBack(dx);
      // The fed token's embedding.
      moveRows(b, 'copy', B, E, dx, In, dEmbedded, E);
      b.scatterAddRows(B, buffers.fed.subarray(t * B, (t + 1) * B), dEmbedded, E, this.targetEmbedding.get('weight').grad);
      // What was fed with it.
      handover.fedBackward(t, dx.subarray(E) as F, In, dValues);
    }
    cell.endBackward();
    // Back to h_T.
    b.fill(dhT.length, 0, dhT);
    handover.endBackward(T, dOutputs, dhT, dValues);
    // The encoder: output gradients are in place; the top layer's final states get dh_T.
    b.fill(dStates.length, 0, dStates);
    for (let d = 0; d < dirs; d++) {
      const k = (L - 1) * dirs + d;
      moveRows(b, 'copy', B, He, dhT.subarray(d * He) as F, Hd, dStates.subarray(k * B * He) as F, He);
    }
    enc.backward(dStates, undefined);
  }

  private requireBatch(): Seq2SeqBatch {
    if (this.current.batch === undefined) throw new RnnkitError('Seq2Seq: encode() a batch first');
    return this.current.batch;
  }
}
