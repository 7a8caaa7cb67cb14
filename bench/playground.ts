/**
 * `npm run bench -- playground`: training speed in the browser against Node. The playground's
 * default network (the defaults of `rnnkit train lm`: LSTM 1×256, embedding 64, B 32 × T 64,
 * Adam, clipping at 5) trains on Moby Dick for the same number of steps in Node (the loop
 * `rnnkit train lm` runs: on the wasm backend, the page's kernels, and on Node's default
 * backend when that is another one, the system BLAS) and in the page served by
 * `rnnkit playground` (Chromium, its Web Worker, every core), in alternating rounds; the
 * table gives each one's best steps per second and the ratios page / Node. The page's figure
 * leaves out the time it spends sampling and evaluating between steps.
 */
import { readFileSync } from 'node:fs';
import type { Backend } from '../src/backend/backend.js';
import { createDefaultBackend } from '../src/backend/select.js';
import { createWasmBackend } from '../src/backend/wasm/index.js';
import { CharTokenizer } from '../src/data/tokenizers/char.js';
import {
  LANGUAGE_MODEL_DEFAULTS,
  LANGUAGE_MODEL_TRAINING_DEFAULTS,
  LanguageModel,
  splitForTraining,
} from '../src/models/language-model/language-model.js';
import { trainWithOptimization } from '../src/training/optimization.js';
import { launchChromium } from '../test/helpers/browser.js';
import { openPlayground, startPlayground } from '../test/helpers/playground.js';
import { fmt, table } from './harness.js';

const STEPS = Number(process.env.BENCH_PLAYGROUND_STEPS ?? 120);
const ROUNDS = 2;

async function nodeStepsPerSecond(text: string, backend: Backend): Promise<number> {
  const training = LANGUAGE_MODEL_TRAINING_DEFAULTS;
  const tokenizer = CharTokenizer.fromText(text);
  const { train } = splitForTraining(tokenizer.encode(text), training);
  const model = await LanguageModel.create({ tokenizer, ...LANGUAGE_MODEL_DEFAULTS, seed: training.seed, backend });
  const result = await trainWithOptimization(
    model.train().trainingTask(train, training.batch, training.seqLen),
    model.parameters(),
    training,
    { steps: STEPS },
    backend,
  );
  return result.steps / result.seconds;
}

export async function benchPlayground(): Promise<void> {
  const text = readFileSync(new URL('../data/moby-dick.txt', import.meta.url), 'utf8');
  console.log(
    `character LM on Moby Dick with the playground's defaults (LSTM 1×256, embedding 64, B 32 × T 64, Adam): ${STEPS} steps each, ` +
      `${ROUNDS} alternating rounds`,
  );
  const wasm = await createWasmBackend();
  const fallback = await createDefaultBackend();
  const nodeDefault = fallback.name === wasm.name ? undefined : fallback;
  if (nodeDefault === undefined) fallback.dispose();
  console.log(`Node: ${wasm.description}${nodeDefault === undefined ? '' : `; default: ${nodeDefault.description}`}`);
  const server = await startPlayground();
  const chromium = await launchChromium();
  const best = { wasm: 0, nodeDefault: 0, page: 0 };
  let pageEngine = '';
  try {
    for (let round = 0; round < ROUNDS; round++) {
      best.wasm = Math.max(best.wasm, await nodeStepsPerSecond(text, wasm));
      if (nodeDefault !== undefined) best.nodeDefault = Math.max(best.nodeDefault, await nodeStepsPerSecond(text, nodeDefault));
      const { page } = await openPlayground(chromium.browser, server.url);
      pageEngine = (await page.locator('#backend').textContent()) ?? '';
      await page.click('[data-testid=train]');
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid=steps]')!.textContent) >= n, STEPS, {
        timeout: 600_000,
        polling: 50,
      });
      const rate = Number(/[\d.]+/.exec((await page.locator('#speed-steps').textContent()) ?? '')?.[0]);
      best.page = Math.max(best.page, rate);
      await page.close();
    }
  } finally {
    await chromium.close();
    await server.stop();
    wasm.dispose();
    nodeDefault?.dispose();
  }
  console.log(`page: ${pageEngine} (Chromium, Web Worker)`);
  const tokensPerStep = LANGUAGE_MODEL_TRAINING_DEFAULTS.batch * LANGUAGE_MODEL_TRAINING_DEFAULTS.seqLen;
  const row = (label: string, stepsPerSecond: number): string[] => [label, fmt(stepsPerSecond, 2), fmt(stepsPerSecond * tokensPerStep, 0)];
  console.log(
    `\n${table(
      ['', 'steps/s', 'tokens/s'],
      [
        row(`Node, ${wasm.name} (rnnkit train lm --backend ${wasm.name})`, best.wasm),
        ...(nodeDefault === undefined ? [] : [row(`Node, ${nodeDefault.name} (rnnkit train lm)`, best.nodeDefault)]),
        row('page (rnnkit playground)', best.page),
      ],
    )}`,
  );
  console.log(`\nsteps/s page / Node ${wasm.name}: ${fmt(best.page / best.wasm, 2)}`);
  if (nodeDefault !== undefined) console.log(`steps/s page / Node ${nodeDefault.name}: ${fmt(best.page / best.nodeDefault, 2)}`);
}
