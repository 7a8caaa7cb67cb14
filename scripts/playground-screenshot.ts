// Writes docs/playground.png, the README's picture of the playground: served by
// `rnnkit playground`, training an LSTM with the defaults of `rnnkit train lm` on Moby Dick
// for a given time (60 s unless told), with a prime typed. Prints what the page showed.
// Run (after npm run build): node --import tsx scripts/playground-screenshot.ts [seconds]
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../test/helpers/browser.js';
import { openPlayground, startPlayground, testText } from '../test/helpers/playground.js';

const seconds = Number(process.argv[2] ?? 60);
const out = fileURLToPath(new URL('../docs/playground.png', import.meta.url));

const server = await startPlayground();
const chromium = await launchChromium();
try {
  const { page } = await openPlayground(chromium.browser, server.url);
  await page.click('[data-testid=train]');
  await page.waitForTimeout(seconds * 1000);
  await page.fill('#prime', 'The whale');
  await page.waitForTimeout(4000);
  await page.screenshot({ path: out, fullPage: true });
  const read = async (id: string): Promise<string> => (await page.locator(`#${id}`).textContent()) ?? '';
  console.log(`steps ${await testText(page, 'steps')}, loss ${await testText(page, 'loss')}, held-out ${await read('held-out')} bits/char, ` +
    `${await read('speed')} chars/s (${await read('speed-steps')}), threads ${await testText(page, 'threads')}, elapsed ${await read('elapsed')}`);
  console.log(`sample: ${await testText(page, 'sample')}`);
  console.log(`wrote ${out}`);
} finally {
  await chromium.close();
  await server.stop();
}
