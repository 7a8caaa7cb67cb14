/**
 * `npm run bench -- lm`: quality per wall-clock second. A character language model
 * (Embedding 64 → LSTM 256 → Linear, Adam 2e-3, clipping at 5, B 32 × T 64 truncated BPTT)
 * trains on the bundled Moby Dick for a fixed budget (default 120 s; `BENCH_LM_SECONDS`
 * changes it) in rnnkit and then in PyTorch (bench/reference/torch_lm.py, whose docstring
 * is the procedure both follow); the table gives validation bits per character, steps and
 * tokens/s of each, and the ratio of the bits per character (below 1: rnnkit is ahead).
 */
import { readFileSync } from 'node:fs';
import type { Backend } from '../src/backend/backend.js';
import { getBackend } from '../src/backend/select.js';
import { splitValidation } from '../src/data/stream.js';
import { CharTokenizer } from '../src/data/tokenizers/char.js';
import { LanguageModel } from '../src/models/language-model/language-model.js';
import { Adam } from '../src/training/optim/adam.js';
import { train } from '../src/training/trainer.js';
import { fmt, table } from './harness.js';
import { runTorchLanguageModel, type TorchLmResult } from './peers/torch-lm.js';

const CORPUS = 'data/moby-dick.txt';
/** The reference script's defaults. */
const CONFIG = {
  cell: 'lstm',
  embed: 64,
  hidden: 256,
  layers: 1,
  batch: 32,
  steps: 64,
  lr: 2e-3,
  clip: 5,
  seed: 1,
  valFraction: 0.05,
} as const;

interface LmFigures {
  steps: number;
  epochs: number;
  tokensPerSecond: number;
  trainSeconds: number;
  valBitsPerChar: number;
}

async function rnnkitLanguageModel(backend: Backend, budgetSeconds: number): Promise<LmFigures> {
  const text = readFileSync(new URL(`../${CORPUS}`, import.meta.url), 'utf8');
  const tokenizer = CharTokenizer.fromText(text);
  const { train: trainIds, validation } = splitValidation(tokenizer.encode(text), CONFIG.valFraction);
  const model = await LanguageModel.create({
    tokenizer,
    cell: CONFIG.cell,
    embeddingDim: CONFIG.embed,
    hiddenSize: CONFIG.hidden,
    numLayers: CONFIG.layers,
    seed: CONFIG.seed,
    backend,
  });
  const task = model.train().trainingTask(trainIds, CONFIG.batch, CONFIG.steps);
  const result = await train(task, {
    optimizer: new Adam(await model.parameters(), { lr: CONFIG.lr }, backend),
    budget: { seconds: budgetSeconds },
    clipNorm: CONFIG.clip,
  });
  const evaluation = model.eval().evaluate(validation, { batch: CONFIG.batch, steps: CONFIG.steps });
  return {
    steps: result.steps,
    epochs: result.epochs,
    tokensPerSecond: result.tokens / result.seconds,
    trainSeconds: result.seconds,
    valBitsPerChar: evaluation.bitsPerChar,
  };
}

function budgetFromEnvironment(): number {
  const raw = process.env.BENCH_LM_SECONDS;
  if (raw === undefined) return 120;
  const seconds = Number(raw);
  if (!(seconds > 0 && Number.isFinite(seconds))) throw new Error(`BENCH_LM_SECONDS must be a positive number of seconds, got '${raw}'`);
  return seconds;
}

export async function benchLanguageModel(): Promise<void> {
  const budget = budgetFromEnvironment();
  const { cell, embed, hidden, layers, batch, steps, lr, clip } = CONFIG;
  console.log(
    `character LM on ${CORPUS}: ${cell.toUpperCase()} ${layers}×${hidden}, embedding ${embed}, ` +
      `B ${batch} × T ${steps}, Adam ${lr}, clip ${clip}; ${budget} s of training each, one after the other`,
  );
  const backend = await getBackend();
  console.log(`rnnkit: ${backend.description}`);
  const ours = await rnnkitLanguageModel(backend, budget);
  console.log(`  rnnkit done: ${fmt(ours.valBitsPerChar, 4)} bits/char`);
  const torch: TorchLmResult | undefined = await runTorchLanguageModel({
    budgetSeconds: budget,
    cell,
    hidden,
    layers,
    embed,
    batch,
    steps,
    lr,
    clip,
    data: CORPUS,
  });
  if (torch !== undefined) {
    console.log(
      `PyTorch ${torch.torch}, ${torch.threads} threads, BLAS: ${torch.blas} (${torch.blas_threads ?? '?'} BLAS threads, ` +
        `OMP_WAIT_POLICY=${torch.omp_wait_policy})`,
    );
  }
  const row = (name: string, f: LmFigures): string[] => [
    name,
    fmt(f.valBitsPerChar, 4),
    String(f.steps),
    fmt(f.epochs, 2),
    fmt(f.tokensPerSecond, 0),
    fmt(f.trainSeconds, 1),
  ];
  const rows = [row('rnnkit', ours)];
  if (torch !== undefined) rows.push(row('PyTorch', torch));
  console.log(`\n${table(['', 'val bits/char', 'steps', 'epochs', 'tokens/s', 'train s'], rows)}`);
  if (torch !== undefined) {
    console.log(
      `\nbits/char rnnkit / PyTorch: ${fmt(ours.valBitsPerChar / torch.valBitsPerChar, 3)} ` +
        `(≤ 1: rnnkit ahead after the same budget); tokens/s ratio ${fmt(ours.tokensPerSecond / torch.tokensPerSecond, 2)}`,
    );
  }
}
