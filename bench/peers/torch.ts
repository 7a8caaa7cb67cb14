/**
 * The PyTorch reference of `npm run bench -- rnn`: runs `bench/reference/torch_rnn.py`
 * (the workloads of `./workloads.ts`) in a child process and returns its figures.
 * PyTorch runs in its own process, so its figures cannot be interleaved with rnnkit's
 * rounds: read them as a reference from the same machine and the same run, not as a
 * ratio measured round by round.
 */
import { fileURLToPath } from 'node:url';
import { hasTorchEnvironment, runTorchScript, type TorchEnvironment } from './python.js';
import type { WorkloadId } from './workloads.js';

const SCRIPT = fileURLToPath(new URL('../reference/torch_rnn.py', import.meta.url));

/** What `torch_rnn.py` prints (`budget`: seconds per workload). */
export interface TorchResults extends TorchEnvironment {
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
  const args = ['--budget', String(budgetSeconds)];
  if (options.workloads) args.push('--only', options.workloads.join(','));
  if (options.threads !== undefined) args.push('--threads', String(options.threads));
  const workloads = options.workloads?.length ?? 5;
  // Each workload: model setup + warm-up + budget; allow generous slack.
  return runTorchScript('PyTorch reference', SCRIPT, args, workloads * (budgetSeconds + 30) + 30, isTorchResults);
}

function isTorchResults(value: unknown): value is TorchResults {
  if (!hasTorchEnvironment(value)) return false;
  const results = value['results'];
  return typeof results === 'object' && results !== null && Object.values(results).every((rate) => typeof rate === 'number');
}
