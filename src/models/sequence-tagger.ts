/**
 * SequenceTagger (N→N): one label per step — part-of-speech tags, named-entity
 * or slot labels, per-frame classes. Token ids → Embedding → (by default bidirectional)
 * LSTM/GRU → Dense at every step → softmax cross-entropy over the real steps only
 * (padding never counts). With `crf`, the Dense layer's scores are a linear-chain CRF's
 * emissions (BiLSTM-CRF, Huang et al. 2015; Lample et al. 2016): training maximises the
 * likelihood of whole tag paths and prediction is the Viterbi path, which keeps the
 * transition constraints of BIO or BIOES tags.
 *
 * Legend: T steps of the longest sequence in a batch, B sequences, V vocabulary, K tags.
 */
import { padTokenIds } from '../data/sequences.js';
import { ShapeError, UsageError } from '../errors.js';
import { allowedTransitions, type ChunkScheme, chunkSchemeOf, describeViolation, firstViolation } from '../layers/crf/constraints.js';
import { CRF } from '../layers/crf/crf.js';
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import type { RecurrentLayer } from '../layers/recurrent/layers.js';
import { Random } from '../random.js';
import { argmax, type Tensor } from '../tensor/tensor.js';
import { crossEntropy, IGNORE_INDEX } from '../losses/cross-entropy.js';
import type { TrainingTask } from '../training/trainer.js';
import {
  checkVocabularies,
  ComposedModel,
  createEncoder,
  encoderSettings,
  type EncoderSettings,
  encoderWidth,
  type EncoderOptions,
  type Vocabularies,
} from './sequence-model.js';

/** Options of {@link SequenceTagger.create}: the encoder's (hidden size 128 by default) and the data's. */
export interface SequenceTaggerOptions extends EncoderOptions {
  /** Token ids are in [0, vocabSize). */
  vocabSize: number;
  /** Tags are in [0, numTags). */
  numTags: number;
  /** @default 64 */
  embeddingDim?: number;
  /** The input tokens (`tokens`, vocabSize of them) and tag names (`labels`, numTags of them). @default none */
  vocabularies?: Vocabularies;
  /**
   * A CRF output layer: `true` takes its transition constraints from the tag names (BIO or
   * BIOES chunk tags, see chunkSchemeOf; none for other tags or without names); `{ constraints }`
   * names them: `'auto'` (as `true`), `'BIO'`, `'BIOES'` or `'none'`. @default false
   */
  crf?: boolean | { constraints?: 'auto' | CrfConstraintsSetting };
}

/** The constraints a tagger's CRF keeps: those of a chunk scheme over its tag names, or none. */
export type CrfConstraintsSetting = ChunkScheme | 'none';

/** The shape of a tagger (saved in model files); {@link SequenceTagger.create} rebuilds it. */
export interface SequenceTaggerSettings extends EncoderSettings {
  vocabSize: number;
  numTags: number;
  embeddingDim: number;
  /** Present when the tagger has a CRF output layer. */
  crf?: { constraints: CrfConstraintsSetting };
}

/** A tagged sequence: token ids and one tag per token. */
export interface TaggedSequence {
  tokens: readonly number[];
  tags: readonly number[];
}

export class SequenceTagger extends ComposedModel {
  private constructor(
    readonly embedding: Embedding,
    readonly encoder: RecurrentLayer,
    readonly classifier: Dense,
    readonly numTags: number,
    readonly random: Random,
    vocabularies: Vocabularies,
    /** The CRF output layer, when the tagger has one, and the constraints it keeps. */
    readonly crf?: { layer: CRF; constraints: CrfConstraintsSetting },
  ) {
    super(
      [['embedding', embedding], ['encoder', encoder], ['classifier', classifier], ...(crf ? [['crf', crf.layer] as const] : [])],
      vocabularies,
    );
  }

  /** @throws UsageError on an invalid option. */
  static create(options: SequenceTaggerOptions): SequenceTagger {
    const { vocabSize, numTags, embeddingDim = 64, seed = 1, backend, vocabularies = {} } = options;
    checkVocabularies(vocabularies, { inputs: vocabSize, outputs: numTags }, 'SequenceTagger');
    const common = { ...(backend ? { backend } : {}) };
    const embedding = new Embedding({ numEmbeddings: vocabSize, embeddingDim, seed, ...common });
    const encoder = createEncoder({ ...options, seed: seed + 1 }, embeddingDim, 128);
    const classifier = new Dense({ inFeatures: encoderWidth(encoder), outFeatures: numTags, seed: seed + 2, ...common });
    const constraints = crfConstraintsOf(options.crf ?? false, vocabularies.labels);
    const crf =
      constraints === undefined
        ? undefined
        : {
            layer: new CRF({
              numTags,
              seed: seed + 4,
              ...common,
              ...(constraints === 'none' ? {} : { constraints: allowedTransitions(constraints, vocabularies.labels!) }),
            }),
            constraints,
          };
    return new SequenceTagger(embedding, encoder, classifier, numTags, new Random(seed + 3), vocabularies, crf);
  }

  /** Its settings: `create({ ...settings, vocabularies })` builds the same shape. */
  get settings(): SequenceTaggerSettings {
    return {
      vocabSize: this.embedding.numEmbeddings,
      numTags: this.numTags,
      embeddingDim: this.embedding.embeddingDim,
      ...encoderSettings(this.encoder),
      ...(this.crf ? { crf: { constraints: this.crf.constraints } } : {}),
    };
  }

  /** Tag scores `[T, B, K]` of token sequences (padded inside; steps past a sequence's end score 0). */
  async logits(sequences: readonly (readonly number[])[]): Promise<{ logits: Tensor; lengths: number[] }> {
    const { ids, T, B, lengths } = padTokenIds(sequences, 'SequenceTagger'); // padding steps are masked out
    const embedded = await this.embedding.forward(ids, [T, B]);
    const { output } = await this.encoder.forward(embedded, { lengths });
    return { logits: await this.classifier.forward(output), lengths };
  }

  /**
   * Forward, the loss averaged over the real steps (cross-entropy, or with a CRF the negative
   * log-likelihood of each tag path divided by the number of tags), backward (gradients accumulate).
   * @throws ShapeError when a sequence's tags do not match its tokens or a tag is out of range;
   *   UsageError when tags make a move the CRF's constraints forbid.
   */
  async lossAndBackward(batch: readonly TaggedSequence[]): Promise<number> {
    batch.forEach((s, b) => {
      if (s.tags.length !== s.tokens.length) {
        throw new ShapeError(`SequenceTagger: sequence ${b} has ${s.tokens.length} tokens but ${s.tags.length} tags`);
      }
    });
    const { logits, lengths } = await this.logits(batch.map((s) => s.tokens));
    let result: { loss: number | number[] | Float32Array; grad: Tensor };
    if (this.crf !== undefined) {
      result = await this.crf.layer.negativeLogLikelihood(
        logits,
        batch.map((s) => s.tags),
        { lengths, reduction: 'tokenMean' },
      );
    } else {
      // Padded steps get the ignore index: only real steps count.
      const targets = padTokenIds(
        batch.map((s) => s.tags),
        'SequenceTagger',
        IGNORE_INDEX,
      ).ids;
      result = await crossEntropy(logits, targets);
    }
    const dEncoded = await this.classifier.backward(result.grad);
    const { x: dEmbedded } = await this.encoder.backward({ output: dEncoded });
    await this.embedding.backward(dEmbedded);
    return result.loss as number;
  }

  /** The tags of every token: the most likely tag of each, or with a CRF the Viterbi path of each sequence. */
  async predict(sequences: readonly (readonly number[])[]): Promise<number[][]> {
    const { logits, lengths } = await this.logits(sequences);
    if (this.crf !== undefined) return this.crf.layer.decode(logits, { lengths });
    const [, B, K] = logits.shape as [number, number, number];
    return lengths.map((n, b) => Array.from({ length: n }, (_, t) => argmax(logits.data, (t * B + b) * K, K)));
  }

  /**
   * The training task over `examples` for the shared training loop: shuffled batches; tokens count tagged steps.
   * @throws UsageError naming the first example whose tags make a move the CRF's constraints forbid.
   */
  async trainingTask(examples: readonly TaggedSequence[], batchSize: number): Promise<TrainingTask> {
    const constraints = this.crf?.layer.constraints;
    if (constraints !== undefined) {
      examples.forEach((e, i) => {
        const violation = firstViolation(e.tags, constraints);
        if (violation === undefined) return;
        throw new UsageError(
          `SequenceTagger: example ${i} ${describeViolation(violation, this.vocabularies.labels)}, which the ` +
            `${this.crf!.constraints} rules of its CRF forbid ` +
            "(create the tagger with crf: { constraints: 'none' } for tags that break them)",
        );
      });
    }
    return this.batchedTask(
      examples,
      batchSize,
      (e) => e.tokens.length,
      (batch) => this.train().lossAndBackward(batch),
    );
  }
}

/**
 * The constraints a tagger's CRF takes from its `crf` option and tag names: undefined without
 * a CRF; `auto` (or `true`) gives the chunk scheme of the names, or none.
 * @throws UsageError on an invalid option, or a scheme without tag names.
 */
export function crfConstraintsOf(
  option: SequenceTaggerOptions['crf'],
  labels: readonly string[] | undefined,
): CrfConstraintsSetting | undefined {
  if (option === false) return undefined;
  const asked = option === true ? 'auto' : typeof option === 'object' && option !== null ? (option.constraints ?? 'auto') : option;
  if (asked === 'auto') return (labels === undefined ? undefined : chunkSchemeOf(labels)) ?? 'none';
  if (asked === 'none') return 'none';
  if (asked !== 'BIO' && asked !== 'BIOES') {
    throw new UsageError(
      `SequenceTagger: crf must be true, false or { constraints: 'auto' | 'BIO' | 'BIOES' | 'none' }, got ${JSON.stringify(option)}`,
    );
  }
  if (labels === undefined) throw new UsageError(`SequenceTagger: CRF constraints '${asked}' need the tag names (vocabularies.labels)`);
  return asked;
}
