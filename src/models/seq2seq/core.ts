/**
 * The encoder–decoder engine (seed 000, N→M): an embedding and a stacked (optionally
 * bidirectional) recurrent encoder over the source; a one-layer recurrent decoder run step
 * by step over the target, fed its previous token (the truth under teacher forcing, else
 * its own prediction); a Dense layer over the target vocabulary. The three context
 * choices of seed 000:
 * - `final`: c = h_T, the encoder's top-layer final states (directions concatenated);
 * - `transform`: c = q(h_T) = tanh(W_q h_T + b_q);
 *   both used as the decoder's initial state (`initial-state`) or fed with the token at
 *   every step from a zero state (`every-step`);
 * - `attention`: c_t = Σ_i α_ti h_i, a new context per step, the decoder starting from h_T:
 *   `additive` (Bahdanau): e_ti = wᵀ tanh(W_k h_i + b_k + W_q s_{t−1}); c_t is fed with the
 *   token and the output reads [s_t; c_t];
 *   `dot` / `general` (Luong): e_ti = s_t · h_i or s_t · W_a h_i; the output reads
 *   h̃_t = tanh(W_c [c_t; s_t] + b_c), and h̃_{t−1} is fed with the token (input feeding).
 *
 * Legend: S source steps, T decoder steps, B rows, E embedding size, He encoder hidden
 * size per direction, Hd = dirs·He the decoder's hidden size (and the encoder output's
 * width), A the additive attention's width, V target vocabulary, In the decoder cell's
 * input width, O the output layer's input width. Everything is time-major; the batch rows
 * must come in order of decreasing source length (the encoder's internal order).
 */
import type { Backend, FloatArray } from '../../backend/backend.js';
import { RnnkitError, ShapeError } from '../../errors.js';
import { attentionBackward, attentionForward, type AttentionInputs } from '../../layers/attention.js';
import { denseBackward, denseForward } from '../../layers/dense.js';
import { ParameterGroups } from '../../layers/parameter-groups.js';
import { ParameterSet, type ParameterSpec } from '../../layers/parameters.js';
import { layoutBatch } from '../../layers/recurrent/batch.js';
import { type CellKind, type CellVariantSettings, resolveOptions, variantOptions } from '../../layers/recurrent/options.js';
import { RecurrentStack, recurrentParameterSpecs } from '../../layers/recurrent/stack.js';
import { StepCell } from '../../layers/recurrent/step-cell.js';
import type { Random } from '../../random.js';
import { argmax, permuteRows } from '../../tensor/tensor.js';
import { crossEntropyForwardBackward, IGNORE_INDEX } from '../../training/losses/cross-entropy.js';

/** Seed 000's three contexts. */
export type ContextKind = 'final' | 'transform' | 'attention';
/** Where a fixed context (`final`, `transform`) enters the decoder. */
export type ContextUse = 'initial-state' | 'every-step';
/** The attention score: Bahdanau's additive one, Luong's dot or general one. */
export type AttentionKind = 'additive' | 'dot' | 'general';

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

export class Seq2SeqCore<F extends FloatArray> extends ParameterGroups<F> {
  readonly encoder: RecurrentStack<F>;
  readonly decoder: StepCell<F>;
  private readonly sourceEmbedding: ParameterSet<F>;
  private readonly targetEmbedding: ParameterSet<F>;
  private readonly bridge: ParameterSet<F> | undefined;
  private readonly attend: ParameterSet<F> | undefined;
  private readonly output: ParameterSet<F>;
  /** Decoder hidden size (= encoder output width). */
  readonly Hd: number;
  private readonly inWidth: number;
  private readonly outWidth: number;
  /** Width of the attention keys and queries. */
  private readonly keyWidth: number;
  private readonly buffers = new Map<string, F>();
  private batch: Seq2SeqBatch | undefined;
  /** Decoder steps run since {@link encode}. */
  private T = 0;
  private readonly intBuffers = new Map<string, Int32Array>();

  constructor(readonly config: Seq2SeqConfig, readonly backend: Backend<F>, random: Random) {
    const { sourceVocabSize: Vs, targetVocabSize: V, embeddingDim: E, cell, context, attention, attentionSize: A } = config;
    const Hd = (config.bidirectional ? 2 : 1) * config.hiddenSize;
    const additive = context === 'attention' && attention === 'additive';
    const luong = context === 'attention' && !additive;
    const fed = context === 'attention' || config.contextUse === 'every-step';
    const linear = (name: string, out: number, inp: number, bias = true): ParameterSpec[] => [
      { name: `${name}weight`, shape: [out, inp], init: { uniform: 1 / Math.sqrt(inp) } },
      ...(bias ? [{ name: `${name}bias`, shape: [out], init: { uniform: 1 / Math.sqrt(inp) } }] : []),
    ];
    const sourceEmbedding = new ParameterSet<F>([{ name: 'weight', shape: [Vs, E], init: { normal: 1 } }], random);
    const rnnOptions = resolveOptions(cell, {
      inputSize: E, hiddenSize: config.hiddenSize, numLayers: config.numLayers, bidirectional: config.bidirectional,
      dropout: config.dropout, ...variantOptions(config),
    }, 'Seq2Seq');
    const rnnParams = new ParameterSet<F>(recurrentParameterSpecs(rnnOptions), random);
    const encoder = new RecurrentStack(rnnOptions, backend, rnnParams, random);
    const targetEmbedding = new ParameterSet<F>([{ name: 'weight', shape: [V, E], init: { normal: 1 } }], random);
    const decoder = new StepCell(cell, 'tanh', E + (fed ? Hd : 0), Hd, backend, random, rnnOptions);
    const bridge = context === 'transform' ? new ParameterSet<F>(linear('', Hd, Hd), random) : undefined;
    const attend = additive
      ? new ParameterSet<F>([...linear('query.', A, Hd, false), ...linear('key.', A, Hd),
        { name: 'score.weight', shape: [A], init: { uniform: 1 / Math.sqrt(A) } }], random)
      : luong
        ? new ParameterSet<F>([...(attention === 'general' ? linear('key.', Hd, Hd, false) : []), ...linear('combine.', Hd, 2 * Hd)], random)
        : undefined;
    const output = new ParameterSet<F>(linear('', V, additive ? 2 * Hd : Hd), random);
    super([
      { prefix: 'encoder.embedding.', params: sourceEmbedding },
      { prefix: 'encoder.rnn.', params: rnnParams },
      { prefix: 'decoder.embedding.', params: targetEmbedding },
      { prefix: 'decoder.cell.', params: decoder.params },
      ...(bridge ? [{ prefix: 'bridge.', params: bridge }] : []),
      ...(attend ? [{ prefix: 'attention.', params: attend }] : []),
      { prefix: 'output.', params: output },
    ], 'Seq2Seq');
    for (const { params } of this.groups) params.bind(backend);
    this.encoder = encoder;
    this.decoder = decoder;
    this.sourceEmbedding = sourceEmbedding;
    this.targetEmbedding = targetEmbedding;
    this.bridge = bridge;
    this.attend = attend;
    this.output = output;
    this.Hd = Hd;
    this.inWidth = decoder.inputSize;
    this.outWidth = additive ? 2 * Hd : Hd;
    this.keyWidth = additive ? A : Hd;
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
    const { hiddenSize: He, numLayers: L, context, contextUse, attention } = this.config;
    const dirs = this.config.bidirectional ? 2 : 1;
    this.batch = batch;
    this.T = 0;
    const enc = this.encoder;
    enc.prepare(layout);
    const table = this.sourceEmbedding.get('weight');
    const ids = this.ints('source', S * B);
    ids.set(source.subarray(0, S * B));
    enc.forward(undefined, undefined, training, { ids, table: table.value, tableGrad: table.grad, vocabSize: this.config.sourceVocabSize });
    // h_T: the top layer's final states, directions side by side.
    const hT = this.buf('hT', B * Hd);
    const finals = enc.finalH();
    for (let d = 0; d < dirs; d++) {
      const k = (L - 1) * dirs + d;
      moveRows(b, 'copy', B, He, finals.subarray(k * B * He) as F, He, hT.subarray(d * He) as F, Hd);
    }
    if (context === 'transform') {
      const ctx = this.buf('context', B * Hd);
      denseForward(b, B, Hd, Hd, hT, this.bridge!.get('weight').value, this.bridge!.get('bias').value, ctx);
      b.activate('tanh', B * Hd, ctx, ctx);
    }
    if (context === 'attention' && attention !== 'dot') {
      const keys = this.buf('keys', S * B * this.keyWidth);
      const bias = attention === 'additive' ? this.attend!.get('key.bias').value : undefined;
      denseForward(b, S * B, Hd, this.keyWidth, enc.output(), this.attend!.get('key.weight').value, bias, keys);
    }
    let h0: F | undefined;
    if (context === 'attention' || (context === 'final' && contextUse === 'initial-state')) h0 = hT;
    else if (contextUse === 'initial-state') h0 = this.buf('context', B * Hd);
    this.decoder.begin(maxSteps, B, h0, undefined);
    this.ints('fed', maxSteps * B);
    const additive = context === 'attention' && attention === 'additive';
    for (const [name, width] of [['weights', S], ['contexts', Hd], ['queries', this.keyWidth], ['outputs', this.outWidth],
      ['combined', 2 * Hd], ['logits', this.config.targetVocabSize], ['hidden', additive ? S * this.keyWidth : 0]] as const) {
      this.buf(name, maxSteps * B * width);
    }
  }

  /**
   * Runs one decoder step on token ids [B] (one per row) and returns the logits [B, V].
   * The attention weights of the step are in {@link attentionWeights}.
   */
  step(ids: ArrayLike<number>): F {
    const batch = this.requireBatch();
    const b = this.backend;
    const { B, S } = batch;
    const { Hd, inWidth: In, outWidth: O } = this;
    const { embeddingDim: E, context, attention, targetVocabSize: V } = this.config;
    const t = this.T;
    const cell = this.decoder;
    const x = cell.nextInput();
    const table = this.targetEmbedding.get('weight').value;
    const fed = this.intBuffers.get('fed')!;
    for (let r = 0; r < B; r++) {
      const id = ids[r]!;
      fed[t * B + r] = id;
      b.copy(E, table.subarray(id * E) as F, x.subarray(r * In) as F);
    }
    const fedWith = x.subarray(E) as F;   // the columns after the token's embedding
    const out = this.slot('outputs', t, O);
    if (context !== 'attention') {
      if (this.config.contextUse === 'every-step') moveRows(b, 'copy', B, Hd, this.contextOf(), Hd, fedWith, In);
      b.copy(B * Hd, cell.step(), out);
    } else if (attention === 'additive') {
      const query = this.slot('queries', t, this.keyWidth);
      denseForward(b, B, Hd, this.keyWidth, cell.state(), this.attend!.get('query.weight').value, undefined, query);
      const c = this.slot('contexts', t, Hd);
      attentionForward(b, this.attentionInputs(query, t), this.slot('weights', t, S), c);
      moveRows(b, 'copy', B, Hd, c, Hd, fedWith, In);
      const s = cell.step();
      moveRows(b, 'copy', B, Hd, s, Hd, out, O);
      moveRows(b, 'copy', B, Hd, c, Hd, out.subarray(Hd) as F, O);
    } else {
      // Input feeding: h̃_{t−1}, zero at the first step.
      if (t === 0) for (let r = 0; r < B; r++) b.fill(Hd, 0, fedWith.subarray(r * In) as F);
      else moveRows(b, 'copy', B, Hd, this.slot('outputs', t - 1, O), O, fedWith, In);
      const s = cell.step();
      const c = this.slot('contexts', t, Hd);
      attentionForward(b, this.attentionInputs(s, t), this.slot('weights', t, S), c);
      const combined = this.slot('combined', t, 2 * Hd);
      moveRows(b, 'copy', B, Hd, c, Hd, combined, 2 * Hd);
      moveRows(b, 'copy', B, Hd, s, Hd, combined.subarray(Hd) as F, 2 * Hd);
      denseForward(b, B, 2 * Hd, Hd, combined, this.attend!.get('combine.weight').value, this.attend!.get('combine.bias').value, out);
      b.activate('tanh', B * Hd, out, out);
    }
    const logits = this.slot('logits', t, V);
    denseForward(b, B, O, V, out, this.output.get('weight').value, this.output.get('bias').value, logits);
    this.T = t + 1;
    return logits;
  }

  /** The attention weights [B, S] of the latest step (rows sum to 1 over their real steps). */
  attentionWeights(): F {
    if (this.config.context !== 'attention') throw new RnnkitError('Seq2Seq: this model has no attention');
    return this.slot('weights', this.T - 1, this.requireBatch().S);
  }

  /**
   * Beam search: the latest step's rows are replaced by rows `from` of it (decoder state
   * and the fed attentional output), so the next step extends those hypotheses.
   */
  reorder(from: ArrayLike<number>): void {
    this.decoder.reorder(from);
    const { context, attention } = this.config;
    if (context === 'attention' && attention !== 'additive' && this.T > 0) {
      permuteRows(this.slot('outputs', this.T - 1, this.outWidth), this.outWidth, from);
    }
  }

  /**
   * Teacher-forced run over targets [T·B] (time-major; IGNORE_INDEX past a row's end):
   * step t is fed `begin` at t = 0, then the true previous target (or, with `forcing`,
   * sometimes the model's own prediction). Returns the mean cross-entropy over the real
   * targets; with `backward`, accumulates every gradient.
   */
  run(batch: Seq2SeqBatch, targets: Int32Array, begin: number, training: boolean, backward: boolean,
    forcing?: Forcing): number {
    const { B } = batch;
    const T = targets.length / B;
    const V = this.config.targetVocabSize;
    this.encode(batch, T, training);
    const ids = new Int32Array(B).fill(begin);
    for (let t = 0; t < T; t++) {
      const logits = this.step(ids);
      for (let r = 0; r < B; r++) {
        const truth = targets[t * B + r]!;
        ids[r] = truth >= 0 && (forcing === undefined || forcing.random.uniform(0, 1) < forcing.ratio)
          ? truth : argmax(logits, r * V, V);
      }
    }
    const logits = this.buf('logits', T * B * V);
    const probs = this.buf('probs', T * B * V);
    const heapTargets = this.ints('targets', T * B);
    heapTargets.set(targets);
    const loss = crossEntropyForwardBackward(this.backend, T * B, V, logits, heapTargets, IGNORE_INDEX, 'mean',
      { probs, losses: this.buf('losses', T * B) }, backward ? probs : undefined);
    if (backward) this.backward(probs);
    return loss;
  }

  /** Backpropagates dL/dlogits [T·B, V] of the steps run since {@link encode}. */
  private backward(dLogits: F): void {
    const batch = this.requireBatch();
    const b = this.backend;
    const { B, S } = batch;
    const { T, Hd, inWidth: In, outWidth: O } = this;
    const { embeddingDim: E, context, contextUse, attention, targetVocabSize: V, hiddenSize: He, numLayers: L } = this.config;
    const dirs = this.config.bidirectional ? 2 : 1;
    const cell = this.decoder;
    const enc = this.encoder;
    const luong = context === 'attention' && attention !== 'additive';
    // Output layer over all steps at once: dO [T·B, O].
    const outputs = this.buf('outputs', T * B * O).subarray(0, T * B * O) as F;
    const dOutputs = this.buf('dOutputs', T * B * O);
    denseBackward(b, T * B, O, V, outputs, this.output.get('weight'), this.output.get('bias'), dLogits, dOutputs);
    const dValues = enc.outputGrad();
    b.fill(dValues.length, 0, dValues);
    const dKeys = context === 'attention' && attention !== 'dot' ? this.zeroed('dKeys', S * B * this.keyWidth) : dValues;
    const dContext = this.zeroed('dContext', B * Hd);     // fixed context
    const dFeed = this.zeroed('dFeed', B * Hd);           // Luong: dL/dh̃_{t−1} from step t's input
    const dc = this.buf('dc', B * Hd);
    const dq = this.buf('dq', B * this.keyWidth);
    const dx = this.buf('dx', B * In);
    const dEmbedded = this.buf('dEmbedded', B * E);
    const dCombined = this.buf('dCombined', B * 2 * Hd);
    const dw = attention === 'additive' && context === 'attention' ? this.attend!.get('score.weight').grad : undefined;
    const scratch = this.buf('scratch', S);
    cell.beginBackward();
    for (let t = T - 1; t >= 0; t--) {
      const dOut = dOutputs.subarray(t * B * O, (t + 1) * B * O) as F;
      const dh = cell.stateGrad();
      if (context !== 'attention') {
        b.axpy(B * Hd, 1, dOut, dh);
      } else if (attention === 'additive') {
        moveRows(b, 'add', B, Hd, dOut, O, dh, Hd);
        moveRows(b, 'copy', B, Hd, dOut.subarray(Hd) as F, O, dc, Hd);
      } else {
        // h̃ = tanh(W_c [c; s] + b_c): da = dh̃ (1 − h̃²), in place in dO for dW_c below.
        b.axpy(B * Hd, 1, dFeed, dOut);
        b.activateBackward('tanh', B * Hd, this.slot('outputs', t, O), dOut, dOut);
        b.gemm(false, false, B, 2 * Hd, Hd, 1, dOut, Hd, this.attend!.get('combine.weight').value, 2 * Hd, 0, dCombined, 2 * Hd);
        moveRows(b, 'copy', B, Hd, dCombined, 2 * Hd, dc, Hd);
        moveRows(b, 'add', B, Hd, dCombined.subarray(Hd) as F, 2 * Hd, dh, Hd);
        const s = cell.state(t + 1);
        attentionBackward(b, this.attentionInputs(s, t), this.slot('weights', t, S), dc, { query: dq, keys: dKeys, values: dValues, w: undefined, additive: undefined }, scratch);
        b.axpy(B * Hd, 1, dq, dh);
      }
      cell.stepBack(dx);
      // The fed token's embedding.
      moveRows(b, 'copy', B, E, dx, In, dEmbedded, E);
      const dFed = dx.subarray(E) as F;
      b.scatterAddRows(B, this.intBuffers.get('fed')!.subarray(t * B, (t + 1) * B), dEmbedded, E, this.targetEmbedding.get('weight').grad);
      // What was fed with it.
      if (context !== 'attention') {
        if (contextUse === 'every-step') moveRows(b, 'add', B, Hd, dFed, In, dContext, Hd);
      } else if (attention === 'additive') {
        moveRows(b, 'add', B, Hd, dFed, In, dc, Hd);
        const query = this.slot('queries', t, this.keyWidth);
        attentionBackward(b, this.attentionInputs(query, t), this.slot('weights', t, S), dc,
          { query: dq, keys: dKeys, values: dValues, w: dw, additive: this.buf('dHidden', S * B * this.keyWidth) }, scratch);
        // q = W_q s_{t−1}: dW_q += dqᵀ s_{t−1}, and ds_{t−1} joins the carried state gradient.
        const dState = this.buf('dState', B * Hd);
        denseBackward(b, B, Hd, this.keyWidth, cell.state(t), this.attend!.get('query.weight'), undefined, dq, dState);
        b.axpy(B * Hd, 1, dState, cell.stateGrad());
      } else if (t > 0) {
        moveRows(b, 'copy', B, Hd, dFed, In, dFeed, Hd);
      }
    }
    cell.endBackward();
    if (luong) {
      // dW_c over all steps: the tanh-backed gradients (in dO) against [c; s].
      const combine = this.attend!;
      b.gemm(true, false, Hd, 2 * Hd, T * B, 1, dOutputs, Hd, this.buf('combined', T * B * 2 * Hd), 2 * Hd, 1, combine.get('combine.weight').grad, 2 * Hd);
      b.columnSums(T * B, Hd, dOutputs, Hd, 1, combine.get('combine.bias').grad);
    }
    // Back to h_T.
    const dhT = this.zeroed('dhT', B * Hd);
    const dh0 = cell.stateGrad();
    if (context === 'attention' || (context === 'final' && contextUse === 'initial-state')) b.axpy(B * Hd, 1, dh0, dhT);
    else if (contextUse === 'initial-state') b.axpy(B * Hd, 1, dh0, dContext);
    if (context === 'final' && contextUse === 'every-step') b.axpy(B * Hd, 1, dContext, dhT);
    if (context === 'transform') {
      const ctx = this.buf('context', B * Hd);
      b.activateBackward('tanh', B * Hd, ctx, dContext, dContext);
      const dIn = this.buf('dIn', B * Hd);
      denseBackward(b, B, Hd, Hd, this.buf('hT', B * Hd), this.bridge!.get('weight'), this.bridge!.get('bias'), dContext, dIn);
      b.axpy(B * Hd, 1, dIn, dhT);
    }
    if (context === 'attention' && attention !== 'dot') {
      const dIn = this.buf('dKeyInput', S * B * Hd);
      const bias = attention === 'additive' ? this.attend!.get('key.bias') : undefined;
      denseBackward(b, S * B, Hd, this.keyWidth, enc.output(), this.attend!.get('key.weight'), bias, dKeys, dIn);
      b.axpy(S * B * Hd, 1, dIn, dValues);
    }
    // The encoder: output gradients are in place; the top layer's final states get dh_T.
    const dStates = this.zeroed('dStates', L * dirs * B * He);
    for (let d = 0; d < dirs; d++) {
      const k = (L - 1) * dirs + d;
      moveRows(b, 'copy', B, He, dhT.subarray(d * He) as F, Hd, dStates.subarray(k * B * He) as F, He);
    }
    enc.backward(dStates, undefined);
  }

  /** The inputs of step t's attention with this query. */
  private attentionInputs(query: F, t: number): AttentionInputs<F> {
    const { S, B, lengths } = this.requireBatch();
    const additive = this.config.attention === 'additive';
    return {
      score: additive ? 'additive' : 'multiplicative',
      S, B, K: this.keyWidth, D: this.Hd,
      keys: this.config.attention === 'dot' ? this.encoder.output() : this.buf('keys', S * B * this.keyWidth),
      values: this.encoder.output(),
      lengths,
      query,
      w: additive ? this.attend!.get('score.weight').value : undefined,
      hidden: additive ? this.slot('hidden', t, S * this.keyWidth) : undefined,
      scores: this.buf('scores', S * B),
    };
  }

  /** The fixed context [B, Hd]: h_T or q(h_T). */
  private contextOf(): F {
    const B = this.requireBatch().B;
    return this.buf(this.config.context === 'transform' ? 'context' : 'hT', B * this.Hd);
  }

  /** Step t's [B, width] slice of the per-step buffer `name`. */
  private slot(name: string, t: number, width: number): F {
    const n = this.requireBatch().B * width;
    return this.buffers.get(name)!.subarray(t * n, (t + 1) * n) as F;
  }

  /** A buffer of at least `size` numbers (grown, never shrunk), viewed at `size`. */
  private buf(name: string, size: number): F {
    return grown(this.buffers, name, size, (n) => this.backend.alloc(n), (b) => this.backend.free(b)).subarray(0, size) as F;
  }

  /** As {@link buf}, for token ids. */
  private ints(name: string, size: number): Int32Array {
    return grown(this.intBuffers, name, size, (n) => this.backend.allocInt(n), (b) => this.backend.free(b)).subarray(0, size);
  }

  private zeroed(name: string, size: number): F {
    const buffer = this.buf(name, size);
    this.backend.fill(size, 0, buffer);
    return buffer;
  }

  private requireBatch(): Seq2SeqBatch {
    if (this.batch === undefined) throw new RnnkitError('Seq2Seq: encode() a batch first');
    return this.batch;
  }
}

/** The buffer `name` of `buffers`, replaced by a new one when shorter than `size`. */
function grown<B extends FloatArray | Int32Array>(buffers: Map<string, B>, name: string, size: number,
  alloc: (n: number) => B, free: (buffer: B) => void): B {
  let buffer = buffers.get(name);
  if (buffer === undefined || buffer.length < size) {
    if (buffer !== undefined) free(buffer);
    buffer = alloc(size);
    buffers.set(name, buffer);
  }
  return buffer;
}

/**
 * Over `rows` rows of `width` numbers: dst ← src (`copy`) or dst += src (`add`), row r of src
 * starting at r·ldSrc and of dst at r·ldDst (pass views that begin at the columns concerned).
 */
function moveRows<F extends FloatArray>(b: Backend<F>, mode: 'copy' | 'add', rows: number, width: number, src: F, ldSrc: number,
  dst: F, ldDst: number): void {
  for (let r = 0; r < rows; r++) {
    const from = src.subarray(r * ldSrc) as F;
    const to = dst.subarray(r * ldDst) as F;
    if (mode === 'copy') b.copy(width, from, to);
    else b.axpy(width, 1, from, to);
  }
}
