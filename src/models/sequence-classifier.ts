/**
 * SequenceClassifier (N→1): one label per sequence — sentiment, spam, a name's
 * gender. Token ids → Embedding → (by default bidirectional) LSTM/GRU → one vector per
 * sequence → Dense → softmax cross-entropy. The vector is the final hidden state of the
 * top layer (`last`: each direction's state after its last real step), or the mean or
 * maximum of the top layer's outputs over the real steps.
 *
 * Legend: T steps of the longest sequence in a batch, B sequences, F = dirs·H features, K classes.
 */
import { padTokenIds } from '../data/sequences.js';
import { ShapeError } from '../errors.js';
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import type { RecurrentLayer } from '../layers/recurrent/layers.js';
import { Random } from '../random.js';
import { argmax, type Tensor } from '../tensor/tensor.js';
import { crossEntropy } from '../losses/cross-entropy.js';
import type { TrainingTask } from '../training/trainer.js';
import {
  checkPooling,
  checkVocabularies,
  ComposedModel,
  createEncoder,
  encoderSettings,
  type EncoderSettings,
  encoderWidth,
  type EncoderOptions,
  pool,
  pooledGradient,
  type SequencePooling,
  type Vocabularies,
} from './sequence-model.js';

/** Options of {@link SequenceClassifier.create}: the encoder's (hidden size 64 by default) and the data's. */
export interface SequenceClassifierOptions extends EncoderOptions {
  /** Token ids are in [0, vocabSize). */
  vocabSize: number;
  numClasses: number;
  /** @default 32 */
  embeddingDim?: number;
  /** How a sequence becomes one vector. @default 'last' */
  pooling?: SequencePooling;
  /** The input tokenizer (`tokenizer`, vocabSize ids) and class names (`labels`, numClasses of them). @default none */
  vocabularies?: Vocabularies;
}

/** The shape of a classifier (saved in model files); {@link SequenceClassifier.create} rebuilds it. */
export interface SequenceClassifierSettings extends EncoderSettings {
  vocabSize: number;
  numClasses: number;
  embeddingDim: number;
  pooling: SequencePooling;
}

/** A labelled sequence of token ids. */
export interface LabelledSequence {
  tokens: readonly number[];
  label: number;
}

export class SequenceClassifier extends ComposedModel {
  private constructor(
    readonly embedding: Embedding,
    readonly encoder: RecurrentLayer,
    readonly classifier: Dense,
    readonly pooling: SequencePooling,
    readonly numClasses: number,
    readonly random: Random,
    vocabularies: Vocabularies,
  ) {
    super(
      [
        ['embedding', embedding],
        ['encoder', encoder],
        ['classifier', classifier],
      ],
      vocabularies,
    );
  }

  /** @throws UsageError on an invalid option. */
  static create(options: SequenceClassifierOptions): SequenceClassifier {
    const { vocabSize, numClasses, embeddingDim = 32, pooling = 'last', seed = 1, backend, vocabularies = {} } = options;
    checkPooling(pooling, 'SequenceClassifier');
    checkVocabularies(vocabularies, { inputs: vocabSize, outputs: numClasses }, 'SequenceClassifier');
    const common = { ...(backend ? { backend } : {}) };
    const embedding = new Embedding({ numEmbeddings: vocabSize, embeddingDim, seed, ...common });
    const encoder = createEncoder({ ...options, seed: seed + 1 }, embeddingDim, 64);
    const classifier = new Dense({ inFeatures: encoderWidth(encoder), outFeatures: numClasses, seed: seed + 2, ...common });
    return new SequenceClassifier(embedding, encoder, classifier, pooling, numClasses, new Random(seed + 3), vocabularies);
  }

  /** Its settings: `create({ ...settings, vocabularies })` builds the same shape. */
  get settings(): SequenceClassifierSettings {
    return {
      vocabSize: this.embedding.numEmbeddings,
      numClasses: this.numClasses,
      embeddingDim: this.embedding.embeddingDim,
      pooling: this.pooling,
      ...encoderSettings(this.encoder),
    };
  }

  /** Class scores `[B, K]` of token sequences. */
  async logits(sequences: readonly (readonly number[])[]): Promise<Tensor> {
    return (await this.forward(sequences)).logits;
  }

  /**
   * Forward, mean cross-entropy, backward (gradients accumulate). Returns the loss.
   * @throws ShapeError on an empty sequence or a label outside [0, numClasses).
   */
  async lossAndBackward(batch: readonly LabelledSequence[]): Promise<number> {
    const { logits, output, h, lengths } = await this.forward(batch.map((s) => s.tokens));
    const labels = batch.map((s, b) => {
      if (!Number.isInteger(s.label) || s.label < 0 || s.label >= this.numClasses) {
        throw new ShapeError(`SequenceClassifier: label ${b} must be in [0, ${this.numClasses}), got ${s.label}`);
      }
      return s.label;
    });
    const { loss, grad } = await crossEntropy(logits, labels);
    const dPooled = await this.classifier.backward(grad);
    const { x } = await this.encoder.backward(pooledGradient(this.encoder, this.pooling, output, h, lengths, dPooled));
    await this.embedding.backward(x);
    return loss as number;
  }

  /** The most likely class of each sequence. */
  async predict(sequences: readonly (readonly number[])[]): Promise<number[]> {
    const logits = await this.logits(sequences);
    const K = this.numClasses;
    return sequences.map((_, b) => argmax(logits.data, b * K, K));
  }

  /** The training task for the shared loop: length-bucketed shuffled batches; tokens count sequences' steps. */
  async trainingTask(examples: readonly LabelledSequence[], batchSize: number): Promise<TrainingTask> {
    return this.batchedTask(
      examples,
      batchSize,
      (e) => e.tokens.length,
      (batch) => this.train().lossAndBackward(batch),
    );
  }

  private async forward(sequences: readonly (readonly number[])[]) {
    const { ids, T, B, lengths } = padTokenIds(sequences, 'SequenceClassifier');
    const embedded = await this.embedding.forward(ids, [T, B]);
    const { output, h } = await this.encoder.forward(embedded, { lengths });
    const pooled = pool(this.encoder, this.pooling, output, h, lengths);
    return { logits: await this.classifier.forward(pooled), output, h, lengths };
  }
}
