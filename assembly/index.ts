// The WebAssembly kernels of rnnkit's `wasm` backend. The module imports its memory
// (`env.memory`, shared when threads are available); buffers are allocated by the
// TypeScript side above `heapBase()`, and every kernel takes byte offsets.

export { gemm, gemmPacked, gemmWorkspaceFloats, packB, packedBFloats } from './gemm';
export {
  fill, copy, axpy, scale, addBias, columnSums, columnProductSums,
  activate, activateBackward, softmaxCrossEntropy, softmaxCrossEntropyBackward, softmax, softmaxBackward,
  mul, clamp, sumSquares, gatherRows, scatterAddRows,
} from './ops';
export {
  rnnCellForward, rnnCellBackward, lstmCellForward, lstmCellBackward, gruCellForward, gruCellBackward,
  gruGatesForward, gruCandidateForward, gruCandidateBackward, gruGatesBackward,
} from './cells';
export { adamUpdate, sgdUpdate, rmspropUpdate } from './optim';
export { lstmStepForward, lstmStepBackward } from './steps';
export { crfForward, crfBackward, crfViterbi } from './crf';

/** First byte above the module's static data: the allocator starts here. */
export function heapBase(): usize {
  return __heap_base;
}
