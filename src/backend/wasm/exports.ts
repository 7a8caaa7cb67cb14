/**
 * The functions the kernel module exports, as the AssemblyScript compiler declares them
 * (scripts/build.mjs generates the interface from its bindings of assembly/index.ts).
 */
export type { KernelExports } from './kernels.generated.js';

/** Names of the exports a worker thread may run, in the order jobs refer to them. */
export const workerFunctions = [
  'gemm',
  'gemmPacked',
  'rnnCellForward',
  'rnnCellBackward',
  'lstmCellForward',
  'lstmCellBackward',
  'gruCellForward',
  'gruCellBackward',
  'lstmStepForward',
  'lstmStepBackward',
  'gruGatesForward',
  'gruCandidateForward',
  'gruCandidateBackward',
  'gruGatesBackward',
] as const;
