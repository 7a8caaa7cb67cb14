/**
 * `npm run bench -- variants`: what the cell variants cost, W1 training steps in tokens/s
 * (see peers/workloads.ts), measured interleaved in one run:
 * - the GRU with the reset gate before the product (two recurrent products and two cell
 *   kernels per step) against rnnkit's default GRU, and against TensorFlow.js's GRU on its
 *   wasm backend, which computes exactly this form (tfjs has no other);
 * - the LSTM with peepholes (which runs the per-step product and cell kernel as two calls)
 *   against rnnkit's default LSTM (one fused call per step).
 */
import { createWasmBackend } from '../src/backend/wasm/index.js';
import { fmt, measure, table } from './harness.js';
import { createTfjsTrainer, useTfjsBackend } from './peers/tfjs-rnn.js';
import { CHAR_LM } from './peers/workloads.js';
import { rnnkitTrainer } from './rnnkit/char-lm.js';

const HIDDEN = [128, 512];

export async function benchVariants(): Promise<void> {
  const backend = await createWasmBackend();
  console.log(`rnnkit: ${backend.description}`);
  console.log(await useTfjsBackend('wasm'));
  const tokens = CHAR_LM.batch * CHAR_LM.steps;
  const gruRows: string[][] = [];
  const lstmRows: string[][] = [];
  for (const hidden of HIDDEN) {
    const after = rnnkitTrainer(backend, 'gru', hidden, `rnnkit GRU reset after H=${hidden}`);
    const before = rnnkitTrainer(backend, 'gru', hidden, `rnnkit GRU reset before H=${hidden}`, { resetAfter: false });
    const tfjs = await createTfjsTrainer({ cell: 'gru', hidden, backend: 'wasm' });
    const [a, b, t] = measure([after, before, tfjs], tokens, { rounds: 6, minMs: 1000 });
    tfjs.dispose();
    gruRows.push([
      `W1 GRU H=${hidden} train`,
      fmt(a.rate, 0),
      fmt(b.rate, 0),
      fmt(t.rate, 0),
      fmt(b.rate / a.rate, 2),
      fmt(b.rate / t.rate, 2),
    ]);
    const plain = rnnkitTrainer(backend, 'lstm', hidden, `rnnkit LSTM H=${hidden}`);
    const peephole = rnnkitTrainer(backend, 'lstm', hidden, `rnnkit LSTM peepholes H=${hidden}`, { peepholes: true });
    const [p, q] = measure([plain, peephole], tokens, { rounds: 6, minMs: 1000 });
    lstmRows.push([`W1 LSTM H=${hidden} train`, fmt(p.rate, 0), fmt(q.rate, 0), fmt(q.rate / p.rate, 2)]);
    console.log(`  measured H=${hidden}`);
  }
  backend.dispose();
  console.log(`\n${table(['tokens/s', 'reset after', 'reset before', 'tfjs-wasm GRU', 'before ÷ after', 'before ÷ tfjs'], gruRows)}`);
  console.log(`\n${table(['tokens/s', 'LSTM', 'peepholes', 'peepholes ÷ LSTM'], lstmRows)}`);
}
