/**
 * ONNX graphs of the token sequence models: the tagger (logits per step) and the
 * classifier (one vector per sequence: the top layer's final states, or the mean or
 * maximum of its outputs over the real steps, then logits per sequence).
 *
 * Inputs: `input` (int64 token ids `[T, B]`) and, with the `lengths` option, `lengths`
 * (int32 `[B]`). Outputs: `output` (logits) and `probabilities` (softmax). A tagger with a
 * CRF outputs its emissions as `output` and, for a Viterbi decoder, the scores
 * `start_transitions` `[K]`, `end_transitions` `[K]` and `transitions` `[K, K]` (−∞ where
 * its constraints forbid a move) instead of `probabilities`, which a CRF does not define per step.
 */
import type { SequenceClassifier } from '../../models/sequence-classifier.js';
import type { SequenceTagger } from '../../models/sequence-tagger.js';
import type { RecurrentLayer } from '../../layers/recurrent/layers.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { GraphBuilder } from './graph.js';
import { denseLayer, embeddingLookup, recurrentStack, scoreOutputs, underPrefix } from './parts.js';
import { DataType } from './protobuf.js';

/** Embedding → recurrent stack over the token input; returns the stack's names, the weights and `lengths` (or ''). */
function encode(g: GraphBuilder, encoder: RecurrentLayer, weights: Record<string, Tensor>, withLengths: boolean) {
  const ids = g.input('input', DataType.INT64, ['T', 'B']);
  const lengths = withLengths ? g.input('lengths', DataType.INT32, ['B']) : undefined;
  const x = embeddingLookup(g, weights['embedding.weight']!, ids, 'embedding');
  const stack = recurrentStack(g, { ...encoder.config, weights: underPrefix(weights, 'encoder.') }, x, undefined, undefined, lengths);
  return { stack, lengths };
}

export function taggerGraph(g: GraphBuilder, tagger: SequenceTagger, withLengths: boolean): void {
  const weights = tagger.stateDict();
  const { stack } = encode(g, tagger.encoder, weights, withLengths);
  const logits = denseLayer(g, stack.output, weights['classifier.weight']!, weights['classifier.bias'], 'classifier');
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
  const { stack, lengths } = encode(g, model.encoder, weights, withLengths);
  const axes0 = (): string => g.int64s('axes_0', [0]);
  let pooled: string;
  if (model.pooling === 'last') {
    // Top layer's final states [dirs, B, H] → [B, dirs·H], direction d in columns d·H …
    const [batchMajor] = g.node('Transpose', [stack.topH], ['top_states_bdh'], { perm: [1, 0, 2] });
    [pooled] = g.node('Reshape', [batchMajor!, g.int64s('pooled_shape', [0, -1])], ['pooled']) as [string];
  } else if (lengths === undefined) {
    [pooled] = g.node(model.pooling === 'mean' ? 'ReduceMean' : 'ReduceMax', [stack.output], ['pooled'], { axes: [0], keepdims: 0 }) as [string];
  } else if (model.pooling === 'mean') {
    // Padding is zero in the output: the sum over all steps divided by each length.
    const [sum] = g.node('ReduceSum', [stack.output, axes0()], ['steps_sum'], { keepdims: 0 });
    const [count] = g.node('Cast', [lengths], ['lengths_float'], { to: DataType.FLOAT });
    const [column] = g.node('Unsqueeze', [count!, g.int64s('axes_1', [1])], ['lengths_column']);
    [pooled] = g.node('Div', [sum!, column!], ['pooled']) as [string];
  } else {
    // Steps past a sequence's end are set to −∞ before the maximum.
    const [shape] = g.node('Shape', [stack.output], ['output_shape']);
    const [steps] = g.node('Gather', [shape!, g.int64s('step_axis', [0], [])], ['steps'], { axis: 0 });
    const [range] = g.node('Range', [g.int64s('zero', [0], []), steps!, g.int64s('one', [1], [])], ['step_index']);
    const [stepColumn] = g.node('Unsqueeze', [range!, g.int64s('axes_1', [1])], ['step_column']);
    const [length64] = g.node('Cast', [lengths], ['lengths_int64'], { to: DataType.INT64 });
    const [lengthRow] = g.node('Unsqueeze', [length64!, axes0()], ['lengths_row']);
    const [real] = g.node('Less', [stepColumn!, lengthRow!], ['real_steps']);
    const [mask] = g.node('Unsqueeze', [real!, g.int64s('axes_2', [2])], ['real_steps_3d']);
    const [masked] = g.node('Where', [mask!, stack.output, g.floats('minus_infinity', [], Float32Array.of(-Infinity))], ['masked_output']);
    [pooled] = g.node('ReduceMax', [masked!], ['pooled'], { axes: [0], keepdims: 0 }) as [string];
  }
  const logits = denseLayer(g, pooled, weights['classifier.weight']!, weights['classifier.bias'], 'classifier');
  scoreOutputs(g, logits, ['B', model.numClasses]);
}
