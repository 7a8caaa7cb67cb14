/**
 * `npm run bench -- playground`: training speed in the browser against Node. The playground's
 * default network (the defaults of `rnnkit train lm`: LSTM 1×256, embedding 64, B 32 × T 64,
 * Adam, clipping at 5) trains on Moby Dick for the same number of steps in Node (the loop
 * `rnnkit train lm` runs, on the default wasm backend) and in the page served by
 * `rnnkit playground` (Chromium, its Web Worker, every core), in alternating rounds; the
 * table gives each one's best steps per second and the ratio page / Node. The page's figure
 * leaves out the time it spends sampling and evaluating between steps.
 */
import { readFileSync } from 'node:fs';
import { getBackend } from '../src/backend/select.js';
import { CharTokenizer } from '../src/data/tokenizers/char.js';
import {
  LANGUAGE_MODEL_DEFAULTS, LANGUAGE_MODEL_TRAINING_DEFAULTS, LanguageModel, splitForTraining,
} from '../src/models/language-model/language-model.js';
import { trainWithOptimization } from '../src/training/optimization.js';
import { launchChromium } from '../test/helpers/browser.js';
import { openPlayground, startPlayground } from '../test/helpers/playground.js';
import { fmt, table } from './harness.js';

const STEPS = Number(process.env.BENCH_PLAYGROUND_STEPS ?? 120);
const ROUNDS = 2;

async function nodeStepsPerSecond(text: string): Promise<number> {
  const backend = await getBackend();
  const training = LANGUAGE_MODEL_TRAINING_DEFAULTS;
  const tokenizer = CharTokenizer.fromText(text);
  const { train } = splitForTraining(tokenizer.encode(text), training);
  const model = await LanguageModel.create({ tokenizer, ...LANGUAGE_MODEL_DEFAULTS, seed: training.seed, backend });
  const result = await trainWithOptimization(model.train().trainingTask(train, training.batch, training.seqLen), model.parameters(),
    training, { steps: STEPS }, backend);
  return result.steps / result.seconds;
}

export async function benchPlayground(): Promise<void> {
  const text = readFileSync(new URL('../data/moby-dick.txt', import.meta.url), 'utf8');
  console.log(`character LM on Moby Dick with the playground's defaults (LSTM 1×256, embedding 64, B 32 × T 64, Adam): ${STEPS} steps each, ` +
    `${ROUNDS} alternating rounds`);
  console.log(`Node: ${(await getBackend()).description}`);
  const server = await startPlayground();
  const chromium = await launchChromium();
  const best = { node: 0, page: 0 };
  let pageEngine = '';
  try {
    for (let round = 0; round < ROUNDS; round++) {
      best.node = Math.max(best.node, await nodeStepsPerSecond(text));
      const { page } = await openPlayground(chromium.browser, server.url);
      pageEngine = (await page.locator('#backend').textContent()) ?? '';
      await page.click('[data-testid=train]');
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid=steps]')!.textContent) >= n, STEPS,
        { timeout: 600_000, polling: 50 });
      const rate = Number(/[\d.]+/.exec((await page.locator('#speed-steps').textContent()) ?? '')?.[0]);
      best.page = Math.max(best.page, rate);
      await page.close();
    }
  } finally {
    await chromium.close();
    await server.stop();
  }
  console.log(`page: ${pageEngine} (Chromium, Web Worker)`);
  const tokensPerStep = LANGUAGE_MODEL_TRAINING_DEFAULTS.batch * LANGUAGE_MODEL_TRAINING_DEFAULTS.seqLen;
  console.log(`\n${table(['', 'steps/s', 'tokens/s'], [
    ['Node (rnnkit train lm)', fmt(best.node, 2), fmt(best.node * tokensPerStep, 0)],
    ['page (rnnkit playground)', fmt(best.page, 2), fmt(best.page * tokensPerStep, 0)],
  ])}`);
  console.log(`\nsteps/s page / Node: ${fmt(best.page / best.node, 2)}`);
}
