/**
 * ONNX graphs of the sequence models that read a whole sequence in one graph: the tagger
 * (logits per step), the classifier (one vector per sequence: the top layer's final states,
 * or the mean or maximum of its outputs over the real steps, then logits per sequence), the
 * regressor (frames standardised as in training, pooled as the classifier, the prediction
 * brought back to the data's units) and the CTC model (per-frame class scores; decoding
 * stays outside the graph).
 *
 * Inputs: `input` (int64 token ids `[T, B]`, or float frames `[T, B, D]` for the regressor and
 * the CTC model) and, with the `lengths` option, `lengths` (int32 `[B]`). Outputs: `output`
 * (logits, or the regressor's prediction `[B, O]`) and, but for the regressor, `probabilities`
 * (softmax over the classes). A tagger with a CRF outputs its emissions as `output` and, for a
 * Viterbi decoder, the scores `start_transitions` `[K]`, `end_transitions` `[K]` and
 * `transitions` `[K, K]` (−∞ where its constraints forbid a move) instead of `probabilities`,
 * which a CRF does not define per step.
 */
import type { CTCModel } from '../../models/ctc-model.js';
import type { SequenceClassifier } from '../../models/sequence-classifier.js';
import type { SequencePooling } from '../../models/sequence-model.js';
import type { SequenceRegressor } from '../../models/sequence-regressor.js';
import type { SequenceTagger } from '../../models/sequence-tagger.js';
import type { RecurrentLayer } from '../../layers/recurrent/layers.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { GraphBuilder } from './graph.js';
import { denseLayer, embeddingLookup, realSteps, recurrentStack, scoreOutputs, underPrefix } from './parts.js';
import { DataType } from './protobuf.js';

type Stack = ReturnType<typeof recurrentStack>;

/** The recurrent stack of an encoder over `x` [T, B, D]; `lengths` (or undefined) as ONNX's sequence_lens. */
function encoderStack(
  g: GraphBuilder,
  encoder: RecurrentLayer,
  weights: Record<string, Tensor>,
  x: string,
  lengths: string | undefined,
): Stack {
  return recurrentStack(g, { ...encoder.config, weights: underPrefix(weights, 'encoder.') }, x, undefined, undefined, lengths);
}

/** Embedding → recurrent stack over the token input; returns the stack's names and `lengths` (or undefined). */
function encodeTokens(g: GraphBuilder, encoder: RecurrentLayer, weights: Record<string, Tensor>, withLengths: boolean) {
  const ids = g.input('input', DataType.INT64, ['T', 'B']);
  const lengths = withLengths ? g.input('lengths', DataType.INT32, ['B']) : undefined;
  const x = embeddingLookup(g, weights['embedding.weight'], ids, 'embedding');
  return { stack: encoderStack(g, encoder, weights, x, lengths), lengths };
}

export function taggerGraph(g: GraphBuilder, tagger: SequenceTagger, withLengths: boolean): void {
  const weights = tagger.stateDict();
  const { stack } = encodeTokens(g, tagger.encoder, weights, withLengths);
  const logits = denseLayer(g, stack.output, weights['classifier.weight'], weights['classifier.bias'], 'classifier');
  if (tagger.crf === undefined) {
    scoreOutputs(g, logits, ['T', 'B', tagger.numTags]);
    return;
  }
  g.output('output', logits, DataType.FLOAT, ['T', 'B', tagger.numTags]);
  for (const [name, t] of Object.entries(tagger.crf.layer.decodingScores())) {
    g.output(name, g.floats(`crf_${name}`, t.shape, t.data), DataType.FLOAT, t.shape);
  }
}

export function classifierGraph(g: GraphBuilder, model: SequenceClassifier, withLengths: boolean): void {
  const weights = model.stateDict();
  const { stack, lengths } = encodeTokens(g, model.encoder, weights, withLengths);
  const pooled = poolSequences(g, model.pooling, stack, lengths);
  const logits = denseLayer(g, pooled, weights['classifier.weight'], weights['classifier.bias'], 'classifier');
  scoreOutputs(g, logits, ['B', model.numClasses]);
}

/**
 * The regressor: x' = (x − inputMean) / inputStd per feature, the encoder, pooling, the head,
 * then y = ŷ · targetStd + targetMean — the standardisation {@link SequenceRegressor.predict} applies.
 */
export function regressorGraph(g: GraphBuilder, model: SequenceRegressor, withLengths: boolean): void {
  const weights = model.stateDict();
  const { inputMean, inputStd, targetMean, targetStd } = model.normalization;
  const D = model.inputSize;
  const O = model.outputSize;
  const x = g.input('input', DataType.FLOAT, ['T', 'B', D]);
  const lengths = withLengths ? g.input('lengths', DataType.INT32, ['B']) : undefined;
  const [centred] = g.node('Sub', [x, g.floats('normalization.inputMean', [D], inputMean)], ['input_centred']);
  const [standardised] = g.node('Div', [centred, g.floats('normalization.inputStd', [D], inputStd)], ['input_standardised']);
  const stack = encoderStack(g, model.encoder, weights, standardised, lengths);
  const pooled = poolSequences(g, model.pooling, stack, lengths);
  const prediction = denseLayer(g, pooled, weights['head.weight'], weights['head.bias'], 'head');
  const [scaled] = g.node('Mul', [prediction, g.floats('normalization.targetStd', [O], targetStd)], ['prediction_scaled']);
  const [output] = g.node('Add', [scaled, g.floats('normalization.targetMean', [O], targetMean)], ['prediction']);
  g.output('output', output, DataType.FLOAT, ['B', O]);
}

/** The CTC model: frames [T, B, D] → class scores [T, B, C] (class 0 the blank) and their softmax. */
export function ctcGraph(g: GraphBuilder, model: CTCModel, withLengths: boolean): void {
  const weights = model.stateDict();
  const x = g.input('input', DataType.FLOAT, ['T', 'B', model.encoder.config.inputSize]);
  const lengths = withLengths ? g.input('lengths', DataType.INT32, ['B']) : undefined;
  const stack = encoderStack(g, model.encoder, weights, x, lengths);
  const logits = denseLayer(g, stack.output, weights['classifier.weight'], weights['classifier.bias'], 'classifier');
  scoreOutputs(g, logits, ['T', 'B', model.numLabels + 1]);
}

/** One vector per sequence [B, dirs·H] from the stack's output and final states (see `pool` of the models). */
function poolSequences(g: GraphBuilder, pooling: SequencePooling, stack: Stack, lengths: string | undefined): string {
  if (pooling === 'last') {
    // Top layer's final states [dirs, B, H] → [B, dirs·H], direction d in columns d·H …
    const [batchMajor] = g.node('Transpose', [stack.topH], ['top_states_bdh'], { perm: [1, 0, 2] });
    return g.node('Reshape', [batchMajor, g.int64s('pooled_shape', [0, -1])], ['pooled'])[0];
  }
  if (lengths === undefined) {
    return g.node(pooling === 'mean' ? 'ReduceMean' : 'ReduceMax', [stack.output], ['pooled'], { axes: [0], keepdims: 0 })[0];
  }
  if (pooling === 'mean') {
    // Padding is zero in the output: the sum over all steps divided by each length.
    const [sum] = g.node('ReduceSum', [stack.output, g.int64s('axes_0', [0])], ['steps_sum'], { keepdims: 0 });
    const [count] = g.node('Cast', [lengths], ['lengths_float'], { to: DataType.FLOAT });
    const [column] = g.node('Unsqueeze', [count, g.int64s('axes_1', [1])], ['lengths_column']);
    return g.node('Div', [sum, column], ['pooled'])[0];
  }
  // Steps past a sequence's end are set to −∞ before the maximum.
  const [mask] = g.node('Unsqueeze', [realSteps(g, stack.output, lengths), g.int64s('axes_2', [2])], ['real_steps_3d']);
  const [masked] = g.node('Where', [mask, stack.output, g.floats('minus_infinity', [], Float32Array.of(-Infinity))], ['masked_output']);
  return g.node('ReduceMax', [masked], ['pooled'], { axes: [0], keepdims: 0 })[0];
}
