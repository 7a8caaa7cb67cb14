// The playground in Chinese and in English, in Chromium with the browser's language set:
// the page picks its language from it, every visible text (labels, buttons, hints, the
// views of the inside, the charts' legends, placeholders, titles, options) comes from that
// language's catalogue or is data, the Tang poems train, sample whole poems (from a first
// character, or as an acrostic) and show a form score — the same poems and score the
// library gives for the saved model — and the language switch is remembered across a
// reload without disturbing the model or its training.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import IntlMessageFormat from 'intl-messageformat';
import type { Page } from 'playwright-core';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { loadModel } from '../../src/io/model-file.js';
import { isRegularQuatrain, LINE_END_MARKS } from '../../src/poetry/form.js';
import { samplePoems } from '../../src/poetry/compose.js';
import { FORM_SCORE_TEMPERATURE } from '../../src/poetry/defaults.js';
import { en, type MessageKey } from '../../playground/src/i18n/en.js';
import { zhCN } from '../../playground/src/i18n/zh-CN.js';
import { browserUnavailable, launchChromium } from '../helpers/browser.js';
import { openPlayground, type PlaygroundServer, startPlayground, testText } from '../helpers/playground.js';
import { suiteDir } from '../helpers/temp.js';

/** A small network, so that CI sees it write poems within seconds; batch and sequence length are the poem defaults. */
const SMALL = { hidden: '48', embed: '16' };

type Catalogue = Record<MessageKey, string>;
type AstElement = ReturnType<IntlMessageFormat['getAst']>[number];

/** The literal text of a catalogue's messages (placeholders and ICU syntax left out), one piece a line. */
function literalText(catalogue: Catalogue, locale: string): string {
  const out: string[] = [];
  const walk = (elements: readonly AstElement[]): void => {
    for (const e of elements) {
      if (e.type === 0) out.push(e.value, '\n');
      if (e.type === 8) walk(e.children);
      if (e.type === 5 || e.type === 6) for (const option of Object.values(e.options)) walk(option.value);
    }
  };
  for (const message of Object.values(catalogue)) {
    walk(new IntlMessageFormat(message, locale).getAst());
  }
  return out.join('');
}

const LATIN_WORD = /[A-Za-z]{2,}/g;
const HAN_RUN = /\p{Script=Han}+/gu;

/**
 * Every text a user sees on the page, outside data (elements marked translate="no": the
 * samples, the coloured probe text, the tokens of the bars): text nodes of visible elements,
 * the placeholder, title and aria-label of visible elements, the options of visible menus,
 * and the document's title.
 */
function visibleTexts(page: Page): Promise<string[]> {
  // (No named functions inside: the page runs this function's source, without tsx's helpers.)
  return page.evaluate(() => {
    const texts: string[] = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (parent === null || !parent.checkVisibility() || parent.closest('[translate="no"]') !== null) continue;
      if (node.textContent!.trim() !== '') texts.push(node.textContent!.trim());
    }
    for (const element of document.querySelectorAll('[placeholder], [title], [aria-label], select')) {
      if (!element.checkVisibility() || element.closest('[translate="no"]') !== null) continue;
      for (const name of ['placeholder', 'title', 'aria-label']) {
        const value = element.getAttribute(name);
        if (value) texts.push(value);
      }
      if (element instanceof HTMLSelectElement) for (const option of element.options) texts.push(option.text);
    }
    return texts;
  });
}

/**
 * The texts of the page that do not come from `catalogue`: a word of two or more Latin
 * letters that none of its messages has, or a run of Chinese characters that none of its
 * messages holds. Numbers, marks and one-letter symbols (h, c, σ(z_f)) pass.
 */
async function foreignTexts(page: Page, catalogue: Catalogue, locale: string): Promise<string[]> {
  const literal = literalText(catalogue, locale);
  const words = new Set(literal.match(LATIN_WORD));
  // <unk>, the character tokenizer's placeholder, is data in the model's description.
  words.add('unk');
  return (await visibleTexts(page)).filter(
    (text) =>
      (text.match(LATIN_WORD) ?? []).some((word) => !words.has(word)) || (text.match(HAN_RUN) ?? []).some((run) => !literal.includes(run)),
  );
}

/** The characters that begin the lines of a poem (its first, and each after ，。？！；). */
function lineStarts(poem: string): string {
  const chars = [...poem];
  return chars.filter((_, i) => i === 0 || LINE_END_MARKS.has(chars[i - 1])).join('');
}

const steps = async (page: Page): Promise<number> => Number(await testText(page, 'steps'));

/** The poems the sample shows. */
const shownPoems = (page: Page): Promise<string[]> =>
  page.$$eval('#sample .poem', (spans) => spans.map((s) => (s as HTMLElement).dataset.poem!));

/** Chooses the Tang poems, checks the poem defaults are set, and trains a small network until the form score follows training. */
async function trainTang(page: Page): Promise<void> {
  await page.selectOption('#source', 'tang');
  await page.waitForFunction(() => /13,976/.test(document.getElementById('source-stats')!.textContent));
  assert.deepEqual(
    [await page.inputValue('#batch'), await page.inputValue('#seq-len'), await page.inputValue('#lr')],
    ['16', '32', '0.003'],
    'the poem defaults',
  );
  assert.match(await page.inputValue('[data-testid=probe-text]'), /^床前明月光/, 'a probe text of poems');
  for (const [id, value] of Object.entries(SMALL)) await page.fill(`#${id}`, value);
  await page.click('[data-testid=train]');
  // The form score is measured with every held-out evaluation: before training, then every 10 s of it.
  await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('[data-testid=form-score]')!.dataset.step) > 0, null, {
    timeout: 120_000,
  });
  await page.waitForFunction(() => document.querySelectorAll('#sample .poem').length === 5);
}

/** Pauses and waits until the run has stopped and its last form score (at the paused step) has come. */
async function pause(page: Page, continueLabel: string): Promise<number> {
  await page.click('[data-testid=train]');
  await page.waitForFunction((label) => document.querySelector('[data-testid=train]')!.textContent === label, continueLabel);
  const paused = await steps(page);
  await page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('[data-testid=form-score]')!.dataset.step) === n, paused);
  return paused;
}

/** Shows the inside views fully: a character's cell step picked, a pattern's units searched. */
async function openInsideViews(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid=heatmap] span[data-step="5"]');
  await page.click('[data-testid=heatmap] span[data-step="5"]');
  await page.waitForSelector('[data-testid=cell-step] table');
  await page.click('#pattern-presets button >> nth=1');
  await page.waitForSelector('#search-results .chip');
  await page.waitForFunction(() => document.querySelector('[data-testid=gradient-flow]')!.getAttribute('data-kind') === 'model');
}

const unavailable = browserUnavailable();

describe('the playground in Chinese and English in Chromium', { skip: unavailable }, () => {
  const temp = suiteDir('rnnkit-i18n-');

  describe('a browser in Chinese (zh-CN)', () => {
    let chromium: Awaited<ReturnType<typeof launchChromium>>;
    let server: PlaygroundServer;
    before(async () => {
      chromium = await launchChromium({ locale: 'zh-CN' });
      server = await startPlayground();
    });
    after(async () => {
      await server?.stop();
      await chromium?.close();
    });

    it('shows the page in Chinese, trains on Tang poems, samples poems, a form score, every text from the Chinese catalogue', async (t) => {
      assert.deepEqual(Object.keys(zhCN).sort(), Object.keys(en).sort(), 'both catalogues have the same keys');
      const { page, errors, screenshot } = await openPlayground(chromium.browser, server.url);
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
      assert.equal(await testText(page, 'train'), '开始训练');
      assert.deepEqual(await foreignTexts(page, zhCN, 'zh-CN'), [], 'before training');

      await trainTang(page);
      assert.match(await testText(page, 'form-score'), /^\d+%$/);
      assert.match(await testText(page, 'form-score-line'), /^20 首里有 \d+ 首是规整的绝句/);
      await openInsideViews(page);
      assert.deepEqual(await foreignTexts(page, zhCN, 'zh-CN'), [], 'while training, with the views of the inside drawn');
      t.diagnostic(`screenshot: ${await screenshot('zh-1-tang-training')}`);

      // Poems from a first character; after a pause, the page's poems and form score are the library's for the saved model.
      const paused = await pause(page, '继续训练');
      await page.fill('#prime', '春');
      await page.fill('#seed', '3');
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll<HTMLElement>('#sample .poem')].every((p) => p.dataset.poem!.startsWith('春')) &&
          /随机种子 3/.test(document.getElementById('sample-caption')!.textContent),
      );
      const fromPage = await shownPoems(page);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
      await download.saveAs(temp('tang.safetensors'));
      const backend = await createWasmBackend({ threads: 1 });
      const model = (await loadModel(temp('tang.safetensors'), { type: 'language-model', backend })).eval();
      assert.deepEqual(fromPage, samplePoems(model, 5, { start: '春', temperature: 0.8, topP: 1, seed: 3 }));
      const scored = samplePoems(model, 20, { temperature: FORM_SCORE_TEMPERATURE, seed: 7 });
      const regular = scored.filter(isRegularQuatrain).length;
      assert.equal(await page.$eval('[data-testid=form-score]', (e) => Number((e as HTMLElement).dataset.fraction)), regular / 20);
      assert.match(await testText(page, 'form-score-line'), new RegExp(`^20 首里有 ${regular} 首是规整的绝句.*训练 ${paused} 步后采样`));
      backend.dispose();

      // An acrostic: the lines begin with its characters, in order, as far as the poem has lines.
      await page.fill('#acrostic', '春夏秋冬');
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll<HTMLElement>('#sample .poem')].every((p) => p.dataset.poem!.startsWith('春')) &&
          document.querySelectorAll('#sample .poem .prime').length > 5,
      );
      for (const poem of await shownPoems(page)) {
        const starts = lineStarts(poem);
        assert.equal(starts.slice(0, 4), '春夏秋冬'.slice(0, Math.min(4, starts.length)), poem);
      }
      t.diagnostic(`poems: ${(await shownPoems(page)).join(' / ')}`);
      assert.deepEqual(errors, []);
      await page.close();
    });

    it('switches to English and back without losing the model or its training, and remembers the choice across a reload', async () => {
      const { page, errors } = await openPlayground(chromium.browser, server.url);
      await page.evaluate(() => localStorage.clear());
      await page.reload();
      await page.waitForFunction(() => !(document.querySelector('[data-testid=train]') as HTMLButtonElement).disabled);
      assert.equal(await testText(page, 'train'), '开始训练');
      await page.selectOption('#source', 'first-names');
      await page.fill('#hidden', '24');
      await page.click('[data-testid=train]');
      await page.waitForFunction(() => Number(document.querySelector('[data-testid=steps]')!.textContent) >= 5);
      assert.match(await testText(page, 'model-info'), /^语言模型（language-model）：LSTM，1 层，每层 24 个隐藏单元/);

      await page.click('[data-locale=en]');
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
      assert.equal(await testText(page, 'train'), 'Pause', 'still training');
      assert.match(await testText(page, 'model-info'), /^Language model \(language-model\): LSTM, 1 layer of 24 hidden units/);
      const before = await steps(page);
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid=steps]')!.textContent) > n + 3, before);
      assert.deepEqual(await foreignTexts(page, en, 'en'), [], 'every text in English after the switch');

      await page.reload();
      await page.waitForFunction(() => !(document.querySelector('[data-testid=train]') as HTMLButtonElement).disabled);
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'en', 'the choice outlives a reload');
      assert.equal(await testText(page, 'train'), 'Start training');
      assert.equal(await page.getAttribute('[data-locale=en]', 'aria-pressed'), 'true');
      await page.click('[data-locale="zh-CN"]');
      await page.reload();
      await page.waitForFunction(() => !(document.querySelector('[data-testid=train]') as HTMLButtonElement).disabled);
      assert.equal(await testText(page, 'train'), '开始训练');
      assert.deepEqual(errors, []);
      await page.close();
    });
  });

  describe('a browser in English (en-US)', () => {
    let chromium: Awaited<ReturnType<typeof launchChromium>>;
    let server: PlaygroundServer;
    before(async () => {
      chromium = await launchChromium({ locale: 'en-US' });
      server = await startPlayground();
    });
    after(async () => {
      await server?.stop();
      await chromium?.close();
    });

    it('shows the page in English, trains on Tang poems, samples poems, a form score, every text from the English catalogue', async (t) => {
      const { page, errors, screenshot } = await openPlayground(chromium.browser, server.url);
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
      assert.equal(await testText(page, 'train'), 'Start training');
      await trainTang(page);
      assert.match(await testText(page, 'form-score-line'), /^\d+ of 20 poems are regular quatrains/);
      await page.fill('#prime', '白日依山尽');
      await page.waitForFunction(() =>
        [...document.querySelectorAll<HTMLElement>('#sample .poem')].every((p) => p.dataset.poem!.startsWith('白日依山尽')),
      );
      await openInsideViews(page);
      assert.deepEqual(await foreignTexts(page, en, 'en'), []);
      t.diagnostic(`screenshot: ${await screenshot('en-1-tang-training')}`);
      await pause(page, 'Continue training');
      assert.deepEqual(errors, []);
      await page.close();
    });
  });
});
