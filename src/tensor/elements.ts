/**
 * The element types every layer of rnnkit computes in, and what allocates them: float32 for
 * training and inference, float64 for the gradient checks of the reference backend.
 */

/** The float buffers kernels compute on. */
export type FloatArray = Float32Array | Float64Array;

/** Elementwise activations of the backends. */
export type Activation = 'sigmoid' | 'tanh' | 'relu';

/** The nonlinearity of an Elman RNN cell (PyTorch's `nonlinearity`). */
export type RnnNonlinearity = 'tanh' | 'relu';

/** What hands out and takes back the buffers of a backend (see backend.ts). */
export interface Allocator<F extends FloatArray> {
  /** A zero-filled float buffer of `length` numbers in the backend's memory. */
  alloc(length: number): F;
  /** A zero-filled int32 buffer of `length` numbers in the backend's memory. */
  allocInt(length: number): Int32Array;
  /** Returns a buffer from `alloc`/`allocInt`; it must not be used afterwards. */
  free(buffer: F | Int32Array): void;
}

/** The logistic function σ(x) = 1 / (1 + e^(−x)). */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
