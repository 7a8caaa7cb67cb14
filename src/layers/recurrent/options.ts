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
}

/** Gate blocks per hidden unit: RNN 1, LSTM 4 (i, f, g, o), GRU 3 (r, z, n). */
export function gatesOf(cell: CellKind): number {
  return cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
}

const KNOWN = new Set(['inputSize', 'hiddenSize', 'numLayers', 'bidirectional', 'batchFirst', 'bias', 'dropout',
  'seed', 'backend', 'nonlinearity']);

/**
 * Validates options and fills in defaults.
 * @throws UsageError naming the option, the expectation and the value.
 */
export function resolveOptions(cell: CellKind, options: RnnOptions, layer: string): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new UsageError(`${layer}: expected an options object { inputSize, hiddenSize, … }`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key) || (key === 'nonlinearity' && cell !== 'rnn')) {
      throw new UsageError(`${layer}: unknown option '${key}'`);
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
  return {
    cell,
    nonlinearity,
    inputSize: positive('inputSize', options.inputSize),
    hiddenSize: positive('hiddenSize', options.hiddenSize),
    numLayers: positive('numLayers', options.numLayers ?? 1),
    directions: flag('bidirectional', options.bidirectional, false) ? 2 : 1,
    batchFirst: flag('batchFirst', options.batchFirst, false),
    bias: flag('bias', options.bias, true),
    dropout,
  };
}

/** PyTorch's parameter name suffix of layer `l`, direction `d`: `_l0`, `_l0_reverse`, … */
export function suffix(l: number, d: number): string {
  return `_l${l}${d === 1 ? '_reverse' : ''}`;
}
