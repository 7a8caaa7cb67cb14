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
 * Taggers, classifiers, regressors and CTC models: see sequence-models.ts. Generators and
 * seq2seq models export as two graphs, an encoder and a decoder run step by step: see
 * step-models.ts ({@link exportOnnxParts} writes both).
 *
 * Graph of a language model: input `input` (int64 token ids `[T, B]`), optional `h0`/`c0`;
 * Gather (embedding) → recurrent nodes → MatMul + Add (decoder); outputs `output`
 * (logits `[T, B, V]`), `probabilities` (Softmax over the vocabulary), `h` (and `c`).
 */
import { UsageError } from '../../errors.js';
import type { RecurrentLayer } from '../../layers/recurrent/layers.js';
import { LanguageModel } from '../../models/language-model/language-model.js';
import { CTCModel } from '../../models/ctc-model.js';
import { SequenceClassifier } from '../../models/sequence-classifier.js';
import { SequenceGenerator } from '../../models/sequence-generator.js';
import { SequenceRegressor } from '../../models/sequence-regressor.js';
import { SequenceTagger } from '../../models/sequence-tagger.js';
import { Seq2Seq } from '../../models/seq2seq/seq2seq.js';
import { GraphBuilder } from './graph.js';
import { denseLayer, embeddingLookup, recurrentStack, scoreOutputs, type StackSpec, underPrefix } from './parts.js';
import { DataType, encodeModel } from './protobuf.js';
import { classifierGraph, ctcGraph, regressorGraph, taggerGraph } from './sequence-models.js';
import { generatorGraph, type OnnxPart, seq2seqGraph, stepModelMetadata } from './step-models.js';

/** Options of {@link exportOnnx}. */
export interface OnnxExportOptions {
  /** ONNX operator set version, 14 to 17. @default 17 */
  opset?: number;
  /** Add inputs `h0` (and `c0` for an LSTM) with the initial states. @default false */
  initialStates?: boolean;
  /**
   * Add the input `lengths` (int32 `[B]`, packed-sequence semantics): recurrent layers, taggers,
   * classifiers, regressors and CTC models. (A Seq2Seq's encoder always takes `source_lengths`.)
   * @default false
   */
  lengths?: boolean;
  /** Which graph of a SequenceGenerator or Seq2Seq: its `'encoder'` or its `'decoder'` (one step). Required for them. */
  part?: OnnxPart;
}

/** Every model {@link exportOnnx} takes. */
export type OnnxExportable =
  RecurrentLayer | LanguageModel | SequenceTagger | SequenceClassifier | SequenceRegressor | CTCModel | SequenceGenerator | Seq2Seq;

/** Opset versions the exporter writes, and the IR version each needs. */
const MIN_OPSET = 14;
const MAX_OPSET = 17;
const irVersionOf = (opset: number): number => (opset === 14 ? 7 : 8);

/**
 * Exports a recurrent layer (`RNN`, `LSTM`, `GRU`) or a model of any type as an ONNX model; a
 * SequenceGenerator or Seq2Seq as one of its two graphs (`part`, see {@link exportOnnxParts}).
 * @returns the bytes of a `.onnx` file.
 * @throws UsageError on an unsupported model or option (an LSTM with a projection has no ONNX form).
 */
export function exportOnnx(layerOrModel: OnnxExportable, options: OnnxExportOptions = {}): Uint8Array {
  const opset = options.opset ?? MAX_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new UsageError(`exportOnnx: opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET}, got ${String(options.opset)}`);
  }
  const g = new GraphBuilder();
  let graphName: string;
  const twoGraphs = layerOrModel instanceof SequenceGenerator || layerOrModel instanceof Seq2Seq;
  if (options.part !== undefined && !twoGraphs) throw new UsageError('exportOnnx: part applies to a SequenceGenerator or a Seq2Seq');
  if (twoGraphs) {
    const { part } = options;
    if (part !== 'encoder' && part !== 'decoder') {
      throw new UsageError(
        `exportOnnx: a ${layerOrModel instanceof Seq2Seq ? 'Seq2Seq' : 'SequenceGenerator'} exports as two graphs; ` +
          `pass part: 'encoder' or 'decoder' (or use exportOnnxParts), got ${String(part)}`,
      );
    }
    if (options.initialStates || options.lengths)
      throw new UsageError('exportOnnx: the encoder and decoder graphs take no initialStates or lengths options');
    if (layerOrModel instanceof Seq2Seq) seq2seqGraph(g, layerOrModel, part);
    else generatorGraph(g, layerOrModel, part);
    graphName = `rnnkit_${layerOrModel instanceof Seq2Seq ? 'seq2seq' : 'sequence_generator'}_${part}`;
  } else if (layerOrModel instanceof SequenceRegressor || layerOrModel instanceof CTCModel) {
    if (options.initialStates) throw new UsageError('exportOnnx: a regressor or CTC model starts from zero states (no initialStates)');
    if (layerOrModel instanceof SequenceRegressor) regressorGraph(g, layerOrModel, options.lengths === true);
    else ctcGraph(g, layerOrModel, options.lengths === true);
    graphName = layerOrModel instanceof CTCModel ? 'rnnkit_ctc_model' : 'rnnkit_sequence_regressor';
  } else if (layerOrModel instanceof LanguageModel) {
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
    throw new UsageError(
      'exportOnnx: expected an RNN, LSTM or GRU layer or an rnnkit model (LanguageModel, SequenceTagger, ' +
        'SequenceClassifier, SequenceRegressor, CTCModel, SequenceGenerator, Seq2Seq)',
    );
  }
  return encodeModel({
    irVersion: irVersionOf(opset),
    producerName: 'rnnkit',
    opsetImport: [{ domain: '', version: opset }],
    graph: g.build(graphName),
    ...(twoGraphs ? { metadataProps: stepModelMetadata(layerOrModel) } : {}),
  });
}

/**
 * Both graphs of a SequenceGenerator or Seq2Seq: the encoder (run once per batch) and the
 * decoder (run once per generated token, fed its own states back).
 * @throws UsageError on an unsupported option.
 */
export function exportOnnxParts(
  model: SequenceGenerator | Seq2Seq,
  options: Pick<OnnxExportOptions, 'opset'> = {},
): { encoder: Uint8Array; decoder: Uint8Array } {
  return { encoder: exportOnnx(model, { ...options, part: 'encoder' }), decoder: exportOnnx(model, { ...options, part: 'decoder' }) };
}

function isRecurrentLayer(value: unknown): value is RecurrentLayer {
  return (
    typeof value === 'object' &&
    value !== null &&
    'config' in value &&
    'stateDict' in value &&
    typeof (value as { config: { cell?: unknown } }).config.cell === 'string'
  );
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
  const x = embeddingLookup(g, weights['embedding.weight'], ids, 'embedding');
  const out = recurrentStack(g, { ...model.core.rnn.options, weights: underPrefix(weights, 'rnn.') }, x, h0, c0, undefined);
  const logits = denseLayer(g, out.output, weights['decoder.weight'], weights['decoder.bias'], 'decoder');
  scoreOutputs(g, logits, ['T', 'B', V]);
  g.output('h', out.h, DataType.FLOAT, [L, 'B', s.hiddenSize]);
  if (out.c !== undefined) g.output('c', out.c, DataType.FLOAT, [L, 'B', s.hiddenSize]);
}
