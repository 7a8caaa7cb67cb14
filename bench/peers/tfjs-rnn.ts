/**
 * TensorFlow.js peers for `npm run bench -- rnn` (workloads in `./workloads.ts`), on its
 * 'wasm' backend (XNNPACK; in Node single-threaded, as tfjs disables wasm threads there)
 * and on its plain-JavaScript 'cpu' backend.
 *
 * The W1 model in tfjs-layers, as close to rnnkit's and PyTorch's as tfjs allows:
 * - Input: one-hot vectors of size `vocab`, not token ids. tfjs's wasm backend cannot
 *   train an `Embedding` layer (the gradient of its gather, `UnsortedSegmentSum`, has no
 *   wasm kernel), so a bias-free `dense(embed)` on the one-hot input stands in for it
 *   (one-hot · W is the embedding lookup). The one-hot tensors are built once, outside
 *   the timed step.
 * - `lstm` / `gru` (`returnSequences`) with `recurrentActivation: 'sigmoid'` (tfjs's
 *   default is `hardSigmoid`; PyTorch and rnnkit use the sigmoid) and
 *   `recurrentInitializer: 'glorotUniform'`: the default, 'orthogonal', calls
 *   `Tensor.prototype.flatten`, a chained op that only the union package
 *   `@tensorflow/tfjs` registers, so it throws with tfjs-core + tfjs-layers alone. The
 *   values of the weights do not change the speed.
 * - GRU: tfjs-layers only has the `resetAfter: false` form (reset gate applied to
 *   `h_{t-1}` before the recurrent product, one bias per gate), not the PyTorch/cuDNN
 *   `reset_after` form that rnnkit and PyTorch compute; the cost is the same order.
 * - `dense(vocab)` on the 3-D sequence output, softmax cross-entropy on one-hot labels
 *   (mean over batch × steps), gradients by `tf.variableGrads`, clipping by global norm
 *   computed with tf ops (tfjs has no `clipByGlobalNorm`), then `tf.train.adam`.
 *
 * Measured here (tfjs 4.22, Node 20): the wasm backend's `matMul` ran [32, 512] · [512, 2048]
 * at ~15 GFLOP/s but only at ~1 GFLOP/s with `transposeA` or `transposeB`, which the
 * backward pass uses at every time step; that, not the forward pass, dominates its W1 time.
 *
 * A peer's `run()` is synchronous (both backends execute kernels eagerly), so a peer
 * can be a {@link Contender} of `../harness.ts` and be interleaved with rnnkit.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import type { Contender } from '../harness.js';
import { CHAR_LM, type CellKind, syntheticTokens } from './workloads.js';

/** A TensorFlow.js backend that the peers run on. */
export type TfjsBackendName = 'wasm' | 'cpu';

/** Options of {@link createTfjsTrainer} and {@link tfjsTrainTokensPerSecond}. */
export interface TfjsTrainOptions {
  cell: CellKind;
  /** Hidden size H. */
  hidden: number;
  backend: TfjsBackendName;
  /**
   * Time spent measuring, warm-up included: one warm-up step, then timed steps until the
   * budget is used; when the warm-up step alone uses it up (the 'cpu' backend at H=512
   * takes about a minute per step), that step is the measurement. @default 10000
   */
  budgetMs?: number;
}

/** Options of {@link createTfjsInference} and {@link tfjsInferenceTokensPerSecond}. */
export interface TfjsInferenceOptions {
  /** Hidden size H of the LSTM. */
  hidden: number;
  batch: number;
  steps: number;
  backend: TfjsBackendName;
  /** As {@link TfjsTrainOptions.budgetMs}. @default 10000 */
  budgetMs?: number;
}

/** A ready-to-time peer: `run()` does `tokens` tokens of work on its backend. */
export interface TfjsPeer extends Contender {
  /** Tokens (batch × steps) processed by one `run()`. */
  tokens: number;
  /** Frees the model, optimizer and inputs. */
  dispose(): void;
}

/**
 * Makes `name` the active TensorFlow.js backend (initialising it once, in production
 * mode) and returns a one-line description of it (version, SIMD and threads for wasm).
 */
export async function useTfjsBackend(name: TfjsBackendName): Promise<string> {
  tf.enableProdMode(); // as a production app would: no debug checks, no console banners
  if (!(await tf.setBackend(name))) throw new Error(`tfjs: cannot initialise the '${name}' backend`);
  await tf.ready();
  const wasm =
    name === 'wasm'
      ? `, SIMD ${String(tf.env().getBool('WASM_HAS_SIMD_SUPPORT'))}, threads ${String(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'))}`
      : '';
  return `tfjs ${tf.version_core} ${name}${wasm}`;
}

/**
 * Builds the W1 training step (see the file's notes) on `backend`, which becomes the
 * active backend. `run()` does one full training step (forward, loss, backward, clip,
 * Adam update) on `CHAR_LM.batch` × `CHAR_LM.steps` tokens.
 */
export async function createTfjsTrainer({ cell, hidden, backend }: TfjsTrainOptions): Promise<TfjsPeer> {
  await useTfjsBackend(backend);
  const { batch, steps, clip, lr } = CHAR_LM;
  const model = buildModel(cell, hidden);
  const variables = trainableVariables(model);
  const optimizer = tf.train.adam(lr);
  const [x, y] = oneHotBatch(batch, steps);
  const run = (): void => {
    assertBackend(backend);
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => crossEntropy(model, x, y), variables);
      optimizer.applyGradients(clipByGlobalNorm(grads, clip));
      value.dataSync();
    });
  };
  const dispose = (): void => {
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  };
  return { name: `tfjs-${backend} ${cell} H=${hidden} train`, tokens: batch * steps, run, dispose };
}

/**
 * Builds the forward pass (logits, no loss) of the W1 model with an LSTM of size
 * `hidden` on `batch` × `steps` one-hot tokens, on `backend`, which becomes active.
 */
export async function createTfjsInference({ hidden, batch, steps, backend }: TfjsInferenceOptions): Promise<TfjsPeer> {
  await useTfjsBackend(backend);
  const model = buildModel('lstm', hidden);
  const [x, targets] = oneHotBatch(batch, steps);
  targets.dispose();
  const run = (): void => {
    assertBackend(backend);
    tf.tidy(() => void forward(model, x, false));
  };
  const dispose = (): void => {
    x.dispose();
    model.dispose();
  };
  return { name: `tfjs-${backend} lstm H=${hidden} B=${batch} T=${steps} infer`, tokens: batch * steps, run, dispose };
}

/**
 * W1 training throughput of TensorFlow.js in tokens/s: the best single step after one
 * warm-up step, steps repeated until `budgetMs` (warm-up included) has passed; see
 * {@link TfjsTrainOptions.budgetMs}.
 */
export async function tfjsTrainTokensPerSecond(options: TfjsTrainOptions): Promise<number> {
  const peer = await createTfjsTrainer(options);
  try {
    return bestRate(peer, options.budgetMs ?? 10_000);
  } finally {
    peer.dispose();
  }
}

/** Forward-only throughput of TensorFlow.js in tokens/s, timed as {@link tfjsTrainTokensPerSecond}. */
export async function tfjsInferenceTokensPerSecond(options: TfjsInferenceOptions): Promise<number> {
  const peer = await createTfjsInference(options);
  try {
    return bestRate(peer, options.budgetMs ?? 10_000);
  } finally {
    peer.dispose();
  }
}

// One-hot [B, T, V] → dense(E, no bias) → lstm|gru(H) → dense(V): logits [B, T, V].
function buildModel(cell: CellKind, hidden: number): tfl.Sequential {
  const { vocab, embed } = CHAR_LM;
  const recurrent = {
    units: hidden,
    returnSequences: true,
    recurrentActivation: 'sigmoid',
    recurrentInitializer: 'glorotUniform',
  } as const;
  return tfl.sequential({
    layers: [
      tfl.layers.dense({ units: embed, useBias: false, inputShape: [null, vocab] }),
      cell === 'lstm' ? tfl.layers.lstm(recurrent) : tfl.layers.gru(recurrent),
      tfl.layers.dense({ units: vocab }),
    ],
  });
}

function trainableVariables(model: tfl.LayersModel): tf.Variable[] {
  const variables = model.trainableWeights.map((w) => w.read()).filter((t): t is tf.Variable => t instanceof tf.Variable);
  if (variables.length !== model.trainableWeights.length) throw new Error('tfjs: a trainable weight is not a tf.Variable');
  return variables;
}

function forward(model: tfl.LayersModel, x: tf.Tensor3D, training: boolean): tf.Tensor {
  const out = model.apply(x, { training });
  if (!(out instanceof tf.Tensor)) throw new Error('tfjs: expected one output tensor');
  return out;
}

// Mean softmax cross-entropy over all B × T positions.
function crossEntropy(model: tfl.LayersModel, x: tf.Tensor3D, y: tf.Tensor3D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(y, forward(model, x, true));
}

// As torch.nn.utils.clip_grad_norm_: g · min(1, maxNorm / (‖g‖₂ + 1e-6)), ‖g‖ over all grads.
function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): { name: string; tensor: tf.Tensor }[] {
  const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
  const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
  return Object.entries(grads).map(([name, g]) => ({ name, tensor: tf.mul(g, scale) }));
}

// Inputs one-hot [B, T, V] and next-token targets one-hot [B, T, V], from synthetic text.
function oneHotBatch(batch: number, steps: number): [tf.Tensor3D, tf.Tensor3D] {
  const { vocab } = CHAR_LM;
  const tokens = syntheticTokens(batch * (steps + 1), vocab); // [B, T+1]
  const x = new Float32Array(batch * steps * vocab); // [B, T, V]
  const y = new Float32Array(batch * steps * vocab); // [B, T, V]
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      const at = (b * steps + t) * vocab;
      x[at + tokens[b * (steps + 1) + t]] = 1;
      y[at + tokens[b * (steps + 1) + t + 1]] = 1;
    }
  }
  return [tf.tensor3d(x, [batch, steps, vocab]), tf.tensor3d(y, [batch, steps, vocab])];
}

function assertBackend(backend: TfjsBackendName): void {
  if (tf.getBackend() !== backend) {
    throw new Error(`tfjs peer built for '${backend}' but '${tf.getBackend()}' is active; call useTfjsBackend('${backend}')`);
  }
}

// Times every run until `budgetMs` has passed (at least one run). The first run is the
// warm-up: it counts only when it used up the whole budget alone (a slow 'cpu' step,
// where tier-up is a negligible part of tens of seconds).
function bestRate(peer: TfjsPeer, budgetMs: number): number {
  const start = performance.now();
  peer.run();
  const first = performance.now() - start;
  let best = Infinity;
  while (performance.now() - start < budgetMs) {
    const t0 = performance.now();
    peer.run();
    best = Math.min(best, performance.now() - t0);
  }
  return peer.tokens / ((best === Infinity ? first : best) / 1000);
}
