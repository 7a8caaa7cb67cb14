/**
 * TensorFlow.js LayersModels — and so Keras models converted with `tensorflowjs_converter`
 * — into rnnkit models that compute the same outputs.
 *
 * A model of one chain `Embedding → recurrent layers → Dense` is read, where the recurrent
 * layers are `SimpleRNN`, `LSTM` or `GRU` (either `reset_after`), each possibly wrapped in
 * `Bidirectional` (`merge_mode: 'concat'`), all of the same cell, size and direction (an rnnkit
 * stack); the `Dense` may be wrapped in `TimeDistributed` or followed by an `Activation`.
 * Dropout and noise layers (no-ops at inference) and `InputLayer` are skipped; any other
 * layer is a FormatError naming it. It becomes:
 * - a {@link SequenceClassifier} (pooling `last`) when the last recurrent layer returns one
 *   vector (`return_sequences: false`);
 * - a {@link LanguageModel} when given the characters of the vocabulary (one direction,
 *   Dense over the Embedding's vocabulary);
 * - a {@link SequenceTagger} otherwise.
 *
 * Weights move from Keras's layout to PyTorch's: kernel [in, G·H] → weight_ih [G·H, in],
 * recurrent kernel [H, G·H] → weight_hh [G·H, H], Dense kernel [in, out] → weight [out, in];
 * gate blocks LSTM i,f,c,o → i,f,g,o (the same order) and GRU z,r,h → r,z,n. Keras's one bias
 * becomes bias_ih (bias_hh zero); a `reset_after` GRU's bias [2, 3H] is [bias_ih; bias_hh].
 * `reset_after: false` (TensorFlow.js's only GRU) gives a GRU with `resetAfter: false`.
 * A `Dense(1, sigmoid)` head becomes two classes scored [0, z] (softmax([0, z]) = [1 − σ(z), σ(z)]).
 *
 * rnnkit's gates use the logistic sigmoid and its cells tanh: a `recurrent_activation` of
 * `hard_sigmoid` (TensorFlow.js's default) or another `activation` is refused. rnnkit takes
 * each sequence's length instead of padding ids, so an Embedding's `mask_zero` needs nothing.
 */
import type { Backend } from '../../backend/backend.js';
import { FormatError, UsageError } from '../../errors.js';
import type { CellKind } from '../../layers/recurrent/options.js';
import { LanguageModel } from '../../models/language-model/language-model.js';
import { SequenceClassifier } from '../../models/sequence-classifier.js';
import type { Vocabularies } from '../../models/sequence-model.js';
import { SequenceTagger } from '../../models/sequence-tagger.js';
import type { Tensor } from '../../tensor/tensor.js';
import { charVocabulary, shiftedTokenWeights } from '../char-vocabulary.js';
import { type KerasLayer, readModelJson } from './topology.js';
import { readWeights } from './weights.js';

/** The rnnkit models a LayersModel can become. */
export type TfjsImportKind = 'language-model' | 'sequence-tagger' | 'sequence-classifier';

/** An imported model. */
export type TfjsImportedModel = LanguageModel | SequenceTagger | SequenceClassifier;

/** Options of {@link importTfjsLayersModel}. */
export interface TfjsImportOptions {
  /**
   * The model to build. @default a classifier when the last recurrent layer returns one
   * vector; else a language model when `vocabulary` is given, else a tagger
   */
  as?: TfjsImportKind;
  /** A character language model's characters in id order (one code point each); `<unk>` is added in front when missing. */
  vocabulary?: readonly string[];
  /** A tagger's or classifier's vocabularies (`tokens`, `tokenizer`, `labels`), as their `create` takes them. @default none */
  vocabularies?: Vocabularies;
  /** @default the current backend */
  backend?: Backend;
}

const WHAT = 'TensorFlow.js import';

/** Keras gate blocks → rnnkit's (PyTorch's): the Keras block index of each rnnkit block. */
const KERAS_GATE_ORDER: Record<CellKind, readonly number[]> = { lstm: [0, 1, 2, 3], gru: [1, 0, 2], rnn: [0] };
const CELLS: Record<string, CellKind> = { SimpleRNN: 'rnn', LSTM: 'lstm', GRU: 'gru' };
const GATES: Record<CellKind, number> = { rnn: 1, lstm: 4, gru: 3 };

/** A recurrent layer of the chain. */
interface Recurrent {
  layer: KerasLayer;
  cell: CellKind;
  units: number;
  bidirectional: boolean;
  returnSequences: boolean;
  resetAfter: boolean;
}

/** The chain, read: the embedding, the recurrent stack and the output layer. */
interface Chain {
  embedding: KerasLayer;
  vocabSize: number;
  embeddingDim: number;
  recurrent: Recurrent[];
  dense: KerasLayer;
  outputs: number;
  /** The output's activation: scores as they are (softmax, linear) or one sigmoid unit. */
  head: 'scores' | 'sigmoid';
}

/**
 * Builds the rnnkit model of a TensorFlow.js LayersModel (see the module comment).
 * @param modelJson the model.json, as text or parsed
 * @param weights the bytes of its weight shards, one buffer or the shards in manifest order
 * @throws FormatError when the model has layers or settings rnnkit lacks (naming them) or its
 *   weights do not match; UsageError on options that do not fit the model.
 */
export async function importTfjsLayersModel(
  modelJson: unknown,
  weights: Uint8Array | ArrayBuffer | readonly (Uint8Array | ArrayBuffer)[],
  options: TfjsImportOptions = {},
): Promise<TfjsImportedModel> {
  const model = readModelJson(modelJson);
  const chain = readChain(model.layers);
  const tensors = readWeights(model.weights, weights);
  const kind = kindOf(chain, options);
  const top = chain.recurrent[0];
  const shape = {
    cell: top.cell,
    hiddenSize: top.units,
    numLayers: chain.recurrent.length,
    embeddingDim: chain.embeddingDim,
    ...(top.cell === 'gru' && !top.resetAfter ? { resetAfter: false } : {}),
    ...(options.backend ? { backend: options.backend } : {}),
  };
  const embedding = pick(tensors, `${chain.embedding.name}/`, 'embeddings', [chain.vocabSize, chain.embeddingDim]);
  const stack: Record<string, Tensor> = {};
  chain.recurrent.forEach((r, l) =>
    Object.assign(stack, recurrentWeights(r, l, l === 0 ? chain.embeddingDim : r.units * (r.bidirectional ? 2 : 1), tensors)),
  );
  const width = top.units * (top.bidirectional ? 2 : 1);
  const [outWeight, outBias] = denseWeights(chain, width, tensors);

  let built: TfjsImportedModel;
  let dict: Record<string, Tensor>;
  if (kind === 'language-model') {
    const { tokenizer, shift } = charVocabulary(options.vocabulary!, chain.vocabSize, WHAT);
    built = await LanguageModel.create({ tokenizer, ...shape, dropout: 0 });
    dict = { ...prefixed('rnn.', stack), ...shiftedTokenWeights(shift, embedding, outWeight, outBias) };
  } else {
    const common = { ...shape, vocabSize: chain.vocabSize, bidirectional: top.bidirectional, vocabularies: options.vocabularies ?? {} };
    const outputs = outWeight.shape[0];
    built =
      kind === 'sequence-tagger'
        ? SequenceTagger.create({ ...common, numTags: outputs })
        : SequenceClassifier.create({ ...common, numClasses: outputs, pooling: 'last' });
    dict = { 'embedding.weight': embedding, ...prefixed('encoder.', stack), 'classifier.weight': outWeight, 'classifier.bias': outBias };
  }
  try {
    built.loadStateDict(dict);
  } catch (error) {
    throw new FormatError(`${WHAT}: ${(error as Error).message}`);
  }
  return built.eval();
}

/** The model to build, from the chain and the options. @throws UsageError when they disagree. */
function kindOf(chain: Chain, options: TfjsImportOptions): TfjsImportKind {
  const sequences = chain.recurrent.at(-1)!.returnSequences;
  const kind = options.as ?? (!sequences ? 'sequence-classifier' : options.vocabulary !== undefined ? 'language-model' : 'sequence-tagger');
  if (!['language-model', 'sequence-tagger', 'sequence-classifier'].includes(kind)) {
    throw new UsageError(`${WHAT}: as must be 'language-model', 'sequence-tagger' or 'sequence-classifier', got '${String(kind)}'`);
  }
  if ((kind === 'sequence-classifier') === sequences) {
    throw new UsageError(
      `${WHAT}: a ${kind} needs the last recurrent layer to return ${
        kind === 'sequence-classifier' ? 'one vector ' + '(return_sequences: false)' : 'every step (return_sequences: true)'
      }; '${chain.recurrent.at(-1)!.layer.name}' does not`,
    );
  }
  if (kind === 'language-model') {
    if (options.vocabulary === undefined) throw new UsageError(`${WHAT}: a language model needs its characters (vocabulary)`);
    if (chain.recurrent[0].bidirectional) throw new UsageError(`${WHAT}: a bidirectional model cannot be a language model`);
    if (chain.head !== 'scores' || chain.outputs !== chain.vocabSize) {
      throw new UsageError(
        `${WHAT}: a language model's Dense must score the ${chain.vocabSize} tokens of its Embedding; ` +
          `'${chain.dense.name}' has ${chain.outputs} ${chain.head === 'sigmoid' ? 'sigmoid ' : ''}outputs`,
      );
    }
  } else if (options.vocabulary !== undefined) {
    throw new UsageError(`${WHAT}: vocabulary (characters) is for language models; give a ${kind} its vocabularies`);
  }
  return kind;
}

/** Reads the chain Embedding → recurrent layers → Dense [→ Activation]. @throws FormatError naming what does not fit. */
function readChain(layers: KerasLayer[]): Chain {
  const [first, ...rest] = layers;
  if (first === undefined || first.className !== 'Embedding') {
    throw new FormatError(
      `${WHAT}: the model must start with an Embedding (token ids in)` +
        (first ? `; it starts with '${first.name}' (${first.className})` : ''),
    );
  }
  const vocabSize = positive(first, 'input_dim');
  const embeddingDim = positive(first, 'output_dim');
  const recurrent: Recurrent[] = [];
  while (rest.length > 0 && isRecurrent(rest[0])) recurrent.push(readRecurrent(rest.shift()!));
  if (recurrent.length === 0) {
    throw new FormatError(`${WHAT}: ${rest[0] ? unsupported(rest[0]) : 'no SimpleRNN, LSTM or GRU layer follows the Embedding'}`);
  }
  const top = recurrent[0];
  recurrent.forEach((r, i) => {
    const same = r.cell === top.cell && r.units === top.units && r.bidirectional === top.bidirectional && r.resetAfter === top.resetAfter;
    if (!same) {
      throw new FormatError(
        `${WHAT}: recurrent layers '${top.layer.name}' and '${r.layer.name}' differ in cell, units, direction or ` +
          'reset_after; an rnnkit stack repeats one cell of one size',
      );
    }
    if (i < recurrent.length - 1 && !r.returnSequences) {
      throw new FormatError(
        `${WHAT}: '${r.layer.name}' returns one vector (return_sequences: false) but another recurrent layer follows it`,
      );
    }
  });
  let dense = rest.shift();
  // A TimeDistributed Dense: the wrapped layer's settings, the wrapper's name (its weights are under it).
  if (dense?.className === 'TimeDistributed') dense = { ...inner(dense, 'layer'), name: dense.name };
  if (dense === undefined || dense.className !== 'Dense') {
    throw new FormatError(`${WHAT}: ${dense ? unsupported(dense) : 'the model must end with a Dense layer after its recurrent layers'}`);
  }
  let activation = activationOf(dense, 'activation');
  const after = rest.shift();
  if (after !== undefined) {
    if (after.className !== 'Activation' || activation !== 'linear' || rest.length > 0)
      throw new FormatError(`${WHAT}: ${unsupported(after)}`);
    activation = activationOf(after, 'activation');
  }
  const outputs = positive(dense, 'units');
  let head: Chain['head'];
  if (activation === 'softmax' || activation === 'linear') head = 'scores';
  else if (activation === 'sigmoid' && outputs === 1) head = 'sigmoid';
  else {
    throw new FormatError(
      `${WHAT}: Dense '${dense.name}' ends in ${activation} over ${outputs} outputs; rnnkit's models score ` +
        'classes with softmax (or a single sigmoid unit, read as two classes)',
    );
  }
  return { embedding: first, vocabSize, embeddingDim, recurrent, dense, outputs, head };
}

function isRecurrent(layer: KerasLayer): boolean {
  return layer.className in CELLS || layer.className === 'Bidirectional';
}

/** A recurrent layer (or a Bidirectional wrapper of one), checked against what rnnkit computes. */
function readRecurrent(layer: KerasLayer): Recurrent {
  const bidirectional = layer.className === 'Bidirectional';
  const cellLayer = bidirectional ? inner(layer, 'layer') : layer;
  if (bidirectional) {
    if ((layer.config.merge_mode ?? 'concat') !== 'concat') {
      throw new FormatError(
        `${WHAT}: Bidirectional '${layer.name}' merges with '${String(layer.config.merge_mode)}'; rnnkit concatenates ` +
          "the two directions (merge_mode 'concat')",
      );
    }
    const backward = layer.config.backward_layer;
    if (backward !== undefined && backward !== null) {
      const b = inner(layer, 'backward_layer');
      if (b.className !== cellLayer.className || b.config.units !== cellLayer.config.units) {
        throw new FormatError(`${WHAT}: Bidirectional '${layer.name}' has a backward layer unlike its forward one`);
      }
    }
  }
  const cell = CELLS[cellLayer.className];
  if (cell === undefined) throw new FormatError(`${WHAT}: ${unsupported(cellLayer)}`);
  const c = cellLayer.config;
  for (const flag of ['go_backwards', 'return_state'] as const) {
    if (c[flag] === true) throw new FormatError(`${WHAT}: '${cellLayer.name}' sets ${flag}, which rnnkit's models do not have`);
  }
  const activation = activationOf(cellLayer, 'activation');
  if (activation !== 'tanh') {
    throw new FormatError(
      `${WHAT}: '${cellLayer.name}' uses activation ${activation}; ` +
        `rnnkit's ${cell === 'rnn' ? "sequence models' RNNs use" : 'cells use'} tanh`,
    );
  }
  if (cell !== 'rnn') {
    const gate = activationOf(cellLayer, 'recurrent_activation');
    if (gate !== 'sigmoid') {
      throw new FormatError(
        `${WHAT}: '${cellLayer.name}' uses recurrent_activation ${gate}; rnnkit's gates use the logistic sigmoid ` +
          "(build the model with recurrentActivation: 'sigmoid' — TensorFlow.js defaults to hardSigmoid)",
      );
    }
  }
  return {
    layer,
    cell,
    units: positive(cellLayer, 'units'),
    bidirectional,
    returnSequences: c.return_sequences === true,
    resetAfter: cell !== 'gru' || c.reset_after === true,
  };
}

/** The weights of recurrent layer `l` under rnnkit's names (`weight_ih_l{l}[_reverse]`, …), from Keras's layout. */
function recurrentWeights(r: Recurrent, l: number, inputs: number, tensors: Record<string, Tensor>): Record<string, Tensor> {
  const G = GATES[r.cell];
  const H = r.units;
  const order = KERAS_GATE_ORDER[r.cell];
  const out: Record<string, Tensor> = {};
  const prefixes = r.bidirectional ? [`${r.layer.name}/forward_`, `${r.layer.name}/backward_`] : [`${r.layer.name}/`];
  prefixes.forEach((prefix, d) => {
    const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
    out[`weight_ih${sfx}`] = kerasKernel(pick(tensors, prefix, 'kernel', [inputs, G * H]), order);
    out[`weight_hh${sfx}`] = kerasKernel(pick(tensors, prefix, 'recurrent_kernel', [H, G * H]), order);
    const zeros = (): Tensor => ({ shape: [G * H], data: new Float32Array(G * H) });
    if (r.cell === 'gru' && r.resetAfter) {
      // Keras's reset_after GRU keeps [input bias; recurrent bias].
      const bias = pickOptional(tensors, prefix, 'bias', [2, G * H]);
      out[`bias_ih${sfx}`] = bias ? reorderBlocks(bias.data.subarray(0, G * H), order) : zeros();
      out[`bias_hh${sfx}`] = bias ? reorderBlocks(bias.data.subarray(G * H), order) : zeros();
    } else {
      const bias = pickOptional(tensors, prefix, 'bias', [G * H]);
      out[`bias_ih${sfx}`] = bias ? reorderBlocks(bias.data, order) : zeros();
      out[`bias_hh${sfx}`] = zeros();
    }
  });
  return out;
}

/** The output layer's weight [K, F] and bias [K]; one sigmoid unit becomes two classes scored [0, z]. */
function denseWeights(chain: Chain, width: number, tensors: Record<string, Tensor>): [Tensor, Tensor] {
  const K = chain.outputs;
  const prefix = `${chain.dense.name}/`;
  const weight = kerasKernel(pick(tensors, prefix, 'kernel', [width, K]), [0]);
  const bias = pickOptional(tensors, prefix, 'bias', [K]) ?? { shape: [K], data: new Float32Array(K) };
  if (chain.head === 'scores') return [weight, bias];
  const two = new Float32Array(2 * width);
  two.set(weight.data, width);
  return [
    { shape: [2, width], data: two },
    { shape: [2], data: Float32Array.of(0, bias.data[0]) },
  ];
}

/** A Keras kernel [in, blocks·n] as rnnkit's [blocks·n, in], its row blocks in rnnkit's order (order[i]: the Keras block of block i). */
function kerasKernel(kernel: Tensor, order: readonly number[]): Tensor {
  const [inputs, columns] = kernel.shape as [number, number];
  const n = columns / order.length;
  const data = new Float32Array(kernel.data.length);
  order.forEach((from, to) => {
    for (let j = 0; j < n; j++) {
      const row = (to * n + j) * inputs;
      for (let i = 0; i < inputs; i++) data[row + i] = kernel.data[i * columns + from * n + j];
    }
  });
  return { shape: [columns, inputs], data };
}

/** A bias [blocks·n] with its blocks in rnnkit's order. */
function reorderBlocks(bias: Float32Array, order: readonly number[]): Tensor {
  const n = bias.length / order.length;
  const data = new Float32Array(bias.length);
  order.forEach((from, to) => data.set(bias.subarray(from * n, (from + 1) * n), to * n));
  return { shape: [bias.length], data };
}

/** The one weight under `prefix` whose last name part is `leaf`, of shape `shape`. @throws FormatError when absent or misshapen. */
function pick(tensors: Record<string, Tensor>, prefix: string, leaf: string, shape: number[]): Tensor {
  const t = pickOptional(tensors, prefix, leaf, shape);
  if (t === undefined) throw new FormatError(`${WHAT}: the weights lack ${prefix}…${leaf}`);
  return t;
}

function pickOptional(tensors: Record<string, Tensor>, prefix: string, leaf: string, shape: number[]): Tensor | undefined {
  const names = Object.keys(tensors).filter((n) => n.startsWith(prefix) && n.split('/').at(-1)!.replace(/:\d+$/, '') === leaf);
  if (names.length > 1) throw new FormatError(`${WHAT}: more than one weight matches ${prefix}…${leaf}: ${names.join(', ')}`);
  if (names.length === 0) return undefined;
  const t = tensors[names[0]];
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new FormatError(`${WHAT}: weight ${names[0]} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  return t;
}

/** A wrapper's wrapped layer (`layer`, `backward_layer`), named as the wrapper's weights are. */
function inner(wrapper: KerasLayer, key: string): KerasLayer {
  const value = wrapper.config[key];
  if (typeof value !== 'object' || value === null || typeof (value as { class_name?: unknown }).class_name !== 'string') {
    throw new FormatError(`${WHAT}: ${wrapper.className} '${wrapper.name}' lacks its ${key}`);
  }
  const { class_name: className, config = {} } = value as { class_name: string; config?: Record<string, unknown> };
  return { className, name: typeof config.name === 'string' ? config.name : wrapper.name, config };
}

/** An activation's name, normalised (`hard_sigmoid` and `hardSigmoid` → `hardsigmoid`); `linear` when absent. */
function activationOf(layer: KerasLayer, key: string): string {
  const value = layer.config[key] ?? 'linear';
  if (typeof value !== 'string') throw new FormatError(`${WHAT}: '${layer.name}' has a custom ${key}, which rnnkit cannot compute`);
  return value.replace(/_/g, '').toLowerCase();
}

function positive(layer: KerasLayer, key: string): number {
  const value = layer.config[key];
  if (!Number.isInteger(value) || (value as number) < 1) throw new FormatError(`${WHAT}: '${layer.name}' has ${key} ${String(value)}`);
  return value as number;
}

function unsupported(layer: KerasLayer): string {
  return (
    `layer '${layer.name}' is a ${layer.className}, which rnnkit does not have here (it reads Embedding → SimpleRNN / LSTM / GRU, ` +
    'optionally Bidirectional → Dense, optionally TimeDistributed or followed by an Activation)'
  );
}

function prefixed(prefix: string, dict: Record<string, Tensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(dict).map(([k, v]) => [`${prefix}${k}`, v]));
}
