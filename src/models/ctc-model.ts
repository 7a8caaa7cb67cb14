/**
 * CTCModel (Graves et al. 2006): unaligned sequence recognition. A (by default bidirectional)
 * LSTM or GRU reads feature frames, a Dense layer scores the classes at every frame,
 * and CTC sums over all alignments of the label sequence to the frames — no frame-level
 * labels are needed. Decoding is greedy (best path) or prefix beam search.
 *
 * Classes: 0 is the blank; the user's label k (0 ≤ k < numLabels) is class k + 1.
 *
 * Legend: T frames, B sequences, D features per frame, C = numLabels + 1 classes.
 */
import { ctcBeamSearch, ctcGreedyDecode } from '../decode/ctc.js';
import { padSequences, type Sequence } from '../data/sequences.js';
import { ShapeError, UsageError } from '../errors.js';
import { Dense } from '../layers/dense.js';
import type { RecurrentLayer } from '../layers/recurrent/layers.js';
import { Random } from '../random.js';
import type { Tensor } from '../tensor/tensor.js';
import { ctcLoss } from '../losses/ctc.js';
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

/** Options of {@link CTCModel.create}: the encoder's (hidden size 64 by default) and the data's. */
export interface CTCModelOptions extends Omit<EncoderOptions, 'cell'> {
  /** Features per frame, D. */
  inputSize: number;
  /** Distinct labels (the blank is added). */
  numLabels: number;
  /** @default 'lstm' */
  cell?: 'lstm' | 'gru';
  /** The names of the labels (`labels`, numLabels of them, e.g. characters). @default none */
  vocabularies?: Vocabularies;
}

/** The shape of a CTC model (saved in model files); {@link CTCModel.create} rebuilds it. */
export interface CTCModelSettings extends EncoderSettings {
  inputSize: number;
  numLabels: number;
}

/** A labelled example: frames and their label sequence (labels in [0, numLabels)). */
export interface CTCExample {
  frames: Sequence;
  labels: number[];
}

export class CTCModel extends ComposedModel {
  /** The blank's class index. */
  readonly blank = 0;

  private constructor(
    readonly encoder: RecurrentLayer,
    readonly classifier: Dense,
    readonly numLabels: number,
    readonly random: Random,
    vocabularies: Vocabularies,
  ) {
    super(
      [
        ['encoder', encoder],
        ['classifier', classifier],
      ],
      vocabularies,
    );
  }

  /** @throws UsageError on an invalid option. */
  static create(options: CTCModelOptions): CTCModel {
    const { inputSize, numLabels, cell = 'lstm', seed = 1, backend, vocabularies = {} } = options;
    if (!Number.isInteger(numLabels) || numLabels < 1)
      throw new UsageError(`CTCModel: numLabels must be a positive integer, got ${numLabels}`);
    if (cell !== 'lstm' && cell !== 'gru') throw new UsageError(`CTCModel: cell must be 'lstm' or 'gru', got '${String(cell)}'`);
    checkVocabularies(vocabularies, { outputs: numLabels }, 'CTCModel');
    const encoder = createEncoder(options, inputSize, 64);
    const classifier = new Dense({
      inFeatures: encoderWidth(encoder),
      outFeatures: numLabels + 1,
      seed: seed + 1,
      ...(backend ? { backend } : {}),
    });
    return new CTCModel(encoder, classifier, numLabels, new Random(seed + 2), vocabularies);
  }

  /** Its settings: `create({ ...settings, vocabularies })` builds the same shape. */
  get settings(): CTCModelSettings {
    return { inputSize: this.encoder.config.inputSize, numLabels: this.numLabels, ...encoderSettings(this.encoder) };
  }

  /** Class scores `[T, B, C]` (unnormalised) of frames `x` `[T, B, D]` with per-sequence lengths. */
  async logits(x: Tensor, lengths: readonly number[]): Promise<Tensor> {
    const { output } = await this.encoder.forward(x, { lengths });
    return this.classifier.forward(output);
  }

  /**
   * Forward, CTC loss (mean over the batch, per label as PyTorch's `mean`) and backward,
   * accumulating gradients. Returns the loss. A sequence with too few frames for its
   * labels counts zero (PyTorch's `zeroInfinity`) instead of making the loss infinite.
   * @throws UsageError on a label outside [0, numLabels); ShapeError on inconsistent inputs.
   */
  async lossAndBackward(x: Tensor, lengths: readonly number[], labels: readonly (readonly number[])[]): Promise<number> {
    const logits = await this.logits(x, lengths);
    const targets = labels.map((list, b) =>
      list.map((label, i) => {
        if (!Number.isInteger(label) || label < 0 || label >= this.numLabels) {
          throw new UsageError(`CTCModel: labels[${b}][${i}] must be in [0, ${this.numLabels}), got ${label}`);
        }
        return label + 1;
      }),
    );
    const { loss, grad } = ctcLoss(
      logits,
      targets,
      lengths,
      targets.map((t) => t.length),
      { blank: this.blank, zeroInfinity: true },
    );
    const dOutput = await this.classifier.backward(grad);
    await this.encoder.backward({ output: dOutput });
    return loss as number;
  }

  /**
   * The label sequences of frames `x` `[T, B, D]`: greedy, or prefix beam search with `beamWidth` > 1.
   */
  async decode(x: Tensor, lengths: readonly number[], options: { beamWidth?: number } = {}): Promise<number[][]> {
    const logits = await this.logits(x, lengths);
    const beamWidth = options.beamWidth ?? 1;
    const classes =
      beamWidth > 1
        ? ctcBeamSearch(logits, { blank: this.blank, lengths, beamWidth }).map((hypotheses) => hypotheses[0]?.labels ?? [])
        : ctcGreedyDecode(logits, { blank: this.blank, lengths });
    return classes.map((list) => list.map((c) => c - 1));
  }

  /**
   * The training task over `examples` for the shared training loop: shuffled batches of
   * `batchSize` sequences, padded; tokens count frames.
   * @throws ShapeError when an example's frames do not have this model's features.
   */
  async trainingTask(examples: readonly CTCExample[], batchSize: number): Promise<TrainingTask> {
    const D = this.encoder.config.inputSize;
    examples.forEach((e, i) => {
      if (e.frames.data.length !== e.frames.steps * D) {
        throw new ShapeError(`CTCModel: example ${i} has ${e.frames.data.length} values for ${e.frames.steps} frames of ${D} features`);
      }
    });
    return this.batchedTask(
      examples,
      batchSize,
      (e) => e.frames.steps,
      async (batch) => {
        const { x, lengths } = padSequences(
          batch.map((e) => e.frames),
          D,
        );
        return this.train().lossAndBackward(
          x,
          lengths,
          batch.map((e) => e.labels),
        );
      },
    );
  }
}
