// Writes the README's pictures of the playground, served by `rnnkit playground`: it trains an
// LSTM with the defaults of `rnnkit train lm` on Moby Dick for a given time (60 s unless told)
// and takes docs/playground.png (training, with a prime typed), docs/playground-states.png
// (the probe text coloured by the unit that best follows quotations) and
// docs/playground-gradient-flow.png (the comparison of RNN, LSTM and GRU). With `tang`, it opens
// the page in a Chinese browser instead, trains on the Tang poems with the page's poem defaults
// (180 s unless told) and takes docs/playground-zh.png: the whole page, the views of the inside
// included. Prints what the page showed.
// Run (after npm run build): node --import tsx scripts/playground-screenshot.ts [tang] [seconds]
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../test/helpers/browser.js';
import { openPlayground, startPlayground, testText } from '../test/helpers/playground.js';

const tang = process.argv[2] === 'tang';
const seconds = Number(process.argv[tang ? 3 : 2] ?? (tang ? 180 : 60));
const docs = (name: string): string => fileURLToPath(new URL(`../docs/${name}`, import.meta.url));

const server = await startPlayground();
const chromium = await launchChromium(tang ? { locale: 'zh-CN' } : {});
try {
  if (tang) await tangScreenshot();
  else await mobyDickScreenshots();
} finally {
  await chromium.close();
  await server.stop();
}

/** docs/playground-zh.png: the page in Chinese, trained on the Tang poems, with its poems, form score and views of the inside. */
async function tangScreenshot(): Promise<void> {
  const { page } = await openPlayground(chromium.browser, server.url);
  await page.selectOption('#source', 'tang');
  await page.waitForFunction(() => /13,976/.test(document.getElementById('source-stats')!.textContent));
  await page.click('[data-testid=train]');
  await page.waitForTimeout(seconds * 1000);
  await page.fill('#prime', '春');
  await page.click('[data-testid=train]'); // pause: the last form score is the paused model's
  await page.waitForFunction(() => document.querySelector('[data-testid=train]')!.textContent === '继续训练');
  await page.waitForFunction(
    () =>
      document.querySelector<HTMLElement>('[data-testid=form-score]')!.dataset.step ===
      document.querySelector('[data-testid=steps]')!.textContent,
    null,
    { timeout: 120_000 },
  );
  await page.click('#pattern-presets button >> nth=1');
  await page.waitForSelector('#search-results .chip');
  await page.click('[data-testid=heatmap] span[data-step="10"]');
  await page.waitForSelector('[data-testid=cell-step] table');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: docs('playground-zh.png'), fullPage: true });
  console.log(
    `steps ${await testText(page, 'steps')}, held-out ${await page.textContent('#held-out')} bits/char, ` +
      `elapsed ${await page.textContent('#elapsed')}`,
  );
  console.log(`poems:\n${(await page.$$eval('#sample .poem', (s) => s.map((e) => (e as HTMLElement).dataset.poem))).join('\n')}`);
  console.log(await testText(page, 'form-score-line'));
  console.log(`wrote ${docs('playground-zh.png')}`);
}

async function mobyDickScreenshots(): Promise<void> {
  const { page } = await openPlayground(chromium.browser, server.url);
  const read = async (selector: string): Promise<string> => (await page.locator(selector).first().textContent()) ?? '';
  await page.click('[data-testid=train]');
  await page.waitForTimeout(seconds * 1000);
  await page.fill('#prime', 'The whale');
  await page.waitForTimeout(4000);
  await page.screenshot({ path: docs('playground.png'), fullPage: true, clip: { x: 0, y: 0, width: 1400, height: 1560 } });
  console.log(
    `steps ${await testText(page, 'steps')}, loss ${await testText(page, 'loss')}, held-out ${await read('#held-out')} bits/char, ` +
      `${await read('#speed')} chars/s (${await read('#speed-steps')}), ` +
      `threads ${await testText(page, 'threads')}, elapsed ${await read('#elapsed')}`,
  );
  console.log(`sample: ${await testText(page, 'sample')}`);

  await page.click('[data-testid=train]'); // pause
  await page.waitForFunction(() => document.querySelector('[data-testid=train]')!.textContent === 'Continue training');
  await page.click('#pattern-presets button:text("inside quotes")');
  await page.waitForSelector('#search-results .chip');
  await page.click('[data-testid=heatmap] span[data-step="60"]');
  await page.waitForTimeout(1000);
  console.log(`inside quotes: ${await read('#search-results')}`);
  await page.locator('.card:has([data-testid=heatmap])').screenshot({ path: docs('playground-states.png') });

  await page.click('#compare');
  await page.waitForFunction(
    () => document.querySelector('[data-testid=gradient-flow]')!.getAttribute('data-kind') === 'comparison',
    null,
    { timeout: 300_000 },
  );
  await page.waitForTimeout(500);
  console.log(
    `gradient flow on the probe text:\n${(await page.$$eval('#flow-summary span', (s) => s.map((e) => e.textContent))).join('\n')}`,
  );
  await page.locator('.card:has([data-testid=gradient-flow])').screenshot({ path: docs('playground-gradient-flow.png') });
  console.log(`wrote ${docs('')}`);
}
