/**
 * `npm run bench -- rnn`: recurrent training and inference throughput in tokens/s —
 * rnnkit on its wasm backend and on its blas backend (the system BLAS for the large
 * products) against TensorFlow.js (tf.layers on its wasm and cpu backends) in the same
 * run, and beside PyTorch (bench/reference/torch_rnn.py) when python3 with torch is present.
 *
 * W1 is a character language model's training step (vocabulary 65, embedding 64, one
 * recurrent layer, batch 32 × 64 steps, softmax cross-entropy at every step, clipping at
 * global norm 5, Adam 2e-3); inference runs the same model forward. See peers/workloads.ts.
 *
 * Every rate is that of a contender's fastest call, as the PyTorch reference measures it.
 * rnnkit's backends and tfjs-wasm run interleaved (harness.ts). PyTorch runs in its own
 * process right after each workload, and rnnkit is measured again after it (the better of
 * the two counts), so all see the machine in about the same state. tfjs-cpu is slow (about
 * a minute per W1 step at H=512): it gets one timed step per workload, and the b=64
 * inference, which would take minutes, is left out. `BENCH_TFJS=0` leaves TensorFlow.js out.
 */
import type { Backend } from '../src/backend/backend.js';
import { createBlasBackend } from '../src/backend/blas/index.js';
import { createWasmBackend } from '../src/backend/wasm/index.js';
import { type Contender, fmt, measure, table } from './harness.js';
import { createTfjsInference, createTfjsTrainer, type TfjsPeer, useTfjsBackend } from './peers/tfjs-rnn.js';
import { runTorchReference, type TorchResults } from './peers/torch.js';
import { INFERENCE_WORKLOADS, TRAIN_WORKLOADS, type WorkloadId } from './peers/workloads.js';
import { rnnkitInference, rnnkitTrainer } from './rnnkit/char-lm.js';

/** Seconds PyTorch measures each workload. */
const TORCH_BUDGET = 8;
/** Each contender's rate: its fastest call in 2 interleaved rounds of 2 s, the statistic PyTorch's reference reports. */
const BEST_CALL = { rounds: 2, minMs: 2000, bestCall: true } as const;

interface Row {
  label: string;
  wasm: number;
  blas: number | undefined;
  tfjsWasm: number | undefined;
  tfjsCpu: number | undefined;
  torch: number | undefined;
}

type Workload = Contender & { tokens: number };

export async function benchRnn(): Promise<void> {
  const withTfjs = process.env.BENCH_TFJS !== '0';
  const wasm = await createWasmBackend();
  const blas = await createBlasBackend().catch((error: unknown) => {
    console.log(`note: blas backend skipped: ${(error as Error).message}`);
    return undefined;
  });
  console.log(`rnnkit: ${wasm.description}`);
  if (blas !== undefined) console.log(`rnnkit: ${blas.description}`);
  if (withTfjs) {
    console.log(await useTfjsBackend('wasm'));
    console.log(await useTfjsBackend('cpu'));
  }
  const torchInfo: TorchResults[] = [];
  const rows: Row[] = [];

  const compare = async (
    id: WorkloadId,
    label: string,
    ours: (backend: Backend, name: string) => Workload,
    wasmPeer: () => Promise<TfjsPeer>,
    cpuPeer: (() => Promise<TfjsPeer>) | undefined,
  ): Promise<void> => {
    const contenders = [ours(wasm, `rnnkit wasm ${label}`), ...(blas === undefined ? [] : [ours(blas, `rnnkit blas ${label}`)])];
    const tokens = contenders[0].tokens;
    const peer = withTfjs ? await wasmPeer() : undefined;
    const before = measure([...contenders, ...(peer === undefined ? [] : [peer])], tokens, BEST_CALL);
    peer?.dispose();
    const torch = await runTorchReference(TORCH_BUDGET, { workloads: [id], threads: wasm.threads });
    if (torch !== undefined) torchInfo.push(torch);
    const after = measure(contenders, tokens, BEST_CALL);
    let tfjsCpu: number | undefined;
    if (withTfjs && cpuPeer !== undefined) {
      const cpu = await cpuPeer();
      tfjsCpu = measure([cpu], cpu.tokens, { rounds: 1, minMs: 0, warmup: false })[0].rate;
      cpu.dispose();
    }
    const best = (i: number): number => Math.max(before[i].rate, after[i].rate);
    rows.push({
      label,
      wasm: best(0),
      blas: blas === undefined ? undefined : best(1),
      tfjsWasm: peer === undefined ? undefined : before[contenders.length].rate,
      tfjsCpu,
      torch: torch?.results[id],
    });
    console.log(`  measured ${label}`);
  };

  for (const w of TRAIN_WORKLOADS) {
    const label = `W1 ${w.cell.toUpperCase()} H=${w.hidden} train`;
    await compare(
      w.id,
      label,
      (backend, name) => rnnkitTrainer(backend, w.cell, w.hidden, name),
      () => createTfjsTrainer({ cell: w.cell, hidden: w.hidden, backend: 'wasm' }),
      () => createTfjsTrainer({ cell: w.cell, hidden: w.hidden, backend: 'cpu' }),
    );
  }
  for (const w of INFERENCE_WORKLOADS) {
    const label = `LSTM H=${w.hidden} infer ${w.batch}×${w.steps}`;
    const options = { hidden: w.hidden, batch: w.batch, steps: w.steps };
    await compare(
      w.id,
      label,
      (backend, name) => rnnkitInference(backend, w.hidden, w.batch, w.steps, name),
      () => createTfjsInference({ ...options, backend: 'wasm' }),
      w.batch === 1 ? () => createTfjsInference({ ...options, backend: 'cpu' }) : undefined,
    );
  }
  wasm.dispose();
  blas?.dispose();

  const t = torchInfo[0];
  if (t !== undefined) {
    console.log(
      `\nPyTorch ${t.torch}, ${t.threads} threads, BLAS: ${t.blas} (${t.blas_threads ?? '?'} BLAS threads, ` +
        `OMP_WAIT_POLICY=${t.omp_wait_policy})`,
    );
  }
  const opt = (v: number | undefined, digits = 0): string => (v === undefined ? '—' : fmt(v, digits));
  const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '—' : fmt(a / b, 2));
  console.log(
    `\n${table(
      [
        'tokens/s',
        'rnnkit wasm',
        'rnnkit blas',
        'tfjs-wasm',
        'tfjs-cpu',
        'PyTorch',
        'wasm ÷ PyTorch',
        'blas ÷ PyTorch',
        'blas ÷ tfjs-wasm',
      ],
      rows.map((r) => [
        r.label,
        fmt(r.wasm, 0),
        opt(r.blas),
        opt(r.tfjsWasm),
        opt(r.tfjsCpu),
        opt(r.torch),
        ratio(r.wasm, r.torch),
        ratio(r.blas, r.torch),
        ratio(r.blas, r.tfjsWasm),
      ]),
    )}`,
  );
}
