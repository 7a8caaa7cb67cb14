/**
 * The messages between the page and the training worker. The worker owns the model and
 * the backend; the page only sends requests and draws what comes back.
 */
import type {
  AttentionMaps,
  CellKind,
  CellStep,
  CtcReading,
  LanguageModelSettings,
  LanguageModelTraining,
  ModelType,
} from '../../src/index.js';
import type { Message } from './i18n/message.js';

/** A text to learn from, as the page resolved it. */
export interface TextSource {
  /** What to call it in messages: "Moby Dick", a file name, "pasted text". */
  name: string;
  text: string;
  /** Poems one per line (the Tang quatrains): the model writes whole poems and gets a form score. */
  poems: boolean;
}

/** How samples are drawn, and what they continue. */
export interface SamplingSettings {
  /** Text the sample continues (and the probabilities follow); for poems, the start of each poem. */
  prime: string;
  /** Poems only: an acrostic (藏头诗), the first character of each line; '' for none (then `prime` starts the poems). */
  acrostic: string;
  temperature: number;
  topP: number;
  /** Tokens to generate (not for poems, which end with the line break the model draws). */
  length: number;
  seed: number;
}

/** The network and its training, from the page's form. */
export interface TrainingSettings {
  model: LanguageModelSettings;
  training: LanguageModelTraining;
}

/** What the page shows about the current model. */
export type ModelInfo = LanguageModelInfo | Seq2SeqInfo | CtcModelInfo;

interface ModelInfoBase {
  /** The file it was opened from; undefined for a model made on the page. */
  fileName: string | undefined;
}

export interface LanguageModelInfo extends ModelInfoBase {
  type: 'language-model';
  settings: LanguageModelSettings;
  tokenizer: 'char' | 'word';
  vocabSize: number;
  /** The model writes poems one per line (trained on the Tang quatrains, or a character model that knows ，。 and the line break). */
  poems: boolean;
}

export interface Seq2SeqInfo extends ModelInfoBase {
  type: 'seq2seq';
  cell: CellKind;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  /** How the decoder reads the source: attention, or a fixed context. */
  context: string;
  sourceVocabSize: number;
  targetVocabSize: number;
}

export interface CtcModelInfo extends ModelInfoBase {
  type: 'ctc-model';
  cell: CellKind;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  /** Features per frame. */
  inputSize: number;
  labels: string[];
}

/** The model types the page opens. */
export const PAGE_MODEL_TYPES: readonly ModelType[] = ['language-model', 'seq2seq', 'ctc-model'];

/** One quantity over the probe text, [T, H] time-major. */
export interface StateSeries {
  /** `h`, `c`, or a gate: `i`, `f`, `g`, `o` (LSTM), `r`, `z`, `n` (GRU), `a` (RNN pre-activation). */
  key: string;
  /** Values lie in [0, 1] (a gate's opening). */
  bounded: boolean;
  /** Units per step: the hidden size, or a projected LSTM's projSize for `h`. */
  units: number;
  /** [T, units], time-major. */
  values: Float32Array;
}

/** The network run over the probe text. */
export interface ProbeTrace {
  /** The probe's tokens (characters), one per step. */
  tokens: string[];
  cell: CellKind;
  hiddenSize: number;
  /** Per layer, its quantities. */
  layers: StateSeries[][];
  /** Training steps of the model when traced. */
  step: number;
}

/** The small models of the gradient-flow comparison. */
export type ComparedModel = 'rnn' | 'rnnNoClipping' | 'lstm' | 'gru';

/**
 * Whose gradient a curve follows: a quantity of the current model (in a layer, when it has
 * several), or a compared model after its training steps.
 */
export type CurveName = { series: 'h' | 'c'; layer?: number } | { model: ComparedModel; steps: number };

/** log ‖∂L/∂state‖ against the distance from the loss. */
export interface GradientCurve {
  name: CurveName;
  /** `norms[d]`: the norm d steps before the loss's step. */
  norms: number[];
}

/** Page → worker. */
export type Request =
  /** Start training (a new model from `settings` when there is none), or continue after a pause. */
  | { type: 'train'; source: TextSource; settings: TrainingSettings }
  /** Stop after the step in progress; `train` continues exactly from there. */
  | { type: 'pause' }
  /** Forget the model and its training. */
  | { type: 'reset' }
  /** New sampling settings: answer with a sample and the next-token probabilities. */
  | { type: 'sample'; sampling: SamplingSettings }
  /** The model as a model file. */
  | { type: 'save' }
  /** Open a model file (replacing the current model). */
  | { type: 'open'; name: string; bytes: Uint8Array }
  /** The text the views of the inside of a language model read. */
  | { type: 'probe'; text: string }
  /** The equations of one step of one layer, with numbers. */
  | { type: 'cell-step'; layer: number; step: number }
  /** Train small RNN, LSTM and GRU models on the text for `seconds` each and compare their gradient flow. */
  | { type: 'compare'; source: TextSource; seconds: number }
  /** Decode a source with an encoder–decoder and return its attention. */
  | { type: 'translate'; text: string; beamWidth: number }
  /** Read frames with a CTC model: `steps` frames of the model's features each. */
  | { type: 'read-frames'; steps: number; data: Float32Array };

/** One bar of the next-token chart. */
export interface TokenProbability {
  /** The token's text. */
  token: string;
  probability: number;
}

/** Where a failure happened, so that the page shows it beside the right control. */
export type FailureSite =
  'data' | 'train' | 'model-file' | 'save' | 'sample' | 'probe' | 'compare' | 'translate' | 'read-frames' | 'worker';

/** Worker → page. */
export type WorkerEvent =
  /** The backend is up: wasm with plain SIMD, `threads` threads, shared memory when the page is cross-origin isolated. */
  | { type: 'ready'; threads: number; isolated: boolean }
  | { type: 'model'; info: ModelInfo | undefined }
  | { type: 'state'; training: boolean }
  | {
      type: 'progress';
      step: number;
      epoch: number;
      loss: number;
      smoothedLoss: number;
      /** Training tokens per second, sampling and evaluation in between excluded. */
      tokensPerSecond: number;
      stepsPerSecond: number;
      /** Wall-clock seconds spent training (pauses excluded). */
      elapsedSeconds: number;
    }
  | { type: 'evaluation'; step: number; bitsPerChar: number; tokens: number }
  /** A sample drawn with `sampling` after `step` steps; `text` begins with the prime. */
  | { type: 'sample'; sampling: SamplingSettings; text: string; step: number }
  /** Poems drawn with `sampling` after `step` steps (a model that writes poems). */
  | { type: 'poems'; sampling: SamplingSettings; poems: string[]; step: number }
  /** The form score after `step` steps: `regular` of `count` poems sampled at `temperature` are regular quatrains. */
  | { type: 'form-score'; step: number; regular: number; count: number; temperature: number }
  | { type: 'probabilities'; prime: string; tokens: TokenProbability[] }
  | { type: 'saved'; bytes: Uint8Array }
  | { type: 'trace'; trace: ProbeTrace }
  | { type: 'cell-step'; detail: CellStep }
  | { type: 'gradient-flow'; curves: GradientCurve[]; comparison: boolean }
  /** The comparison trains `model`, the `index`-th of `count`, for `seconds`. */
  | { type: 'compare-progress'; model: ComparedModel; index: number; count: number; seconds: number }
  | { type: 'attention'; maps: AttentionMaps }
  | { type: 'ctc'; reading: CtcReading }
  | { type: 'error'; site: FailureSite; message: Message };
