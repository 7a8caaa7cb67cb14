/**
 * The workloads of `npm run bench -- rnn`, shared by every contender (rnnkit, the
 * TensorFlow.js peers in `tfjs-rnn.ts`, the PyTorch reference in
 * `../reference/torch_rnn.py`, which restates these numbers).
 *
 * W1 is one training step of a character language model: embedding → one recurrent
 * layer → dense to the vocabulary, softmax cross-entropy at every step, gradient
 * clipping by global norm, Adam. Throughput is tokens/s, tokens = batch × steps.
 */

/** The character language model of W1. */
export const CHAR_LM = {
  /** Vocabulary size (characters). */
  vocab: 65,
  /** Embedding width. */
  embed: 64,
  /** Sequences per training step. */
  batch: 32,
  /** Time steps per sequence (BPTT length). */
  steps: 64,
  /** Maximum global gradient norm. */
  clip: 5,
  /** Adam learning rate. */
  lr: 2e-3,
} as const;

/** Recurrent cell of a workload. */
export type CellKind = 'lstm' | 'gru';

/** A W1 training workload. */
export interface TrainWorkload {
  /** Key used in result tables and in the PyTorch reference's JSON. */
  id: 'w1_lstm_512' | 'w1_lstm_128' | 'w1_gru_512';
  cell: CellKind;
  hidden: number;
}

/** A forward-only (inference) workload of the W1 model. */
export interface InferenceWorkload {
  id: 'infer_lstm_512_b1' | 'infer_lstm_512_b64';
  cell: 'lstm';
  hidden: number;
  batch: number;
  steps: number;
}

export const TRAIN_WORKLOADS: readonly TrainWorkload[] = [
  { id: 'w1_lstm_512', cell: 'lstm', hidden: 512 },
  { id: 'w1_lstm_128', cell: 'lstm', hidden: 128 },
  { id: 'w1_gru_512', cell: 'gru', hidden: 512 },
];

export const INFERENCE_WORKLOADS: readonly InferenceWorkload[] = [
  { id: 'infer_lstm_512_b1', cell: 'lstm', hidden: 512, batch: 1, steps: 256 },
  { id: 'infer_lstm_512_b64', cell: 'lstm', hidden: 512, batch: 64, steps: 256 },
];

/** Every workload key. */
export type WorkloadId = TrainWorkload['id'] | InferenceWorkload['id'];

/**
 * Deterministic pseudo-random token ids in `[0, vocab)` (a 32-bit LCG). Speed does not
 * depend on the text, so benchmarks use synthetic tokens instead of a corpus.
 */
export function syntheticTokens(count: number, vocab: number = CHAR_LM.vocab, seed = 1): Int32Array {
  const tokens = new Int32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    tokens[i] = (state >>> 8) % vocab;
  }
  return tokens;
}
