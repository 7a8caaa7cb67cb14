/**
 * SequenceTagger (seed 000, N→N): one label per step — part-of-speech tags, named-entity
 * or slot labels, per-frame classes. Token ids → Embedding → (by default bidirectional)
 * LSTM/GRU → Dense at every step → softmax cross-entropy over the real steps only
 * (padding never counts).
 *
 * Legend: T steps of the longest sequence in a batch, B sequences, V vocabulary, K tags.
 */
import { padTokenIds } from '../data/sequences.js';
import { ShapeError } from '../errors.js';
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import type { RecurrentLayer } from '../layers/recurrent/layers.js';
import { Random } from '../random.js';
import { argmax, type Tensor } from '../tensor/tensor.js';
import { crossEntropy, IGNORE_INDEX } from '../training/losses/cross-entropy.js';
import type { TrainingTask } from '../training/trainer.js';
import {
  batchedTask, checkVocabularies, ComposedModel, createEncoder, encoderSettings, type EncoderSettings, encoderWidth,
  type EncoderOptions, type Vocabularies,
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
}

/** The shape of a tagger (saved in model files); {@link SequenceTagger.create} rebuilds it. */
export interface SequenceTaggerSettings extends EncoderSettings {
  vocabSize: number;
  numTags: number;
  embeddingDim: number;
}

/** A tagged sequence: token ids and one tag per token. */
export interface TaggedSequence {
  tokens: readonly number[];
  tags: readonly number[];
}

export class SequenceTagger extends ComposedModel {
  private constructor(readonly embedding: Embedding, readonly encoder: RecurrentLayer, readonly classifier: Dense,
    readonly numTags: number, readonly random: Random, vocabularies: Vocabularies) {
    super([['embedding', embedding], ['encoder', encoder], ['classifier', classifier]], vocabularies);
  }

  /** @throws UsageError on an invalid option. */
  static create(options: SequenceTaggerOptions): SequenceTagger {
    const { vocabSize, numTags, embeddingDim = 64, seed = 1, backend, vocabularies = {} } = options;
    checkVocabularies(vocabularies, { inputs: vocabSize, outputs: numTags }, 'SequenceTagger');
    const common = { ...(backend ? { backend } : {}) };
    const embedding = new Embedding({ numEmbeddings: vocabSize, embeddingDim, seed, ...common });
    const encoder = createEncoder({ ...options, seed: seed + 1 }, embeddingDim, 128);
    const classifier = new Dense({ inFeatures: encoderWidth(encoder), outFeatures: numTags, seed: seed + 2, ...common });
    return new SequenceTagger(embedding, encoder, classifier, numTags, new Random(seed + 3), vocabularies);
  }

  /** Its settings: `create({ ...settings, vocabularies })` builds the same shape. */
  get settings(): SequenceTaggerSettings {
    return { vocabSize: this.embedding.numEmbeddings, numTags: this.numTags, embeddingDim: this.embedding.embeddingDim,
      ...encoderSettings(this.encoder) };
  }

  /** Tag scores `[T, B, K]` of token sequences (padded inside; steps past a sequence's end score 0). */
  async logits(sequences: readonly (readonly number[])[]): Promise<{ logits: Tensor; lengths: number[] }> {
    const { ids, T, B, lengths } = padTokenIds(sequences, 'SequenceTagger');  // padding steps are masked out
    const embedded = await this.embedding.forward(ids, [T, B]);
    const { output } = await this.encoder.forward(embedded, { lengths });
    return { logits: await this.classifier.forward(output), lengths };
  }

  /**
   * Forward, mean cross-entropy over the real steps, backward (gradients accumulate).
   * @throws ShapeError when a sequence's tags do not match its tokens or a tag is out of range.
   */
  async lossAndBackward(batch: readonly TaggedSequence[]): Promise<number> {
    batch.forEach((s, b) => {
      if (s.tags.length !== s.tokens.length) {
        throw new ShapeError(`SequenceTagger: sequence ${b} has ${s.tokens.length} tokens but ${s.tags.length} tags`);
      }
    });
    const { logits } = await this.logits(batch.map((s) => s.tokens));
    // Padded steps get the ignore index: only real steps count.
    const targets = padTokenIds(batch.map((s) => s.tags), 'SequenceTagger', IGNORE_INDEX).ids;
    const { loss, grad } = await crossEntropy(logits, targets);
    const dEncoded = await this.classifier.backward(grad);
    const { x: dEmbedded } = await this.encoder.backward({ output: dEncoded });
    await this.embedding.backward(dEmbedded);
    return loss as number;
  }

  /** The most likely tag of every token. */
  async predict(sequences: readonly (readonly number[])[]): Promise<number[][]> {
    const { logits, lengths } = await this.logits(sequences);
    const [, B, K] = logits.shape as [number, number, number];
    return lengths.map((n, b) => Array.from({ length: n }, (_, t) => argmax(logits.data, (t * B + b) * K, K)));
  }

  /** The training task over `examples` for the shared training loop: shuffled batches; tokens count tagged steps. */
  async trainingTask(examples: readonly TaggedSequence[], batchSize: number): Promise<TrainingTask> {
    return batchedTask(examples, batchSize, this.random, await this.parameters(), (e) => e.tokens.length,
      (batch) => this.train().lossAndBackward(batch), this.partGenerators());
  }
}
