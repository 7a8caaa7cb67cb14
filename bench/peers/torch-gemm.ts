/**
 * The PyTorch peer of `npm run bench -- gemm`: runs `bench/reference/torch_gemm.py` (torch.mm,
 * in the BLAS torch links) in a child process on the same shapes and returns its GFLOP/s.
 */
import { fileURLToPath } from 'node:url';
import { hasTorchEnvironment, runTorchScript, type TorchEnvironment } from './python.js';

const SCRIPT = fileURLToPath(new URL('../reference/torch_gemm.py', import.meta.url));

/** What `torch_gemm.py` prints: GFLOP/s keyed `M,K,N`. */
export interface TorchGemmResults extends TorchEnvironment {
  results: Record<string, number>;
}

/**
 * GFLOP/s of torch.mm for each [M, K, N] with `threads` threads, `seconds` per shape, or
 * `undefined` (after a note) when no Python with torch is found.
 */
export function runTorchGemm(
  shapes: readonly [number, number, number][],
  seconds: number,
  threads: number,
): Promise<TorchGemmResults | undefined> {
  const args = ['--shapes', shapes.map((s) => s.join(',')).join(';'), '--seconds', String(seconds), '--threads', String(threads)];
  return runTorchScript('PyTorch GEMM', SCRIPT, args, shapes.length * (seconds + 5) + 60, isResults);
}

function isResults(value: unknown): value is TorchGemmResults {
  if (!hasTorchEnvironment(value)) return false;
  const results = value['results'];
  return typeof results === 'object' && results !== null && Object.values(results).every((v) => typeof v === 'number');
}
