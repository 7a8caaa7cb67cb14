/**
 * ONNX export of recurrent layers and language models.
 *
 * Each recurrent layer of a stack becomes one ONNX `LSTM`, `GRU` or `RNN` node (both
 * directions in one node when bidirectional) with PyTorch's gate blocks reordered to
 * ONNX's: LSTM i,f,g,o → i,o,f,c; GRU r,z,n → z,r,h with `linear_before_reset = 1`
 * (PyTorch's reset gate acts on `W_hn h + b_hn`). Between layers the node's `Y`
 * `[T, dirs, B, H]` becomes `[T, B, dirs·H]` (Transpose, Reshape).
 *
 * Graph of a layer: inputs `input` `[T, B, D]` (`[B, T, D]` with `batchFirst`), and with
 * the options `h0` (and `c0`) `[L·dirs, B, H]` and `lengths` (int32 `[B]`, ONNX's
 * `sequence_lens`); outputs `output`, `h` (and `c`), as the layer's forward.
 *
 * Graph of a language model: input `input` (int64 token ids `[T, B]`), optional `h0`/`c0`;
 * Gather (embedding) → recurrent nodes → MatMul + Add (decoder); outputs `output`
 * (logits `[T, B, V]`), `probabilities` (Softmax over the vocabulary), `h` (and `c`).
 */
import { UsageError } from '../../errors.js';
import type { RecurrentLayer } from '../../layers/recurrent/layers.js';
import { gatesOf, type CellKind, type ResolvedOptions } from '../../layers/recurrent/options.js';
import { LanguageModel } from '../../models/language-model/language-model.js';
import type { Tensor } from '../../tensor/tensor.js';
import { GraphBuilder } from './graph.js';
import { DataType, encodeModel } from './protobuf.js';

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

/** PyTorch gate block order → ONNX's: the PyTorch block index of each ONNX block. */
const GATE_ORDER: Record<CellKind, readonly number[]> = { lstm: [0, 3, 1, 2], gru: [1, 0, 2], rnn: [0] };

/** What the stack export needs to know about a recurrent stack: its shape and PyTorch-named weights. */
type StackSpec = Pick<ResolvedOptions, 'cell' | 'nonlinearity' | 'inputSize' | 'hiddenSize' | 'numLayers' | 'directions' | 'bias'>
  & { weights: Record<string, Tensor> };

/**
 * Exports a recurrent layer (`RNN`, `LSTM`, `GRU`) or a `LanguageModel` as an ONNX model.
 * @returns the bytes of a `.onnx` file.
 * @throws UsageError on an unsupported model or option.
 */
export function exportOnnx(layerOrModel: RecurrentLayer | LanguageModel, options: OnnxExportOptions = {}): Uint8Array {
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
  } else if (isRecurrentLayer(layerOrModel)) {
    recurrentLayerGraph(g, layerOrModel, options);
    graphName = `rnnkit_${layerOrModel.config.cell}`;
  } else {
    throw new UsageError('exportOnnx: expected an RNN, LSTM or GRU layer or a LanguageModel');
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
  const sub = (prefix: string): Record<string, Tensor> => Object.fromEntries(Object.entries(weights)
    .filter(([name]) => name.startsWith(prefix)).map(([name, t]) => [name.slice(prefix.length), t]));
  const L = s.numLayers;
  const ids = g.input('input', DataType.INT64, ['T', 'B']);
  const h0 = initialStates ? g.input('h0', DataType.FLOAT, [L, 'B', s.hiddenSize]) : undefined;
  const c0 = initialStates && s.cell === 'lstm' ? g.input('c0', DataType.FLOAT, [L, 'B', s.hiddenSize]) : undefined;
  const table = weights['embedding.weight']!;
  const [x] = g.node('Gather', [g.floats('embedding.weight', table.shape, table.data), ids], ['embedded'], { axis: 0 });
  const out = recurrentStack(g, { ...s, nonlinearity: 'tanh', inputSize: s.embeddingDim, directions: 1, bias: true,
    weights: sub('rnn.') }, x!, h0, c0, undefined);
  const w = weights['decoder.weight']!;
  const [projected] = g.node('MatMul', [out.output, g.floats('decoder.weight_t', [s.hiddenSize, V], transpose(w.data, V, s.hiddenSize))],
    ['decoder_matmul']);
  const [logits] = g.node('Add', [projected!, g.floats('decoder.bias', [V], weights['decoder.bias']!.data)], ['logits']);
  const [probabilities] = g.node('Softmax', [logits!], ['softmax'], { axis: -1 });
  g.output('output', logits!, DataType.FLOAT, ['T', 'B', V]);
  g.output('probabilities', probabilities!, DataType.FLOAT, ['T', 'B', V]);
  g.output('h', out.h, DataType.FLOAT, [L, 'B', s.hiddenSize]);
  if (out.c !== undefined) g.output('c', out.c, DataType.FLOAT, [L, 'B', s.hiddenSize]);
}

/** One ONNX recurrent node per layer; returns the names of the stack's output `[T, B, dirs·H]`, h and c. */
function recurrentStack(g: GraphBuilder, spec: StackSpec, input: string, h0: string | undefined, c0: string | undefined,
  lengths: string | undefined): { output: string; h: string; c?: string } {
  const { cell, hiddenSize: H, directions: dirs } = spec;
  const G = gatesOf(cell);
  const op = cell === 'lstm' ? 'LSTM' : cell === 'gru' ? 'GRU' : 'RNN';
  const suffixes = dirs === 2 ? ['', '_reverse'] : [''];
  const hs: string[] = [];
  const cs: string[] = [];
  let x = input;
  for (let l = 0; l < spec.numLayers; l++) {
    const D = l === 0 ? spec.inputSize : dirs * H;
    const pick = (kind: string): Float32Array[] => suffixes.map((sfx) => {
      const t = spec.weights[`${kind}_l${l}${sfx}`];
      if (t === undefined) throw new UsageError(`exportOnnx: the weights lack ${kind}_l${l}${sfx}`);
      return reorderBlocks(t.data, cell);
    });
    const W = g.floats(`W_l${l}`, [dirs, G * H, D], concat(pick('weight_ih')));
    const R = g.floats(`R_l${l}`, [dirs, G * H, H], concat(pick('weight_hh')));
    let B = '';
    if (spec.bias) {
      const bih = pick('bias_ih');
      const bhh = pick('bias_hh');
      B = g.floats(`B_l${l}`, [dirs, 2 * G * H], concat(suffixes.flatMap((_, d) => [bih[d]!, bhh[d]!])));
    }
    const slice = (state: string | undefined, name: string): string => state === undefined ? ''
      : g.node('Slice', [state, g.int64s(`${name}_start`, [l * dirs]), g.int64s(`${name}_end`, [(l + 1) * dirs]),
        g.int64s(`${name}_axes`, [0])], [`${name}_l${l}`])[0]!;
    const inputs = [x, W, R, B, lengths ?? '', slice(h0, 'h0'), ...(cell === 'lstm' ? [slice(c0, 'c0')] : [])];
    while (inputs.at(-1) === '') inputs.pop();
    const attributes: Record<string, number | string | readonly string[]> = {
      hidden_size: H, direction: dirs === 2 ? 'bidirectional' : 'forward',
    };
    if (cell === 'gru') attributes.linear_before_reset = 1;
    if (cell === 'rnn') attributes.activations = suffixes.map(() => (spec.nonlinearity === 'relu' ? 'Relu' : 'Tanh'));
    const outs = g.node(op, inputs, cell === 'lstm' ? [`Y_l${l}`, `Y_h_l${l}`, `Y_c_l${l}`] : [`Y_l${l}`, `Y_h_l${l}`], attributes);
    hs.push(outs[1]!);
    if (cell === 'lstm') cs.push(outs[2]!);
    const [transposed] = g.node('Transpose', [outs[0]!], [`Y_tbdh_l${l}`], { perm: [0, 2, 1, 3] });
    [x] = g.node('Reshape', [transposed!, g.int64s(`Y_shape_l${l}`, [0, 0, -1])], [`output_l${l}`]) as [string];
  }
  const join = (parts: string[], name: string): string => parts.length === 1 ? parts[0]! : g.node('Concat', parts, [name], { axis: 0 })[0]!;
  return { output: x, h: join(hs, 'h_all'), ...(cell === 'lstm' ? { c: join(cs, 'c_all') } : {}) };
}

/** The rows of a `[G·H, …]` weight (or `[G·H]` bias) with its gate blocks in ONNX's order. */
function reorderBlocks(data: Float32Array, cell: CellKind): Float32Array {
  const order = GATE_ORDER[cell];
  const block = data.length / order.length;
  const out = new Float32Array(data.length);
  order.forEach((from, to) => out.set(data.subarray(from * block, (from + 1) * block), to * block));
  return out;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** The transpose of a row-major `[rows, cols]` matrix. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}
