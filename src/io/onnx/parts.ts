/**
 * Pieces of ONNX graphs shared by the exported models: the recurrent stack (one ONNX
 * LSTM/GRU/RNN node per layer, PyTorch's gate blocks reordered to ONNX's), embedding
 * lookups and dense layers.
 */
import { UsageError } from '../../errors.js';
import { gatesOf, type CellKind, type ResolvedOptions } from '../../layers/recurrent/options.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { GraphBuilder } from './graph.js';
import { DataType } from './protobuf.js';

/** PyTorch gate block order → ONNX's: the PyTorch block index of each ONNX block. */
const GATE_ORDER: Record<CellKind, readonly number[]> = { lstm: [0, 3, 1, 2], gru: [1, 0, 2], rnn: [0] };
/** Peephole blocks i, f, o → ONNX's `P` order i, o, f. */
const PEEPHOLE_ORDER = [0, 2, 1] as const;

/** What the stack export needs to know about a recurrent stack: its shape, its cell's variant and PyTorch-named weights. */
export type StackSpec = Pick<
  ResolvedOptions,
  'cell' | 'nonlinearity' | 'inputSize' | 'hiddenSize' | 'numLayers' | 'directions' | 'bias' | 'resetAfter' | 'peepholes' | 'projSize'
> & { weights: Record<string, Tensor> };

/** `Gather` of the rows of an embedding table [V, E] for int64 ids (any shape) → [..., E]. */
export function embeddingLookup(g: GraphBuilder, table: Tensor, ids: string, name: string): string {
  return g.node('Gather', [g.floats(`${name}.weight`, table.shape, table.data), ids], [`${name}_out`], { axis: 0 })[0];
}

/** x [..., in] · Wᵀ + b for a PyTorch Linear weight [out, in] and bias [out] → [..., out]. */
export function denseLayer(g: GraphBuilder, x: string, weight: Tensor, bias: Tensor | undefined, name: string): string {
  const [out, inFeatures] = weight.shape as [number, number];
  const [product] = g.node(
    'MatMul',
    [x, g.floats(`${name}.weight_t`, [inFeatures, out], transpose(weight.data, out, inFeatures))],
    [`${name}_matmul`],
  );
  return bias === undefined ? product : g.node('Add', [product, g.floats(`${name}.bias`, [out], bias.data)], [`${name}_out`])[0];
}

/** Declares `logits` as the output `output` and its softmax over the last axis as `probabilities`, both of `dims`. */
export function scoreOutputs(g: GraphBuilder, logits: string, dims: readonly (string | number)[]): void {
  const [probabilities] = g.node('Softmax', [logits], ['softmax'], { axis: -1 });
  g.output('output', logits, DataType.FLOAT, dims);
  g.output('probabilities', probabilities, DataType.FLOAT, dims);
}

/**
 * Which steps of a time-major `[S, B, …]` tensor are real: bool `[S, B]`, step i of row b real
 * when i < lengths[b] (`lengths` int32 `[B]`).
 */
export function realSteps(g: GraphBuilder, timeMajor: string, lengths: string): string {
  const [shape] = g.node('Shape', [timeMajor], ['steps_shape']);
  const [steps] = g.node('Gather', [shape, g.int64s('step_axis', [0], [])], ['steps'], { axis: 0 });
  const [range] = g.node('Range', [g.int64s('zero', [0], []), steps, g.int64s('one', [1], [])], ['step_index']);
  const [stepColumn] = g.node('Unsqueeze', [range, g.int64s('axes_1', [1])], ['step_column']);
  const [length64] = g.node('Cast', [lengths], ['lengths_int64'], { to: DataType.INT64 });
  const [lengthRow] = g.node('Unsqueeze', [length64, g.int64s('axes_0', [0])], ['lengths_row']);
  return g.node('Less', [stepColumn, lengthRow], ['real_steps'])[0];
}

/** The entries of `weights` under `prefix`, without it. */
export function underPrefix(weights: Record<string, Tensor>, prefix: string): Record<string, Tensor> {
  return Object.fromEntries(
    Object.entries(weights)
      .filter(([name]) => name.startsWith(prefix))
      .map(([name, t]) => [name.slice(prefix.length), t]),
  );
}

/**
 * One ONNX recurrent node per layer; returns the names of the stack's output `[T, B, dirs·H]`,
 * h and c `[L·dirs, B, H]`, and the top layer's final states `[dirs, B, H]`. A GRU's
 * `linear_before_reset` is 1 with the reset gate after the product (PyTorch's form), 0 before
 * it; a peephole LSTM's `weight_peephole_l{k}` (i, f, o) becomes the input `P` (i, o, f).
 */
export function recurrentStack(
  g: GraphBuilder,
  spec: StackSpec,
  input: string,
  h0: string | undefined,
  c0: string | undefined,
  lengths: string | undefined,
): { output: string; h: string; c?: string; topH: string } {
  const { cell, hiddenSize: H, directions: dirs } = spec;
  if (spec.projSize > 0) {
    throw new UsageError(
      `exportOnnx: an LSTM with a projection (projSize ${spec.projSize}, PyTorch's proj_size) has no ONNX form: ` +
        "ONNX's LSTM operator computes h_t = o ⊙ tanh(c_t) and has no projection weight W_hr",
    );
  }
  const G = gatesOf(cell);
  const op = cell === 'lstm' ? 'LSTM' : cell === 'gru' ? 'GRU' : 'RNN';
  const suffixes = dirs === 2 ? ['', '_reverse'] : [''];
  const hs: string[] = [];
  const cs: string[] = [];
  let x = input;
  for (let l = 0; l < spec.numLayers; l++) {
    const D = l === 0 ? spec.inputSize : dirs * H;
    const pick = (kind: string, order: readonly number[] = GATE_ORDER[cell]): Float32Array[] =>
      suffixes.map((sfx) => {
        const t = spec.weights[`${kind}_l${l}${sfx}`];
        if (t === undefined) throw new UsageError(`exportOnnx: the weights lack ${kind}_l${l}${sfx}`);
        return reorderBlocks(t.data, order);
      });
    const W = g.floats(`W_l${l}`, [dirs, G * H, D], concat(pick('weight_ih')));
    const R = g.floats(`R_l${l}`, [dirs, G * H, H], concat(pick('weight_hh')));
    let B = '';
    if (spec.bias) {
      const bih = pick('bias_ih');
      const bhh = pick('bias_hh');
      B = g.floats(`B_l${l}`, [dirs, 2 * G * H], concat(suffixes.flatMap((_, d) => [bih[d], bhh[d]])));
    }
    const slice = (state: string | undefined, name: string): string =>
      state === undefined
        ? ''
        : g.node(
            'Slice',
            [state, g.int64s(`${name}_start`, [l * dirs]), g.int64s(`${name}_end`, [(l + 1) * dirs]), g.int64s(`${name}_axes`, [0])],
            [`${name}_l${l}`],
          )[0];
    const P = cell === 'lstm' && spec.peepholes ? g.floats(`P_l${l}`, [dirs, 3 * H], concat(pick('weight_peephole', PEEPHOLE_ORDER))) : '';
    const inputs = [x, W, R, B, lengths ?? '', slice(h0, 'h0'), ...(cell === 'lstm' ? [slice(c0, 'c0'), P] : [])];
    while (inputs.at(-1) === '') inputs.pop();
    const attributes: Record<string, number | string | readonly string[]> = {
      hidden_size: H,
      direction: dirs === 2 ? 'bidirectional' : 'forward',
    };
    if (cell === 'gru') attributes.linear_before_reset = spec.resetAfter ? 1 : 0;
    if (cell === 'rnn') attributes.activations = suffixes.map(() => (spec.nonlinearity === 'relu' ? 'Relu' : 'Tanh'));
    const outs = g.node(op, inputs, cell === 'lstm' ? [`Y_l${l}`, `Y_h_l${l}`, `Y_c_l${l}`] : [`Y_l${l}`, `Y_h_l${l}`], attributes);
    hs.push(outs[1]);
    if (cell === 'lstm') cs.push(outs[2]);
    const [transposed] = g.node('Transpose', [outs[0]], [`Y_tbdh_l${l}`], { perm: [0, 2, 1, 3] });
    [x] = g.node('Reshape', [transposed, g.int64s(`Y_shape_l${l}`, [0, 0, -1])], [`output_l${l}`]) as [string];
  }
  const join = (parts: string[], name: string): string => (parts.length === 1 ? parts[0] : g.node('Concat', parts, [name], { axis: 0 })[0]);
  return { output: x, h: join(hs, 'h_all'), ...(cell === 'lstm' ? { c: join(cs, 'c_all') } : {}), topH: hs.at(-1)! };
}

/** The rows of a `[G·H, …]` weight (or `[G·H]` bias) with its blocks in the order `order` (ONNX's). */
function reorderBlocks(data: Float32Array, order: readonly number[]): Float32Array {
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
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}
