/**
 * The reference backend: plain TypeScript loops written as the equations, generic over
 * Float32Array and Float64Array. It is the executable specification the WebAssembly
 * kernels are tested against, and in float64 it serves the gradient checks.
 */
import {
  gruCandidateBackward,
  gruCandidateForward,
  gruCellBackward,
  gruCellForward,
  gruGatesBackward,
  gruGatesForward,
} from '../../cells/gru.js';
import { lstmCellBackward, lstmCellForward } from '../../cells/lstm.js';
import { rnnCellBackward, rnnCellForward } from '../../cells/rnn.js';
import type { Backend, FloatArray } from '../backend.js';
import { crfBackward, crfForward, crfViterbi } from './crf.js';
import {
  activate,
  activateBackward,
  addBias,
  axpy,
  clamp,
  columnProductSums,
  columnSums,
  copy,
  fill,
  gatherRows,
  mul,
  scale,
  scatterAddRows,
  sumSquares,
} from './elementwise.js';
import { gemm, gemmPacked, packedSize, packMatrix } from './gemm.js';
import { adamUpdate, rmspropUpdate, sgdUpdate } from './optim.js';
import { softmax, softmaxBackward, softmaxCrossEntropy, softmaxCrossEntropyBackward } from './softmax.js';

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
    threads: 1,
    alloc: (length) => new Elements(length),
    allocInt: (length) => new Int32Array(length),
    free: () => {},
    gemm,
    packedSize,
    packMatrix,
    gemmPacked,
    addBias,
    columnSums,
    columnProductSums,
    activate,
    activateBackward,
    softmaxCrossEntropy,
    softmaxCrossEntropyBackward,
    softmax,
    softmaxBackward,
    fill,
    copy,
    axpy,
    scale,
    mul,
    clamp,
    sumSquares,
    gatherRows,
    scatterAddRows,
    rnnCellForward,
    rnnCellBackward,
    lstmCellForward,
    lstmCellBackward,
    lstmStepForward(rows, H, hPrev, packedWhhT, gates, cPrev, c, h, y, ldy) {
      gemmPacked(false, rows, 4 * H, H, 1, hPrev, H, packedWhhT, 1, gates, 4 * H);
      lstmCellForward(rows, H, gates, cPrev, c, h, y, ldy);
    },
    lstmStepBackward(rows, H, da, packedWhh, dh, cellRows, gates, cPrev, c, dy, ldy, dc) {
      gemmPacked(false, rows, H, 4 * H, 1, da, 4 * H, packedWhh, 0, dh, H);
      if (cellRows > 0) lstmCellBackward(cellRows, H, gates, cPrev, c, dy, ldy, dh, dc);
    },
    gruCellForward,
    gruCellBackward,
    gruGatesForward,
    gruCandidateForward,
    gruCandidateBackward,
    gruGatesBackward,
    adamUpdate,
    sgdUpdate,
    rmspropUpdate,
    crfForward,
    crfBackward,
    crfViterbi,
    dispose: () => {},
  };
}
