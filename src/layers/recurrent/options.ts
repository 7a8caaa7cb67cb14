/**
 * Options of the recurrent layers (PyTorch's `nn.RNN` / `nn.LSTM` / `nn.GRU` arguments,
 * in camelCase) and what each cell kind implies: gates per hidden unit and parameter names.
 */
import type { RnnNonlinearity } from '../../backend/backend.js';
import { UsageError } from '../../errors.js';
import type { ModuleOptions } from '../module.js';

/** The cell a recurrent layer repeats. */
export type CellKind = 'rnn' | 'lstm' | 'gru';

/** Options shared by {@link RNN}, {@link LSTM} and {@link GRU}. */
export interface RecurrentOptions extends ModuleOptions {
  /** Features of each input step (D). */
  inputSize: number;
  /** Features of the hidden state (H). */
  hiddenSize: number;
  /** Stacked recurrent layers; layer k > 0 reads layer k−1's output. @default 1 */
  numLayers?: number;
  /** Run a second, reversed pass per layer and concatenate both outputs (2H features). @default false */
  bidirectional?: boolean;
  /** Input and output are [B, T, F] instead of [T, B, F]; states keep [layers·dirs, B, H]. @default false */
  batchFirst?: boolean;
  /** Use the biases b_ih and b_hh. @default true */
  bias?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training mode. @default 0 */
  dropout?: number;
}

/** Options of {@link RNN}: the shared ones plus its nonlinearity. */
export interface RnnOptions extends RecurrentOptions {
  /** `'tanh'` or `'relu'`. @default 'tanh' */
  nonlinearity?: RnnNonlinearity;
}

/** The options that choose a variant of a cell: GRU's {@link GruOptions.resetAfter}, LSTM's {@link LstmOptions.peepholes}. */
export interface CellVariantOptions {
  /**
   * GRU only. `true`: the reset gate multiplies W_hn h + b_hn, after the recurrent product
   * (PyTorch, cuDNN, Keras `reset_after=True`, ONNX `linear_before_reset = 1`). `false`: it
   * multiplies h_{t−1} before the product, n = tanh(W_in x + b_in + W_hn (r ⊙ h_{t−1}) + b_hn)
   * (Cho et al. 2014, Keras `reset_after=False`, TensorFlow.js, ONNX's default).
   * @default true
   */
  resetAfter?: boolean;
  /**
   * LSTM only. Peephole connections from the cell state to the gates (Gers & Schmidhuber 2000,
   * ONNX's `P`): i = σ(… + p_i ⊙ c_{t−1}), f = σ(… + p_f ⊙ c_{t−1}), o = σ(… + p_o ⊙ c_t), with
   * parameters `weight_peephole_l{k}[_reverse]` [3H] holding p_i, p_f, p_o.
   * @default false
   */
  peepholes?: boolean;
}

/** Options of {@link GRU}: the shared ones plus the reset gate's place. */
export interface GruOptions extends RecurrentOptions, Pick<CellVariantOptions, 'resetAfter'> {}

/** Options of {@link LSTM}: the shared ones plus peepholes and projections. */
export interface LstmOptions extends RecurrentOptions, Pick<CellVariantOptions, 'peepholes'> {
  /**
   * LSTM with a projection layer (LSTMP, Sak et al. 2014; PyTorch's `proj_size`): the hidden state
   * is h_t = W_hr (o_t ⊙ tanh(c_t)), P = projSize features instead of H, through the parameters
   * `weight_hr_l{k}[_reverse]` [P, H]. Then weight_hh is [4H, P], the output [T, B, dirs·P],
   * `h` [L·dirs, B, P] while `c` stays [L·dirs, B, H], and layer k > 0 reads dirs·P features.
   * 0 means no projection; otherwise 0 < projSize < hiddenSize, as PyTorch requires.
   * @default 0
   */
  projSize?: number;
}

/** Options of a recurrent layer of any cell; those of another cell than the one built are rejected. */
export interface RecurrentLayerOptions extends RnnOptions, CellVariantOptions, Pick<LstmOptions, 'projSize'> {}

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions {
  cell: CellKind;
  nonlinearity: RnnNonlinearity;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  directions: 1 | 2;
  batchFirst: boolean;
  bias: boolean;
  dropout: number;
  /** GRU: the reset gate after the recurrent product (true for the other cells). */
  resetAfter: boolean;
  /** LSTM: peephole connections (false for the other cells). */
  peepholes: boolean;
  /** LSTM: features P of the projected hidden state, or 0 for none (always 0 for the other cells). */
  projSize: number;
}

/** Features of the hidden state h a layer carries and outputs per direction: P with a projection, else H. */
export function stateSizeOf(o: Pick<ResolvedOptions, 'hiddenSize' | 'projSize'>): number {
  return o.projSize > 0 ? o.projSize : o.hiddenSize;
}

/** Gate blocks per hidden unit: RNN 1, LSTM 4 (i, f, g, o), GRU 3 (r, z, n). */
export function gatesOf(cell: CellKind): number {
  return cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
}

const KNOWN = new Set(['inputSize', 'hiddenSize', 'numLayers', 'bidirectional', 'batchFirst', 'bias', 'dropout', 'seed', 'backend']);

/** The options that belong to one cell only. */
const CELL_OPTIONS: Record<string, CellKind> = { nonlinearity: 'rnn', resetAfter: 'gru', peepholes: 'lstm', projSize: 'lstm' };

/**
 * Validates options and fills in defaults.
 * @throws UsageError naming the option, the expectation and the value.
 */
export function resolveOptions(cell: CellKind, options: RecurrentLayerOptions, layer: string): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new UsageError(`${layer}: expected an options object { inputSize, hiddenSize, … }`);
  }
  for (const [key, value] of Object.entries(options)) {
    const owner = CELL_OPTIONS[key];
    if (owner === undefined && !KNOWN.has(key)) throw new UsageError(`${layer}: unknown option '${key}'`);
    if (owner !== undefined && owner !== cell && value !== undefined) {
      throw new UsageError(`${layer}: option '${key}' belongs to ${owner.toUpperCase()} layers, not ${cell.toUpperCase()}`);
    }
  }
  const positive = (name: 'inputSize' | 'hiddenSize' | 'numLayers', value: unknown): number => {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new UsageError(`${layer}: ${name} must be a positive integer, got ${String(value)}`);
    }
    return value as number;
  };
  const flag = (name: string, value: unknown, fallback: boolean): boolean => {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') throw new UsageError(`${layer}: ${name} must be true or false, got ${String(value)}`);
    return value;
  };
  const dropout = options.dropout ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) {
    throw new UsageError(`${layer}: dropout must be a number in [0, 1], got ${String(options.dropout)}`);
  }
  const nonlinearity = options.nonlinearity ?? 'tanh';
  if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
    throw new UsageError(`${layer}: nonlinearity must be 'tanh' or 'relu', got '${String(nonlinearity)}'`);
  }
  const hiddenSize = positive('hiddenSize', options.hiddenSize);
  const projSize = options.projSize ?? 0;
  if (!Number.isInteger(projSize) || projSize < 0 || projSize >= hiddenSize) {
    throw new UsageError(
      `${layer}: projSize must be an integer in [0, hiddenSize) (0: no projection), got ${String(options.projSize)} ` +
        `with hiddenSize ${hiddenSize}`,
    );
  }
  return {
    cell,
    nonlinearity,
    inputSize: positive('inputSize', options.inputSize),
    hiddenSize,
    numLayers: positive('numLayers', options.numLayers ?? 1),
    directions: flag('bidirectional', options.bidirectional, false) ? 2 : 1,
    batchFirst: flag('batchFirst', options.batchFirst, false),
    bias: flag('bias', options.bias, true),
    dropout,
    resetAfter: flag('resetAfter', options.resetAfter, true),
    peepholes: flag('peepholes', options.peepholes, false),
    projSize,
  };
}

/** The variant options a model records for its cell: only those that differ from the default. */
export interface CellVariantSettings {
  /** Present (false) for a reset-before GRU. */
  resetAfter?: false;
  /** Present (true) for a peephole LSTM. */
  peepholes?: true;
}

/** The variant settings of resolved options (empty for PyTorch's forms). */
export function variantSettings(o: Pick<ResolvedOptions, 'resetAfter' | 'peepholes'>): CellVariantSettings {
  return { ...(o.resetAfter ? {} : { resetAfter: false }), ...(o.peepholes ? { peepholes: true } : {}) };
}

/**
 * Checks a cell's variant options as a model takes them and returns them in settings form.
 * @throws UsageError on a non-boolean value or another cell's option, naming `owner`.
 */
export function resolveVariant(cell: CellKind, options: CellVariantOptions, owner: string): CellVariantSettings {
  return variantSettings(resolveOptions(cell, { inputSize: 1, hiddenSize: 1, ...variantOptions(options) }, owner));
}

/** The variant options as a layer takes them, leaving out the undefined ones. */
export function variantOptions(o: CellVariantOptions): CellVariantOptions {
  return {
    ...(o.resetAfter !== undefined ? { resetAfter: o.resetAfter } : {}),
    ...(o.peepholes !== undefined ? { peepholes: o.peepholes } : {}),
  };
}

/** PyTorch's parameter name suffix of layer `l`, direction `d`: `_l0`, `_l0_reverse`, … */
export function suffix(l: number, d: number): string {
  return `_l${l}${d === 1 ? '_reverse' : ''}`;
}
