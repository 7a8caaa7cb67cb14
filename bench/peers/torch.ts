/**
 * The PyTorch reference of `npm run bench -- rnn`: runs `bench/reference/torch_rnn.py`
 * (the workloads of `./workloads.ts`) in a child process and returns its figures.
 * PyTorch runs in its own process, so its figures cannot be interleaved with rnnkit's
 * rounds: read them as a reference from the same machine and the same run, not as a
 * ratio measured round by round.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { findTorchPython, TORCH_PYTHONS } from './python.js';
import type { WorkloadId } from './workloads.js';

const run = promisify(execFile);

const SCRIPT = fileURLToPath(new URL('../reference/torch_rnn.py', import.meta.url));

/** What `torch_rnn.py` prints. */
export interface TorchResults {
  /** `torch.__version__`. */
  torch: string;
  /** The BLAS library that torch's GEMMs ran in (e.g. OpenBLAS's build string and path). */
  blas: string;
  /** `torch.get_num_threads()` (intra-op OpenMP threads). */
  threads: number;
  /** OpenBLAS's own thread count, `null` when the BLAS is not OpenBLAS. */
  blas_threads: number | null;
  /** `OMP_WAIT_POLICY` the run used. */
  omp_wait_policy: string;
  /** Seconds spent per workload. */
  budget: number;
  /** Tokens/s per workload. */
  results: Partial<Record<WorkloadId, number>>;
}

/** Options of {@link runTorchReference}. */
export interface TorchOptions {
  /** Only these workloads. @default all */
  workloads?: readonly WorkloadId[];
  /** Intra-op threads (`torch.set_num_threads`). @default 2 */
  threads?: number;
}

/**
 * Runs the PyTorch reference with `budgetSeconds` per workload and returns its figures,
 * or `undefined` (after printing a note) when no Python with torch is found or the
 * script fails.
 */
export async function runTorchReference(budgetSeconds: number, options: TorchOptions = {}): Promise<TorchResults | undefined> {
  const python = await findTorchPython();
  if (python === undefined) {
    console.log(`note: PyTorch reference skipped: no Python among ${TORCH_PYTHONS.join(', ')} can import torch`);
    return undefined;
  }
  const args = [SCRIPT, '--budget', String(budgetSeconds)];
  if (options.workloads) args.push('--only', options.workloads.join(','));
  if (options.threads !== undefined) args.push('--threads', String(options.threads));
  const workloads = options.workloads?.length ?? 5;
  try {
    // Each workload: model setup + warm-up + budget; allow generous slack.
    const { stdout } = await run(python, args, { timeout: (workloads * (budgetSeconds + 30) + 30) * 1000 });
    return parseResults(stdout);
  } catch (error) {
    console.log(`note: PyTorch reference failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    return undefined;
  }
}

// The script prints one JSON object as its last stdout line.
function parseResults(stdout: string): TorchResults {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  const value: unknown = JSON.parse(line);
  if (!isTorchResults(value)) throw new Error(`unexpected output from torch_rnn.py: ${line.slice(0, 200)}`);
  return value;
}

function isTorchResults(value: unknown): value is TorchResults {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['torch'] === 'string' && typeof v['blas'] === 'string' && typeof v['threads'] === 'number' &&
    typeof v['results'] === 'object' && v['results'] !== null &&
    Object.values(v['results']).every((rate) => typeof rate === 'number');
}
