/**
 * The messages between the page and the training worker. The worker owns the model and
 * the backend; the page only sends requests and draws what comes back.
 */
import type { LanguageModelSettings, LanguageModelTraining } from '../../src/index.js';

/** A text to learn from, as the page resolved it. */
export interface TextSource {
  /** What to call it in messages: "Moby Dick", a file name, "pasted text". */
  name: string;
  text: string;
}

/** How samples are drawn, and what they continue. */
export interface SamplingSettings {
  /** Text the sample continues (and the probabilities follow). */
  prime: string;
  temperature: number;
  topP: number;
  /** Tokens to generate. */
  length: number;
  seed: number;
}

/** The network and its training, from the page's form. */
export interface TrainingSettings {
  model: LanguageModelSettings;
  training: LanguageModelTraining;
}

/** What the page shows about the current model. */
export interface ModelInfo {
  /** The model file's `model_type`. */
  type: 'language-model';
  settings: LanguageModelSettings;
  tokenizer: 'char' | 'word';
  vocabSize: number;
  /** The file it was opened from; undefined for a model made on the page. */
  fileName: string | undefined;
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
  | { type: 'open'; name: string; bytes: Uint8Array };

/** One bar of the next-token chart. */
export interface TokenProbability {
  /** The token's text. */
  token: string;
  probability: number;
}

/** Where a failure happened, so that the page shows it beside the right control. */
export type FailureSite = 'data' | 'train' | 'model-file' | 'save' | 'sample' | 'worker';

/** Worker → page. */
export type WorkerEvent =
  | { type: 'ready'; threads: number; backend: string; isolated: boolean }
  | { type: 'model'; info: ModelInfo | undefined }
  | { type: 'state'; training: boolean }
  | {
    type: 'progress'; step: number; epoch: number; loss: number; smoothedLoss: number;
    /** Training tokens per second, sampling and evaluation in between excluded. */
    tokensPerSecond: number; stepsPerSecond: number;
    /** Wall-clock seconds spent training (pauses excluded). */
    elapsedSeconds: number;
  }
  | { type: 'evaluation'; step: number; bitsPerChar: number; tokens: number }
  /** A sample drawn with `sampling` after `step` steps; `text` begins with the prime. */
  | { type: 'sample'; sampling: SamplingSettings; text: string; step: number }
  | { type: 'probabilities'; prime: string; tokens: TokenProbability[] }
  | { type: 'saved'; bytes: Uint8Array }
  | { type: 'error'; site: FailureSite; message: string };
