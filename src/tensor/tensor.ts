/**
 * Tensors: a shape and a row-major Float32Array. This plain object is the type
 * that crosses rnnkit's public boundary; inside, layers keep their buffers in the
 * backend's memory.
 */
import { NonFiniteError, ShapeError } from '../errors.js';

/** A row-major float32 tensor. `data.length` equals the product of `shape`. */
export interface Tensor {
  /** Extent of each dimension, outermost first. */
  shape: number[];
  /** The elements in row-major order. */
  data: Float32Array;
}

/** Number of elements of a tensor of this shape (1 for the scalar shape `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Index (relative to `offset`) of the largest of `x[offset … offset + n)`, the first on ties;
 * with `allowed`, among the indices i with `allowed[i]` only (−1 when none is).
 */
export function argmax(x: ArrayLike<number>, offset: number, n: number, allowed?: Uint8Array): number {
  let best = -1;
  for (let i = 0; i < n; i++) if ((allowed === undefined || allowed[i]) && (best < 0 || x[offset + i] > x[offset + best])) best = i;
  return best;
}

/** Rows of `width` numbers in place: row r takes what row from[r] held (rows past from.length stay). */
export function permuteRows(data: Float32Array | Float64Array, width: number, from: ArrayLike<number>): void {
  const copy = data.slice(0, from.length * width);
  for (let r = 0; r < from.length; r++) data.set(copy.subarray(from[r] * width, (from[r] + 1) * width), r * width);
}

/** Formats a shape as PyTorch prints it, e.g. `[2, 3, 4]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Creates a tensor of the given shape, zero-filled or holding a copy of `values`.
 * @throws ShapeError if the shape holds a negative or non-integer extent, or `values` has the wrong length.
 */
export function tensor(shape: readonly number[], values?: ArrayLike<number>): Tensor {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`tensor: shape ${formatShape(shape)} must hold non-negative integers`);
    }
  }
  const n = sizeOf(shape);
  if (values !== undefined && values.length !== n) {
    throw new ShapeError(`tensor: shape ${formatShape(shape)} needs ${n} values, got ${values.length}`);
  }
  const data = new Float32Array(n);
  if (values !== undefined) data.set(values);
  return { shape: [...shape], data };
}

/** A tensor in float32 or float64 (kernels that also serve float64 gradient checks take these). */
export interface FloatTensor<F extends Float32Array | Float64Array = Float32Array | Float64Array> {
  shape: number[];
  data: F;
}

/**
 * Checks that `value` is a well-formed tensor: an object with an integer `shape` and a
 * Float32Array `data` whose length matches it. `what` names the argument in messages.
 * @throws ShapeError naming what was expected and what came.
 */
export function assertTensor(value: unknown, what: string): asserts value is Tensor {
  checkTensor(value, what, false);
}

/** As {@link assertTensor}, also accepting Float64Array data. */
export function assertFloatTensor(value: unknown, what: string): asserts value is FloatTensor {
  checkTensor(value, what, true);
}

function checkTensor(value: unknown, what: string, float64: boolean): void {
  if (typeof value !== 'object' || value === null) {
    throw new ShapeError(`${what}: expected a tensor { shape, data }, got ${value === null ? 'null' : typeof value}`);
  }
  const { shape, data } = value as { shape?: unknown; data?: unknown };
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`${what}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!(data instanceof Float32Array) && !(float64 && data instanceof Float64Array)) {
    const got = data === undefined ? 'undefined' : ((data as object).constructor?.name ?? typeof data);
    throw new ShapeError(`${what}: data must be a Float32Array${float64 ? ' or Float64Array' : ''}, got ${got}`);
  }
  const n = sizeOf(shape as number[]);
  if (data.length !== n) {
    throw new ShapeError(`${what}: shape ${formatShape(shape as number[])} holds ${n} elements but data has ${data.length}`);
  }
}

/**
 * Checks a tensor's shape against an expected one, where `null` stands for any extent.
 * @example assertShape(x, [null, 7, 5], 'input') // any T, B = 7, F = 5
 * @throws ShapeError, e.g. "input: expected shape [*, 7, 5], got [3, 7, 4]".
 */
export function assertShape(t: Tensor, expected: readonly (number | null)[], what: string): void {
  const ok = t.shape.length === expected.length && expected.every((d, i) => d === null || d === t.shape[i]);
  if (!ok) {
    const want = `[${expected.map((d) => (d === null ? '*' : String(d))).join(', ')}]`;
    throw new ShapeError(`${what}: expected shape ${want}, got ${formatShape(t.shape)}`);
  }
}

/**
 * Checks that every element is finite.
 * @throws NonFiniteError naming the first offending element's flat index and value.
 */
export function assertFinite(data: ArrayLike<number>, what: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) throw new NonFiniteError(`${what}: element ${i} is ${v}; values must be finite`);
  }
}
