/**
 * rnnkit's side of `npm run bench -- rnn`: the W1 training step and the inference
 * workloads (see ../peers/workloads.ts) on rnnkit's language-model engine.
 */
import type { Backend } from '../../src/backend/backend.js';
import type { CellVariantSettings } from '../../src/layers/recurrent/options.js';
import { LanguageModelCore } from '../../src/models/language-model/core.js';
import { Random } from '../../src/random.js';
import { clipGradNorm } from '../../src/training/clip.js';
import { Adam } from '../../src/training/optim/adam.js';
import type { Contender } from '../harness.js';
import { CHAR_LM, type CellKind, syntheticTokens } from '../peers/workloads.js';

function model(backend: Backend, cell: CellKind, hidden: number, variant: CellVariantSettings = {}): LanguageModelCore<Float32Array> {
  return new LanguageModelCore(
    { vocabSize: CHAR_LM.vocab, embeddingDim: CHAR_LM.embed, cell, hiddenSize: hidden, numLayers: 1, dropout: 0, ...variant },
    backend,
    new Random(1),
  );
}

/**
 * One W1 training step per run(): forward, loss, backward, clipping at 5, Adam 2e-3; `variant`
 * picks the GRU's reset-before form or the peephole LSTM.
 */
export function rnnkitTrainer(
  backend: Backend,
  cell: CellKind,
  hidden: number,
  name: string,
  variant: CellVariantSettings = {},
): Contender & { tokens: number } {
  const { batch: B, steps: T } = CHAR_LM;
  const lm = model(backend, cell, hidden, variant);
  const params = lm.parameters();
  const adam = new Adam(params, { lr: CHAR_LM.lr }, backend);
  const stream = syntheticTokens(T * B + B);
  lm.prepare(T, B);
  lm.inputIds().set(stream.subarray(0, T * B));
  lm.targetIds().set(stream.subarray(B, T * B + B));
  return {
    name,
    tokens: T * B,
    run: () => {
      lm.zeroGrad();
      lm.run(true, true, true);
      clipGradNorm(params, CHAR_LM.clip, {}, backend);
      adam.step();
    },
  };
}

/** Forward over `steps` tokens of `batch` streams per run() (no loss), at H = hidden. */
export function rnnkitInference(
  backend: Backend,
  hidden: number,
  batch: number,
  steps: number,
  name: string,
): Contender & { tokens: number } {
  const lm = model(backend, 'lstm', hidden);
  lm.prepare(steps, batch);
  lm.inputIds().set(syntheticTokens(steps * batch));
  return {
    name,
    tokens: steps * batch,
    run: () => {
      lm.resetState();
      lm.run(false, false, false);
    },
  };
}
