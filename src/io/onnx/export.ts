/**
 * ONNX export of recurrent layers and language models.
 *
 * Each recurrent layer of a stack becomes one ONNX `LSTM`, `GRU` or `RNN` node (both
 * directions in one node when bidirectional) with PyTorch's gate blocks reordered to
 * ONNX's: LSTM i,f,g,o → i,o,f,c (a peephole LSTM's p_i, p_f, p_o → `P` i,o,f); GRU r,z,n →
 * z,r,h with `linear_before_reset = 1` (PyTorch's reset gate acts on `W_hn h + b_hn`), or 0 for
 * a GRU with the reset gate before the product (ONNX's default form). Between layers the node's `Y`
 * `[T, dirs, B, H]` becomes `[T, B, dirs·H]` (Transpose, Reshape).
 *
 * Graph of a layer: inputs `input` `[T, B, D]` (`[B, T, D]` with `batchFirst`), and with
 * the options `h0` (and `c0`) `[L·dirs, B, H]` and `lengths` (int32 `[B]`, ONNX's
 * `sequence_lens`); outputs `output`, `h` (and `c`), as the layer's forward.
 *
 * Taggers and classifiers: see sequence-models.ts.
 *
 * Graph of a language model: input `input` (int64 token ids `[T, B]`), optional `h0`/`c0`;
 * Gather (embedding) → recurrent nodes → MatMul + Add (decoder); outputs `output`
 * (logits `[T, B, V]`), `probabilities` (Softmax over the vocabulary), `h` (and `c`).
 */
import { UsageError } from '../../errors.js';
import type { RecurrentLayer } from '../../layers/recurrent/layers.js';
import { LanguageModel } from '../../models/language-model/language-model.js';
import { SequenceClassifier } from '../../models/sequence-classifier.js';
import { SequenceTagger } from '../../models/sequence-tagger.js';
import { GraphBuilder } from './graph.js';
import { denseLayer, embeddingLookup, recurrentStack, scoreOutputs, type StackSpec, underPrefix } from './parts.js';
import { DataType, encodeModel } from './protobuf.js';
import { classifierGraph, taggerGraph } from './sequence-models.js';

/** Options of {@link exportOnnx}. */
export interface OnnxExportOptions {
  /** ONNX operator set version, 14 to 17. @default 17 */
  opset?: number;
  /** Add inputs `h0` (and `c0` for an LSTM) with the initial states. @default false */
  initialStates?: boolean;
  /** Add the input `lengths` (int32 `[B]`, packed-sequence semantics); recurrent layers only. @default false */
  lengths?: boolean;
}

/** Opset versions the exporter writes, and the IR version each needs. */
const MIN_OPSET = 14;
const MAX_OPSET = 17;
const irVersionOf = (opset: number): number => (opset === 14 ? 7 : 8);

/**
 * Exports a recurrent layer (`RNN`, `LSTM`, `GRU`) or a `LanguageModel` as an ONNX model.
 * @returns the bytes of a `.onnx` file.
 * @throws UsageError on an unsupported model or option.
 */
export function exportOnnx(layerOrModel: RecurrentLayer | LanguageModel | SequenceTagger | SequenceClassifier,
  options: OnnxExportOptions = {}): Uint8Array {
  const opset = options.opset ?? MAX_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new UsageError(`exportOnnx: opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET}, got ${String(options.opset)}`);
  }
  const g = new GraphBuilder();
  let graphName: string;
  if (layerOrModel instanceof LanguageModel) {
    if (options.lengths) throw new UsageError('exportOnnx: a language model takes no lengths (its windows are full)');
    languageModelGraph(g, layerOrModel, options.initialStates === true);
    graphName = 'rnnkit_language_model';
  } else if (layerOrModel instanceof SequenceTagger) {
    if (options.initialStates) throw new UsageError('exportOnnx: a tagger starts from zero states (no initialStates)');
    taggerGraph(g, layerOrModel, options.lengths === true);
    graphName = 'rnnkit_sequence_tagger';
  } else if (layerOrModel instanceof SequenceClassifier) {
    if (options.initialStates) throw new UsageError('exportOnnx: a classifier starts from zero states (no initialStates)');
    classifierGraph(g, layerOrModel, options.lengths === true);
    graphName = 'rnnkit_sequence_classifier';
  } else if (isRecurrentLayer(layerOrModel)) {
    recurrentLayerGraph(g, layerOrModel, options);
    graphName = `rnnkit_${layerOrModel.config.cell}`;
  } else {
    throw new UsageError('exportOnnx: expected an RNN, LSTM or GRU layer, a LanguageModel, a SequenceTagger or a SequenceClassifier');
  }
  return encodeModel({
    irVersion: irVersionOf(opset),
    producerName: 'rnnkit',
    opsetImport: [{ domain: '', version: opset }],
    graph: g.build(graphName),
  });
}

function isRecurrentLayer(value: unknown): value is RecurrentLayer {
  return typeof value === 'object' && value !== null && 'config' in value && 'stateDict' in value &&
    typeof (value as { config: { cell?: unknown } }).config.cell === 'string';
}

function recurrentLayerGraph(g: GraphBuilder, layer: RecurrentLayer, options: OnnxExportOptions): void {
  const c = layer.config;
  const spec: StackSpec = { ...c, weights: layer.stateDict() };
  const L = c.numLayers * c.directions;
  let x = g.input('input', DataType.FLOAT, c.batchFirst ? ['B', 'T', c.inputSize] : ['T', 'B', c.inputSize]);
  if (c.batchFirst) [x] = g.node('Transpose', [x], ['input_time_major'], { perm: [1, 0, 2] });
  const h0 = options.initialStates ? g.input('h0', DataType.FLOAT, [L, 'B', c.hiddenSize]) : undefined;
  const c0 = options.initialStates && c.cell === 'lstm' ? g.input('c0', DataType.FLOAT, [L, 'B', c.hiddenSize]) : undefined;
  const lengths = options.lengths ? g.input('lengths', DataType.INT32, ['B']) : undefined;
  const out = recurrentStack(g, spec, x, h0, c0, lengths);
  let y = out.output;
  if (c.batchFirst) [y] = g.node('Transpose', [y], ['output_batch_first'], { perm: [1, 0, 2] });
  const width = c.directions * c.hiddenSize;
  g.output('output', y, DataType.FLOAT, c.batchFirst ? ['B', 'T', width] : ['T', 'B', width]);
  g.output('h', out.h, DataType.FLOAT, [L, 'B', c.hiddenSize]);
  if (out.c !== undefined) g.output('c', out.c, DataType.FLOAT, [L, 'B', c.hiddenSize]);
}

function languageModelGraph(g: GraphBuilder, model: LanguageModel, initialStates: boolean): void {
  const s = model.settings;
  const V = model.tokenizer.vocabSize;
  const weights = model.stateDict();
  const L = s.numLayers;
  const ids = g.input('input', DataType.INT64, ['T', 'B']);
  const h0 = initialStates ? g.input('h0', DataType.FLOAT, [L, 'B', s.hiddenSize]) : undefined;
  const c0 = initialStates && s.cell === 'lstm' ? g.input('c0', DataType.FLOAT, [L, 'B', s.hiddenSize]) : undefined;
  const x = embeddingLookup(g, weights['embedding.weight']!, ids, 'embedding');
  const out = recurrentStack(g, { ...model.core.rnn.options, weights: underPrefix(weights, 'rnn.') }, x, h0, c0, undefined);
  const logits = denseLayer(g, out.output, weights['decoder.weight']!, weights['decoder.bias'], 'decoder');
  scoreOutputs(g, logits, ['T', 'B', V]);
  g.output('h', out.h, DataType.FLOAT, [L, 'B', s.hiddenSize]);
  if (out.c !== undefined) g.output('c', out.c, DataType.FLOAT, [L, 'B', s.hiddenSize]);
}

