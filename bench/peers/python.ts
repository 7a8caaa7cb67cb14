/**
 * Running the PyTorch reference scripts of `bench/reference/` (shared by `./torch.ts` and
 * `./torch-lm.ts`): finding a Python interpreter with PyTorch, running a script, and
 * reading the one JSON object it prints as its last stdout line.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Interpreters tried in order; the first that can `import torch` is used. */
export const TORCH_PYTHONS: readonly string[] = ['/usr/bin/python3', 'python3'];

/** What every reference script reports about the PyTorch it ran on. */
export interface TorchEnvironment {
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
  /** Budget in seconds (per workload, or of training). */
  budget: number;
}

let found: Promise<string | undefined> | undefined;

/**
 * The first interpreter of {@link TORCH_PYTHONS} that can `import torch`, or `undefined`
 * when none can. Looked up once per process (importing torch takes a second or two).
 */
export function findTorchPython(): Promise<string | undefined> {
  found ??= probe();
  return found;
}

async function probe(): Promise<string | undefined> {
  for (const python of TORCH_PYTHONS) {
    try {
      await run(python, ['-c', 'import torch'], { timeout: 60_000 });
      return python;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/**
 * Runs a reference script and returns the JSON object of its last stdout line when
 * `isResult` accepts it; otherwise (no torch, a failure, unexpected output) prints a note
 * naming `what` and returns `undefined`.
 */
export async function runTorchScript<R>(
  what: string,
  script: string,
  args: readonly string[],
  timeoutSeconds: number,
  isResult: (value: unknown) => value is R,
): Promise<R | undefined> {
  const python = await findTorchPython();
  if (python === undefined) {
    console.log(`note: ${what} skipped: no Python among ${TORCH_PYTHONS.join(', ')} can import torch`);
    return undefined;
  }
  try {
    const { stdout } = await run(python, [script, ...args], { timeout: timeoutSeconds * 1000 });
    const line = stdout.trim().split('\n').at(-1) ?? '';
    const value: unknown = JSON.parse(line);
    if (!isResult(value)) throw new Error(`unexpected output from ${script}: ${line.slice(0, 200)}`);
    return value;
  } catch (error) {
    console.log(`note: ${what} failed: ${describe(error)}`);
    return undefined;
  }
}

/** The first line of the error and the last line the script wrote to stderr, if any. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const stderr = (error as Error & { stderr?: unknown }).stderr;
  const last = typeof stderr === 'string' ? stderr.trim().split('\n').at(-1) : undefined;
  return [error.message.split('\n')[0], last].filter((part) => part).join(': ');
}

/** Whether `value` is an object carrying the {@link TorchEnvironment} fields. */
export function hasTorchEnvironment(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['torch'] === 'string' && typeof v['blas'] === 'string' && typeof v['threads'] === 'number' && typeof v['budget'] === 'number'
  );
}
