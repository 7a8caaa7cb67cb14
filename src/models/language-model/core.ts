/**
 * The language model's engine (Mikolov et al. 2010): Embedding → stacked RNN/LSTM/GRU → Dense over
 * the vocabulary, with softmax cross-entropy at every step — everything in the
 * backend's memory, nothing copied to JavaScript arrays inside a training step.
 *
 * Legend: T steps, B streams (batch), V vocabulary, E embedding size, H hidden size, S state
 * size (H, or P for a projected LSTM), L layers. Token ids are time-major [T, B]. The recurrent state carries from one batch
 * to the next (truncated BPTT): it is the next batch's initial state, without gradient.
 *
 * Parameter names: `embedding.weight` [V, E], `rnn.weight_ih_l0` … (PyTorch's nn.LSTM
 * names), `decoder.weight` [V, S], `decoder.bias` [V] — a PyTorch model made of
 * nn.Embedding, nn.LSTM and nn.Linear with these attribute names maps one to one.
 */
import type { Backend, FloatArray } from '../../backend/backend.js';
import { denseBackward, denseForward } from '../../layers/dense.js';
import { ParameterGroups } from '../../layers/parameter-groups.js';
import { ParameterSet } from '../../layers/parameters.js';
import { layoutBatch } from '../../layers/recurrent/batch.js';
import { type CellKind, type CellVariantSettings, resolveOptions, stateSizeOf, variantOptions } from '../../layers/recurrent/options.js';
import type { RecordedSteps } from '../../layers/recurrent/direction-buffers.js';
import { RecurrentStack, recurrentParameterSpecs } from '../../layers/recurrent/stack.js';
import { ShapeError } from '../../errors.js';
import type { Random } from '../../random.js';
import { Workspace } from '../../tensor/workspace.js';
import type { Tensor } from '../../tensor/tensor.js';
import { crossEntropyForwardBackward, IGNORE_INDEX } from '../../losses/cross-entropy.js';

/** The shape of a language model (and its cell's variant, when not PyTorch's). */
export interface LanguageModelConfig extends CellVariantSettings {
  vocabSize: number;
  embeddingDim: number;
  cell: CellKind;
  hiddenSize: number;
  numLayers: number;
  /** Dropout between recurrent layers, in training. */
  dropout: number;
  /** LSTM: the projected state size P (PyTorch's proj_size); absent for none. */
  projSize?: number;
}

export class LanguageModelCore<F extends FloatArray> extends ParameterGroups<F> {
  readonly embedding: ParameterSet<F>;
  readonly decoder: ParameterSet<F>;
  readonly rnn: RecurrentStack<F>;
  private T = 0;
  private B = 0;
  /** tokens, targets [T·B] input and next ids (or ignore); logits, probs [T·B, V]; losses [T·B]. */
  private readonly workspace: Workspace<F, 'logits' | 'probs' | 'losses', 'tokens' | 'targets'>;
  /** carryH [L, B, S] and carryC [L, B, H] (LSTM): the state handed to the next batch. */
  private readonly carry: Workspace<F, 'carryH' | 'carryC', never, number>;

  constructor(
    readonly config: LanguageModelConfig,
    readonly backend: Backend<F>,
    random: Random,
  ) {
    const { vocabSize: V, embeddingDim: E, hiddenSize: H } = config;
    const embedding = new ParameterSet<F>([{ name: 'weight', shape: [V, E], init: { normal: 1 } }], random);
    const rnnOptions = resolveOptions(
      config.cell,
      {
        inputSize: E,
        hiddenSize: H,
        numLayers: config.numLayers,
        dropout: config.dropout,
        ...variantOptions(config),
        ...(config.projSize !== undefined ? { projSize: config.projSize } : {}),
      },
      'LanguageModel',
    );
    const rnnParams = new ParameterSet<F>(recurrentParameterSpecs(rnnOptions), random);
    const S = stateSizeOf(rnnOptions);
    const bound = 1 / Math.sqrt(S);
    const decoder = new ParameterSet<F>(
      [
        { name: 'weight', shape: [V, S], init: { uniform: bound } },
        { name: 'bias', shape: [V], init: { uniform: bound } },
      ],
      random,
    );
    super(
      [
        { prefix: 'embedding.', params: embedding },
        { prefix: 'rnn.', params: rnnParams },
        { prefix: 'decoder.', params: decoder },
      ],
      'LanguageModel',
    );
    embedding.bind(backend);
    decoder.bind(backend);
    this.embedding = embedding;
    this.decoder = decoder;
    this.rnn = new RecurrentStack(rnnOptions, backend, rnnParams, random);
    this.workspace = new Workspace(
      backend,
      {
        floats: { logits: ({ T, B }) => T * B * V, probs: ({ T, B }) => T * B * V, losses: ({ T, B }) => T * B },
        ints: { tokens: ({ T, B }) => T * B, targets: ({ T, B }) => T * B },
      },
      this,
    );
    const L = config.numLayers;
    this.carry = new Workspace(
      backend,
      {
        floats: {
          carryH: (B: number) => L * B * S,
          carryC: (B: number) => (config.cell === 'lstm' ? L * B * H : 0),
        },
      },
      this,
    );
  }

  private get tokens(): Int32Array {
    return this.workspace.last.tokens;
  }
  private get targets(): Int32Array {
    return this.workspace.last.targets;
  }
  private get logits(): F {
    return this.workspace.last.logits;
  }
  private get probs(): F {
    return this.workspace.last.probs;
  }
  private get losses(): F {
    return this.workspace.last.losses;
  }
  private get carryH(): F | undefined {
    return this.carry.planned ? this.carry.last.carryH : undefined;
  }
  private get carryC(): F | undefined {
    return this.carry.planned && this.config.cell === 'lstm' ? this.carry.last.carryC : undefined;
  }

  /** Forgets the carried state: the next batch starts from zeros. */
  resetState(): void {
    const b = this.backend;
    if (this.carryH !== undefined) b.fill(this.carryH.length, 0, this.carryH);
    if (this.carryC !== undefined) b.fill(this.carryC.length, 0, this.carryC);
  }

  /** The carried state, as tensors `h` [L, B, S] (and `c` [L, B, H]), for checkpoints. */
  carriedState(): Record<string, Tensor> {
    const { numLayers: L, hiddenSize: H } = this.config;
    const out: Record<string, Tensor> = {};
    if (this.carryH !== undefined) out.h = { shape: [L, this.B, stateSizeOf(this.rnn.options)], data: Float32Array.from(this.carryH) };
    if (this.carryC !== undefined) out.c = { shape: [L, this.B, H], data: Float32Array.from(this.carryC) };
    return out;
  }

  /**
   * Restores a state from {@link carriedState} (after {@link prepare} with the same B).
   * @throws ShapeError when its sizes do not match.
   */
  loadCarriedState(state: Record<string, Tensor>): void {
    for (const [name, buffer] of [
      ['h', this.carryH],
      ['c', this.carryC],
    ] as const) {
      const t = state[name];
      if (buffer === undefined && t === undefined) continue;
      if (buffer === undefined || t === undefined || t.data.length !== buffer.length) {
        throw new ShapeError(`LanguageModel: the carried state ${name} does not fit this model and batch`);
      }
      buffer.set(t.data);
    }
  }

  /**
   * Prepares for batches of B streams × T steps; keeps the carried state when B is
   * unchanged. Then fill {@link inputIds} and {@link targetIds}.
   */
  prepare(T: number, B: number): void {
    this.workspace.views({ T, B });
    if (B !== this.B) {
      this.carry.views(B);
      this.resetState();
    }
    this.T = T;
    this.B = B;
    this.rnn.prepare(layoutBatch(T, B, undefined, 'LanguageModel'));
  }

  /** Input ids [T, B] of the prepared batch. */
  inputIds(): Int32Array {
    return this.tokens.subarray(0, this.T * this.B);
  }

  /** Target ids [T, B] (IGNORE_INDEX where a step has no target). */
  targetIds(): Int32Array {
    return this.targets.subarray(0, this.T * this.B);
  }

  /** Logits [T·B, V] of the last forward. */
  output(): F {
    return this.logits.subarray(0, this.T * this.B * this.config.vocabSize) as F;
  }

  /**
   * Runs `ids` [T] as one sequence from a zero state, without dropout, and returns what each
   * layer computed at each step and the next-token probabilities after each step [T, V].
   * It leaves the engine prepared for one row and its carried state at the sequence's end.
   */
  trace(ids: Int32Array): { layers: RecordedSteps<F>[]; probabilities: F } {
    const T = ids.length;
    const V = this.config.vocabSize;
    this.prepare(T, 1);
    this.resetState();
    this.inputIds().set(ids);
    this.run(false, false, false, true);
    const layers = Array.from({ length: this.config.numLayers }, (_, l) => this.rnn.recorded(l, 0));
    const probabilities = this.probs.subarray(0, T * V) as F;
    this.backend.softmax(T, V, this.output(), probabilities);
    return { layers, probabilities: probabilities.slice() as F };
  }

  /**
   * Forward over the prepared batch from the carried state, then carries the final
   * state on. With `withLoss`, returns the mean cross-entropy against {@link targetIds}
   * (and, with `backward`, accumulates every gradient); otherwise returns NaN. Without
   * `backward` the recurrent layers run forward only, keeping nothing for a backward pass,
   * unless `keepSteps` asks for what they computed at every step (see {@link trace}).
   */
  run(training: boolean, withLoss: boolean, backward: boolean, keepSteps = backward): number {
    const b = this.backend;
    const { vocabSize: V, hiddenSize: H, numLayers: L } = this.config;
    const S = stateSizeOf(this.rnn.options);
    const rows = this.T * this.B;
    const rnn = this.rnn;
    const ids = this.inputIds();
    const emb = this.embedding.get('weight');
    const decW = this.decoder.get('weight');
    const decB = this.decoder.get('bias');
    // The embedding feeds the first layer as token ids: its projection runs over the V
    // table rows, not the T·B inputs (see Direction).
    rnn.forward(this.carryH, this.carryC, training, { ids, table: emb.value, tableGrad: emb.grad, vocabSize: V }, backward || keepSteps);
    denseForward(b, rows, S, V, rnn.output(), decW.value, decB.value, this.output());
    b.copy(L * this.B * S, rnn.finalH(), this.carryH!);
    if (this.carryC !== undefined) b.copy(L * this.B * H, rnn.finalC(), this.carryC);
    if (!withLoss) return NaN;
    const loss = crossEntropyForwardBackward(
      b,
      rows,
      V,
      this.output(),
      this.targetIds(),
      IGNORE_INDEX,
      'mean',
      { probs: this.probs, losses: this.losses },
      backward ? this.probs : undefined,
    );
    if (backward) {
      // probs now holds dL/dlogits.
      denseBackward(b, rows, S, V, rnn.output(), decW, decB, this.probs.subarray(0, rows * V) as F, rnn.outputGrad());
      rnn.backward(undefined, undefined);
    }
    return loss;
  }
}
