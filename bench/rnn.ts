/**
 * `npm run bench -- rnn`: recurrent training and inference throughput in tokens/s —
 * rnnkit against TensorFlow.js (tf.layers on its wasm and cpu backends) in the same
 * run, and beside PyTorch (bench/reference/torch_rnn.py) when python3 with torch is present.
 *
 * W1 is a character language model's training step (vocabulary 65, embedding 64, one
 * recurrent layer, batch 32 × 64 steps, softmax cross-entropy at every step, clipping at
 * global norm 5, Adam 2e-3); inference runs the same model forward. See peers/workloads.ts.
 *
 * rnnkit and tfjs-wasm run interleaved (harness.ts). PyTorch runs in its own process right
 * after each workload, and rnnkit is measured again after it, so all three see the
 * machine in about the same state. tfjs-cpu is slow (about a minute per W1 step at H=512):
 * it gets one timed step per workload, and the b=64 inference, which would take minutes,
 * is left out.
 */
import { createWasmBackend } from '../src/backend/wasm/index.js';
import { fmt, measure, table } from './harness.js';
import { createTfjsInference, createTfjsTrainer, type TfjsPeer, useTfjsBackend } from './peers/tfjs-rnn.js';
import { runTorchReference, type TorchResults } from './peers/torch.js';
import { INFERENCE_WORKLOADS, TRAIN_WORKLOADS, type WorkloadId } from './peers/workloads.js';
import { rnnkitInference, rnnkitTrainer } from './rnnkit/char-lm.js';

/** Seconds PyTorch measures each workload. */
const TORCH_BUDGET = 8;

interface Row {
  label: string;
  rnnkit: number;
  tfjsWasm: number;
  tfjsCpu: number | undefined;
  torch: number | undefined;
}

export async function benchRnn(): Promise<void> {
  const backend = await createWasmBackend();
  console.log(`rnnkit: ${backend.description}`);
  console.log(await useTfjsBackend('wasm'));
  console.log(await useTfjsBackend('cpu'));
  const torchInfo: TorchResults[] = [];
  const rows: Row[] = [];

  const compare = async (id: WorkloadId, label: string, ours: ReturnType<typeof rnnkitTrainer>,
    wasmPeer: () => Promise<TfjsPeer>, cpuPeer: (() => Promise<TfjsPeer>) | undefined): Promise<void> => {
    const wasm = await wasmPeer();
    const [before, tfjsWasm] = measure([ours, wasm], ours.tokens, { rounds: 2, minMs: 2000 });
    wasm.dispose();
    const torch = await runTorchReference(TORCH_BUDGET, { workloads: [id] });
    if (torch !== undefined) torchInfo.push(torch);
    const [after] = measure([ours], ours.tokens, { rounds: 2, minMs: 2000 });
    let tfjsCpu: number | undefined;
    if (cpuPeer !== undefined) {
      const cpu = await cpuPeer();
      tfjsCpu = measure([cpu], cpu.tokens, { rounds: 1, minMs: 0, warmup: false })[0]!.rate;
      cpu.dispose();
    }
    rows.push({ label, rnnkit: Math.max(before!.rate, after!.rate), tfjsWasm: tfjsWasm!.rate, tfjsCpu,
      torch: torch?.results[id] });
    console.log(`  measured ${label}`);
  };

  for (const w of TRAIN_WORKLOADS) {
    const label = `W1 ${w.cell.toUpperCase()} H=${w.hidden} train`;
    await compare(w.id, label, rnnkitTrainer(backend, w.cell, w.hidden, `rnnkit ${label}`),
      () => createTfjsTrainer({ cell: w.cell, hidden: w.hidden, backend: 'wasm' }),
      () => createTfjsTrainer({ cell: w.cell, hidden: w.hidden, backend: 'cpu' }));
  }
  for (const w of INFERENCE_WORKLOADS) {
    const label = `LSTM H=${w.hidden} infer ${w.batch}×${w.steps}`;
    const options = { hidden: w.hidden, batch: w.batch, steps: w.steps };
    await compare(w.id, label, rnnkitInference(backend, w.hidden, w.batch, w.steps, `rnnkit ${label}`),
      () => createTfjsInference({ ...options, backend: 'wasm' }),
      w.batch === 1 ? () => createTfjsInference({ ...options, backend: 'cpu' }) : undefined);
  }
  backend.dispose();

  const t = torchInfo[0];
  if (t !== undefined) {
    console.log(`\nPyTorch ${t.torch}, ${t.threads} threads, BLAS: ${t.blas} (${t.blas_threads ?? '?'} BLAS threads, ` +
      `OMP_WAIT_POLICY=${t.omp_wait_policy})`);
  }
  const opt = (v: number | undefined, digits = 0): string => (v === undefined ? '—' : fmt(v, digits));
  const ratio = (a: number, b: number | undefined): string => (b === undefined ? '—' : fmt(a / b, 2));
  console.log(`\n${table(
    ['tokens/s', 'rnnkit', 'tfjs-wasm', 'tfjs-cpu', 'PyTorch', '÷ tfjs-wasm', '÷ tfjs-cpu', '÷ PyTorch'],
    rows.map((r) => [r.label, fmt(r.rnnkit, 0), fmt(r.tfjsWasm, 0), opt(r.tfjsCpu), opt(r.torch),
      ratio(r.rnnkit, r.tfjsWasm), ratio(r.rnnkit, r.tfjsCpu), ratio(r.rnnkit, r.torch)]),
  )}`);
}
