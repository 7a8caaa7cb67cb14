/**
 * ONNX graphs of the models that generate token by token: each exports as an encoder graph
 * and a decoder graph, and the caller runs the decode loop (greedy, sampling or beam search),
 * feeding each step's states back.
 *
 * SequenceGenerator (1→N):
 * - encoder: `condition` `[B, C]` → the initial states `h` (and `c`) `[L, B, H]`: tanh(W c + b)
 *   per layer in the `initial-state` form (c zero), zeros in the `every-step` form;
 * - decoder: `input` (int64 token ids `[T, B]`, T = 1 for one step), `h`, `c` and, in the
 *   `every-step` form, `condition` → `output` (logits `[T, B, V]`), `probabilities`, `next_h`, `next_c`.
 *
 * Seq2Seq (N→M):
 * - encoder: `source` (int64 `[S, B]`) and `source_lengths` (int32 `[B]`) → `encoder_output`
 *   `[S, B, Hd]`, the decoder's initial `h` (and `c`) `[1, B, Hd]`, and what the decoder is
 *   fed besides: the fixed `context` `[B, Hd]` (context `final`/`transform` used at every step) or
 *   Luong's attentional `feed` `[B, Hd]` (zero before the first step);
 * - decoder (one step): `token` (int64 `[B]`), `h`, `c`, and `context`, or `encoder_output`,
 *   `source_lengths` (and `feed`) with attention → `output` (logits `[B, V]`), `probabilities`,
 *   `next_h`, `next_c`, `attention` (weights `[B, S]`) and `next_feed`.
 * Both carry the begin and end token ids in their metadata (`begin`, `end`).
 *
 * Legend: B rows, T steps, S source steps, C condition size, E embedding size, L layers, H hidden
 * size, Hd the decoder's hidden size, A the additive attention's width, V vocabulary.
 */
import { SequenceGenerator } from '../../models/sequence-generator.js';
import type { Seq2Seq } from '../../models/seq2seq/seq2seq.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { GraphBuilder } from './graph.js';
import { denseLayer, embeddingLookup, realSteps, recurrentStack, scoreOutputs, type StackSpec, underPrefix } from './parts.js';
import { DataType } from './protobuf.js';

/** Which graph of a two-graph model. */
export type OnnxPart = 'encoder' | 'decoder';

/** A float tensor of zeros `[lead, B, width]` (`lead` omitted: `[B, width]`), B read from dimension `axis` of `like`. */
function zeros(g: GraphBuilder, like: string, axis: number, lead: number | undefined, width: number, name: string): string {
  const [shape] = g.node('Shape', [like], [`${name}_like_shape`]);
  const [batch] = g.node('Gather', [shape, g.int64s(`${name}_batch_axis`, [axis])], [`${name}_batch`], { axis: 0 });
  const parts = [...(lead === undefined ? [] : [g.int64s(`${name}_lead`, [lead])]), batch, g.int64s(`${name}_width`, [width])];
  const [dims] = g.node('Concat', parts, [`${name}_dims`], { axis: 0 });
  return g.node('ConstantOfShape', [dims], [name])[0];
}

/** `x` with a leading axis of size 1 (axis 0 inserted) or without it (removed). */
function unsqueeze0(g: GraphBuilder, x: string, name: string): string {
  return g.node('Unsqueeze', [x, g.int64s(`${name}_axes`, [0])], [name])[0];
}

function squeeze0(g: GraphBuilder, x: string, name: string): string {
  return g.node('Squeeze', [x, g.int64s(`${name}_axes`, [0])], [name])[0];
}

export function generatorGraph(g: GraphBuilder, model: SequenceGenerator, part: OnnxPart): void {
  const s = model.settings;
  const weights = model.stateDict();
  const { numLayers: L, hiddenSize: H, conditionSize: C } = s;
  const lstm = s.cell === 'lstm';
  if (part === 'encoder') {
    const condition = g.input('condition', DataType.FLOAT, ['B', C]);
    let h: string;
    if (model.initialState !== undefined) {
      // h0 = tanh(W c + b) [B, L·H] → [L, B, H]
      const projected = denseLayer(g, condition, weights['initial_state.weight'], weights['initial_state.bias'], 'initial_state');
      const [bounded] = g.node('Tanh', [projected], ['initial_state_tanh']);
      const [layered] = g.node('Reshape', [bounded, g.int64s('initial_state_shape', [0, L, H])], ['initial_state_blh']);
      [h] = g.node('Transpose', [layered], ['initial_h'], { perm: [1, 0, 2] }) as [string];
    } else {
      h = zeros(g, condition, 0, L, H, 'initial_h');
    }
    g.output('h', h, DataType.FLOAT, [L, 'B', H]);
    if (lstm) g.output('c', zeros(g, condition, 0, L, H, 'initial_c'), DataType.FLOAT, [L, 'B', H]);
    return;
  }
  const ids = g.input('input', DataType.INT64, ['T', 'B']);
  const h0 = g.input('h', DataType.FLOAT, [L, 'B', H]);
  const c0 = lstm ? g.input('c', DataType.FLOAT, [L, 'B', H]) : undefined;
  let x = embeddingLookup(g, weights['embedding.weight'], ids, 'embedding');
  if (s.conditioning === 'every-step') {
    // [embedding; condition] at every step: the condition [B, C] expanded to [T, B, C].
    const condition = g.input('condition', DataType.FLOAT, ['B', C]);
    const [idsShape] = g.node('Shape', [ids], ['ids_shape']);
    const [dims] = g.node('Concat', [idsShape, g.int64s('condition_width', [C])], ['condition_dims'], { axis: 0 });
    const [tiled] = g.node('Expand', [unsqueeze0(g, condition, 'condition_step'), dims], ['condition_tiled']);
    [x] = g.node('Concat', [x, tiled], ['decoder_input'], { axis: 2 }) as [string];
  }
  const stack = recurrentStack(g, { ...model.rnn.config, weights: underPrefix(weights, 'rnn.') }, x, h0, c0, undefined);
  const logits = denseLayer(g, stack.output, weights['output.weight'], weights['output.bias'], 'output');
  scoreOutputs(g, logits, ['T', 'B', s.vocabSize]);
  g.output('next_h', stack.h, DataType.FLOAT, [L, 'B', H]);
  if (stack.c !== undefined) g.output('next_c', stack.c, DataType.FLOAT, [L, 'B', H]);
}

export function seq2seqGraph(g: GraphBuilder, model: Seq2Seq, part: OnnxPart): void {
  const s = model.settings;
  const weights = model.stateDict();
  const Hd = (s.bidirectional ? 2 : 1) * s.hiddenSize;
  const lstm = s.cell === 'lstm';
  const attention = s.context === 'attention';
  const luong = attention && s.attention !== 'additive';
  const fixedFed = !attention && s.contextUse === 'every-step';
  if (part === 'encoder') {
    const source = g.input('source', DataType.INT64, ['S', 'B']);
    const lengths = g.input('source_lengths', DataType.INT32, ['B']);
    const x = embeddingLookup(g, weights['encoder.embedding.weight'], source, 'encoder_embedding');
    const spec: StackSpec = {
      ...s,
      nonlinearity: 'tanh',
      inputSize: s.embeddingDim,
      directions: s.bidirectional ? 2 : 1,
      bias: true,
      resetAfter: s.resetAfter !== false,
      peepholes: s.peepholes === true,
      projSize: 0,
      weights: underPrefix(weights, 'encoder.rnn.'),
    };
    const stack = recurrentStack(g, spec, x, undefined, undefined, lengths);
    // h_T: the top layer's final states, directions side by side [B, Hd].
    const [batchMajor] = g.node('Transpose', [stack.topH], ['top_states_bdh'], { perm: [1, 0, 2] });
    const [hT] = g.node('Reshape', [batchMajor, g.int64s('h_T_shape', [0, -1])], ['h_T']) as [string];
    let context = hT;
    if (s.context === 'transform') {
      // c = q(h_T) = tanh(W_q h_T + b_q)
      [context] = g.node('Tanh', [denseLayer(g, hT, weights['bridge.weight'], weights['bridge.bias'], 'bridge')], ['bridge_context']) as [
        string,
      ];
    }
    const initial = fixedFed ? zeros(g, hT, 0, undefined, Hd, 'zero_state') : s.context === 'transform' ? context : hT;
    g.output('encoder_output', stack.output, DataType.FLOAT, ['S', 'B', Hd]);
    g.output('h', unsqueeze0(g, initial, 'initial_h'), DataType.FLOAT, [1, 'B', Hd]);
    if (lstm) g.output('c', zeros(g, hT, 0, 1, Hd, 'initial_c'), DataType.FLOAT, [1, 'B', Hd]);
    if (fixedFed) g.output('context', context, DataType.FLOAT, ['B', Hd]);
    if (luong) g.output('feed', zeros(g, hT, 0, undefined, Hd, 'initial_feed'), DataType.FLOAT, ['B', Hd]);
    return;
  }
  const token = g.input('token', DataType.INT64, ['B']);
  const h = g.input('h', DataType.FLOAT, [1, 'B', Hd]);
  const c = lstm ? g.input('c', DataType.FLOAT, [1, 'B', Hd]) : undefined;
  const context = fixedFed ? g.input('context', DataType.FLOAT, ['B', Hd]) : undefined;
  const values = attention ? g.input('encoder_output', DataType.FLOAT, ['S', 'B', Hd]) : undefined;
  const lengths = attention ? g.input('source_lengths', DataType.INT32, ['B']) : undefined;
  const feed = luong ? g.input('feed', DataType.FLOAT, ['B', Hd]) : undefined;
  const embedded = embeddingLookup(g, weights['decoder.embedding.weight'], token, 'decoder_embedding');
  /** Attention of `query` [B, K] over the encoder outputs: the context [B, Hd], its weights output as `attention` [B, S]. */
  const attend = (query: string): string => {
    let scores: string;
    if (s.attention === 'additive') {
      // e_i = wᵀ tanh(W_k h_i + b_k + W_q s_{t−1})
      const keys = denseLayer(g, values!, weights['attention.key.weight'], weights['attention.key.bias'], 'attention_key');
      const q = denseLayer(g, query, weights['attention.query.weight'], undefined, 'attention_query');
      const [hidden] = g.node('Tanh', [g.node('Add', [keys, q], ['attention_sum'])[0]], ['attention_hidden']);
      const w = weights['attention.score.weight'];
      const [e] = g.node('MatMul', [hidden, g.floats('attention_score_w', [w.data.length, 1], w.data)], ['attention_e']);
      [scores] = g.node('Squeeze', [e, g.int64s('attention_e_axes', [2])], ['attention_scores']) as [string];
    } else {
      // e_i = s_t · h_i (dot) or s_t · W_a h_i (general)
      const keys =
        s.attention === 'general' ? denseLayer(g, values!, weights['attention.key.weight'], undefined, 'attention_key') : values!;
      const [products] = g.node('Mul', [keys, query], ['attention_products']);
      [scores] = g.node('ReduceSum', [products, g.int64s('attention_sum_axes', [2])], ['attention_scores'], { keepdims: 0 }) as [string];
    }
    // α = softmax over the real steps [S, B]; c = Σ_i α_i h_i
    const [masked] = g.node(
      'Where',
      [realSteps(g, values!, lengths!), scores, g.floats('minus_infinity', [], Float32Array.of(-Infinity))],
      ['attention_masked'],
    );
    const [alpha] = g.node('Softmax', [masked], ['attention_alpha'], { axis: 0 });
    const [alpha3] = g.node('Unsqueeze', [alpha, g.int64s('alpha_axes', [2])], ['attention_alpha_3d']);
    const [contributions] = g.node('Mul', [alpha3, values!], ['attention_contributions']);
    const [ctx] = g.node('ReduceSum', [contributions, g.int64s('attention_context_axes', [0])], ['attention_context'], { keepdims: 0 });
    const [byRow] = g.node('Transpose', [alpha], ['attention_weights'], { perm: [1, 0] });
    g.output('attention', byRow, DataType.FLOAT, ['B', 'S']);
    return ctx;
  };
  const previous = squeeze0(g, h, 'previous_state');
  let x = embedded;
  let additiveContext: string | undefined;
  if (s.context !== 'attention') {
    if (context !== undefined) [x] = g.node('Concat', [embedded, context], ['cell_input'], { axis: 1 }) as [string];
  } else if (s.attention === 'additive') {
    additiveContext = attend(previous);
    [x] = g.node('Concat', [embedded, additiveContext], ['cell_input'], { axis: 1 }) as [string];
  } else {
    [x] = g.node('Concat', [embedded, feed!], ['cell_input'], { axis: 1 }) as [string];
  }
  const cellWeights: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(underPrefix(weights, 'decoder.cell.'))) cellWeights[`${name}_l0`] = t;
  const inputSize = s.embeddingDim + (attention || fixedFed ? Hd : 0);
  const spec: StackSpec = {
    cell: s.cell,
    nonlinearity: 'tanh',
    inputSize,
    hiddenSize: Hd,
    numLayers: 1,
    directions: 1,
    bias: true,
    resetAfter: s.resetAfter !== false,
    peepholes: s.peepholes === true,
    projSize: 0,
    weights: cellWeights,
  };
  const step = recurrentStack(g, spec, unsqueeze0(g, x, 'cell_input_step'), h, c, undefined);
  const state = squeeze0(g, step.h, 'state');
  let out = state;
  if (additiveContext !== undefined) {
    [out] = g.node('Concat', [state, additiveContext], ['output_input'], { axis: 1 }) as [string];
  } else if (luong) {
    // h̃_t = tanh(W_c [c_t; s_t] + b_c), also fed at the next step
    const [combined] = g.node('Concat', [attend(state), state], ['combined'], { axis: 1 });
    [out] = g.node(
      'Tanh',
      [denseLayer(g, combined, weights['attention.combine.weight'], weights['attention.combine.bias'], 'combine')],
      ['attentional'],
    ) as [string];
    g.output('next_feed', out, DataType.FLOAT, ['B', Hd]);
  }
  const logits = denseLayer(g, out, weights['output.weight'], weights['output.bias'], 'output');
  scoreOutputs(g, logits, ['B', s.targetVocabSize]);
  g.output('next_h', step.h, DataType.FLOAT, [1, 'B', Hd]);
  if (step.c !== undefined) g.output('next_c', step.c, DataType.FLOAT, [1, 'B', Hd]);
}

/** The metadata an exported graph of `model` carries: the begin and end token ids of a Seq2Seq. */
export function stepModelMetadata(model: SequenceGenerator | Seq2Seq): { key: string; value: string }[] {
  if (model instanceof SequenceGenerator) return [];
  return [
    { key: 'begin', value: String(model.begin) },
    { key: 'end', value: String(model.end) },
  ];
}
