/**
 * The reference backend: plain TypeScript loops written as the equations, generic over
 * Float32Array and Float64Array. It is the executable specification the WebAssembly
 * kernels are tested against, and in float64 it serves the gradient checks.
 */
import type { Backend, FloatArray } from '../backend.js';
import { activate, activateBackward, addBias, axpy, columnSums, copy, fill, scale } from './elementwise.js';
import { gemm } from './gemm.js';
import { softmaxCrossEntropy, softmaxCrossEntropyBackward } from './softmax.js';

/** Constructors of the element arrays the reference backend can use. */
export type FloatArrayConstructor<F extends FloatArray> = F extends Float64Array
  ? Float64ArrayConstructor
  : Float32ArrayConstructor;

/**
 * Creates a reference backend over `Float32Array` (the default) or `Float64Array`.
 * @example const b64 = createReferenceBackend(Float64Array);
 */
export function createReferenceBackend(elements?: Float32ArrayConstructor): Backend<Float32Array>;
export function createReferenceBackend(elements: Float64ArrayConstructor): Backend<Float64Array>;
export function createReferenceBackend(
  elements: Float32ArrayConstructor | Float64ArrayConstructor = Float32Array,
): Backend<Float32Array> | Backend<Float64Array> {
  return elements === Float64Array ? makeBackend(Float64Array, 'float64') : makeBackend(Float32Array, 'float32');
}

function makeBackend<F extends FloatArray>(Elements: new (length: number) => F, precision: string): Backend<F> {
  return {
    name: 'reference',
    description: `reference (plain TypeScript, ${precision})`,
    alloc: (length) => new Elements(length),
    allocInt: (length) => new Int32Array(length),
    free: () => {},
    gemm,
    addBias,
    columnSums,
    activate,
    activateBackward,
    softmaxCrossEntropy,
    softmaxCrossEntropyBackward,
    fill,
    copy,
    axpy,
    scale,
    dispose: () => {},
  };
}
