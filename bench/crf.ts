/**
 * `npm run bench -- crf`: the CRF layer's two hot paths in tokens/s — the negative
 * log-likelihood with its gradients (emissions and the three transition parameters), and
 * Viterbi decoding — on batches of 32 sequences × 25 steps with K = 9, 20 and 50 tags;
 * rnnkit's wasm kernels against PyTorch running pytorch-crf's algorithm
 * (bench/reference/torch_crf.py: torch.logsumexp per step and autograd; batched max per
 * step and Python backtracking). PyTorch runs in its own process between two rnnkit
 * measurements; the better rnnkit one counts, so both see the machine in about the same state.
 * Both report their fastest call.
 */
import { fileURLToPath } from 'node:url';
import { createWasmBackend } from '../src/backend/wasm/index.js';
import { CrfComputation, crfParameterSpecs } from '../src/layers/crf/computation.js';
import { ParameterSet } from '../src/layers/parameters.js';
import { Random } from '../src/random.js';
import { type Contender, fmt, measure, table } from './harness.js';
import { hasTorchEnvironment, runTorchScript, type TorchEnvironment } from './peers/python.js';

const [B, T] = [32, 25];
const TAGS = [9, 20, 50] as const;
const SCRIPT = fileURLToPath(new URL('./reference/torch_crf.py', import.meta.url));
const TORCH_BUDGET = 4;

interface TorchCrfResults extends TorchEnvironment {
  results: Record<string, number>;
}

function isResults(value: unknown): value is TorchCrfResults {
  return hasTorchEnvironment(value) && typeof value['results'] === 'object' && value['results'] !== null;
}

export async function benchCrf(): Promise<void> {
  const backend = await createWasmBackend({ threads: 1 });
  console.log(`rnnkit: ${backend.description} (the CRF kernels run on one thread)`);
  const random = new Random(1);
  const contenders: (Contender & { id: string })[] = [];
  for (const K of TAGS) {
    // The CRF layer's computations (the layer adds only its input checks), timed synchronously.
    const params = new ParameterSet(crfParameterSpecs(K), random);
    params.bind(backend);
    const crf = new CrfComputation(backend, K, params);
    const batch = {
      T,
      B,
      emissions: Float32Array.from({ length: T * B * K }, () => random.normal()),
      lengths: new Array<number>(B).fill(T),
    };
    const tags = Array.from({ length: B }, () => Array.from({ length: T }, () => random.int(K)));
    contenders.push({ id: `nll_k${K}`, name: `NLL + gradients K=${K}`, run: () => void crf.negativeLogLikelihood(batch, tags, 'sum') });
    contenders.push({ id: `decode_k${K}`, name: `Viterbi K=${K}`, run: () => void crf.bestPaths(batch, 1) });
  }
  const before = measure(contenders, B * T, { rounds: 3, minMs: 400, bestCall: true });
  const torch = await runTorchScript(
    'PyTorch reference',
    SCRIPT,
    ['--budget', String(TORCH_BUDGET)],
    TAGS.length * 2 * (TORCH_BUDGET + 20) + 30,
    isResults,
  );
  const after = measure(contenders, B * T, { rounds: 3, minMs: 400, bestCall: true });
  backend.dispose();
  if (torch !== undefined) {
    console.log(`PyTorch ${torch.torch}, ${torch.threads} threads, BLAS: ${torch.blas}`);
  }
  const rows = contenders.map((c, i) => {
    const ours = Math.max(before[i].rate, after[i].rate);
    const theirs = torch?.results[c.id];
    return [c.name, fmt(ours, 0), theirs === undefined ? '—' : fmt(theirs, 0), theirs === undefined ? '—' : fmt(ours / theirs, 2)];
  });
  console.log(`\n${table([`tokens/s (B ${B} × T ${T})`, 'rnnkit', 'PyTorch', '÷ PyTorch'], rows)}`);
}
