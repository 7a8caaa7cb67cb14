// The playground in Chromium, as a user meets it: served by `rnnkit playground` (cross-origin
// isolated, every core) and by a plain server (one thread); training in the worker with the
// page staying responsive; samples and next-character probabilities; model files that move
// between the page and the CLI both ways; bad files that leave the page usable.
// Screenshots of each state go to SCREENSHOTS (printed as a diagnostic).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { serveDirectory } from '../../src/cli/static-server.js';
import { loadModel, modelToBytes } from '../../src/io/model-file.js';
import { SequenceTagger } from '../../src/models/sequence-tagger.js';
import { browserUnavailable, launchChromium } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { openPlayground, PLAYGROUND_DIR, type PlaygroundServer, startPlayground, testText } from '../helpers/playground.js';
import { suiteDir } from '../helpers/temp.js';

const CORPUS = new URL('../../data/moby-dick.txt', import.meta.url);
/** A small network, so that CI sees it learn within seconds. */
const SMALL = { hidden: '48', embed: '16', 'seq-len': '32', batch: '16', lr: '0.01' };

/** Sets the form fields (by id) of `values`. */
async function fill(page: Page, values: Record<string, string>): Promise<void> {
  for (const [id, value] of Object.entries(values)) await page.fill(`#${id}`, value);
}

/** Sets a range input as a user drags it (its input event included). */
async function slide(page: Page, id: string, value: number): Promise<void> {
  await page.$eval(
    `#${id}`,
    (input, v) => {
      (input as HTMLInputElement).value = String(v);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    },
    value,
  );
}

const steps = async (page: Page): Promise<number> => Number(await testText(page, 'steps'));

/** Waits until the worker has answered with a sample drawn with these settings, and returns its text. */
async function sampleWith(page: Page, s: { prime: string; seed: number; temperature: number; length: number }): Promise<string> {
  await page.fill('#prime', s.prime);
  await page.fill('#length', String(s.length));
  await page.fill('#seed', String(s.seed));
  await slide(page, 'temperature', s.temperature);
  const caption = `seed ${s.seed} · temperature ${s.temperature.toFixed(2)}`;
  await page.waitForFunction(
    ({ caption, prime }) =>
      document.getElementById('sample-caption')!.textContent.includes(caption) &&
      document.querySelector('[data-testid=sample]')!.textContent.startsWith(prime),
    { caption, prime: s.prime },
  );
  return testText(page, 'sample');
}

/** Opens a file in the model-file input. */
async function openModelFile(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  await page.setInputFiles('[data-testid=model-file]', { name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
}

const unavailable = browserUnavailable();

describe('playground in Chromium', { skip: unavailable }, () => {
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let server: PlaygroundServer;
  const temp = suiteDir('rnnkit-playground-');
  before(async () => {
    assert.ok(existsSync(join(PLAYGROUND_DIR, 'index.html')), `${PLAYGROUND_DIR} is not built: run npm run build`);
    chromium = await launchChromium();
    server = await startPlayground();
  });
  after(async () => {
    await server?.stop();
    await chromium?.close();
  });

  it('rnnkit playground serves it cross-origin isolated: every core trains, no console error', async (t) => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const { page, errors, screenshot } = await openPlayground(chromium.browser, server.url);
    const { isolated, cores } = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }));
    assert.equal(isolated, true);
    assert.equal(await testText(page, 'threads'), String(cores));
    assert.equal(await page.isHidden('#isolation-notice'), true);
    assert.match(await testText(page, 'model-info'), /No model yet/);
    t.diagnostic(`screenshots: ${await screenshot('1-start')}`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('trains in the worker: steps rise, the loss falls, the page never blocks for 200 ms, samples and probabilities appear', async (t) => {
    const { page, errors, screenshot } = await openPlayground(chromium.browser, server.url);
    await fill(page, SMALL);
    await page.waitForFunction(() => /characters/.test(document.getElementById('source-stats')!.textContent)); // Moby Dick loaded
    await page.evaluate(() => {
      const tasks: number[] = [];
      const losses: string[] = [];
      Object.assign(window, { longTasks: tasks, losses });
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) tasks.push(entry.duration);
      }).observe({ type: 'longtask' });
      const loss = document.querySelector('[data-testid=loss]')!;
      new MutationObserver(() => losses.push(loss.textContent)).observe(loss, { childList: true, characterData: true, subtree: true });
    });
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=steps]')!.textContent) >= 5);
    // The first loss shown (the first step's: the untrained model's).
    const early = Number(await page.evaluate(() => (window as unknown as { losses: string[] }).losses.find((l) => /^\d/.test(l))));
    assert.match(await testText(page, 'train'), /Pause/);
    await page.fill('#prime', 'The whal');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=steps]')!.textContent) >= 150, null, { timeout: 120_000 });
    const late = Number(await testText(page, 'loss'));
    assert.ok(late < early - 1, `the smoothed loss fell from ${early} to ${late}`);
    await page.waitForFunction(() => document.querySelector('[data-testid=sample]')!.textContent.startsWith('The whal'));
    const bars = await page.locator('.bar-row').count();
    assert.ok(bars >= 3, `${bars} probability bars`);
    await screenshot('2-training');
    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    t.diagnostic(`long tasks on the page's thread while training: ${longTasks.length ? longTasks.map(Math.round).join(', ') : 'none'} ms`);
    assert.ok(
      longTasks.every((ms) => ms < 200),
      `long tasks while training: ${longTasks.join(', ')} ms`,
    );

    await page.click('[data-testid=train]'); // pause
    await page.waitForFunction(() => document.querySelector('[data-testid=train]')!.textContent === 'Continue training');
    const paused = await steps(page);
    await page.waitForTimeout(400);
    assert.equal(await steps(page), paused, 'no step while paused');
    assert.match(await testText(page, 'model-info'), /LSTM, 1 layer of 48 hidden units, embedding 16/);
    await page.click('[data-testid=train]'); // continue from where it paused
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=steps]')!.textContent) > n + 3, paused);
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => document.querySelector('[data-testid=train]')!.textContent === 'Continue training');
    await screenshot('3-paused');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('saves a model that loadModel reads in Node and samples the same seeded text from', async () => {
    const { page, errors } = await openPlayground(chromium.browser, server.url);
    await page.selectOption('#source', 'first-names');
    await fill(page, { ...SMALL, hidden: '24' });
    await page.selectOption('#cell', 'gru');
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=steps]')!.textContent) >= 30);
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => document.querySelector('[data-testid=train]')!.textContent === 'Continue training');
    const settings = { prime: 'Ma', seed: 7, temperature: 0.8, length: 120 };
    const pageSample = await sampleWith(page, settings);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
    const path = temp('from-page.safetensors');
    await download.saveAs(path);
    assert.equal(download.suggestedFilename(), 'rnnkit-gru-24.safetensors');

    const backend = await createWasmBackend({ threads: 1 });
    const model = (await loadModel(path, { type: 'language-model', backend })).eval();
    assert.deepEqual(model.settings, { cell: 'gru', embeddingDim: 16, hiddenSize: 24, numLayers: 1, dropout: 0 });
    const nodeSample = await model.generate({
      prime: settings.prime,
      length: settings.length,
      temperature: settings.temperature,
      seed: settings.seed,
    });
    assert.equal(pageSample, settings.prime + nodeSample);
    // The CLI samples it too.
    const cli = runCli([
      'sample',
      '--model',
      path,
      '--prime',
      'Ma',
      '--length',
      '120',
      '--temperature',
      '0.8',
      '--seed',
      '7',
      '--threads',
      '1',
    ]);
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(cli.stdout, `${pageSample}\n`);
    backend.dispose();
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('opens a model file written by the CLI: its description, and the greedy continuation of rnnkit sample --temperature 0', async () => {
    const data = temp('moby.txt');
    const text = readFileSync(CORPUS, 'utf8').slice(20_000, 60_000);
    writeFileSync(data, text);
    const file = temp('cli.safetensors');
    const trained = runCli([
      'train',
      'lm',
      '--data',
      data,
      '--out',
      file,
      '--steps',
      '25',
      '--hidden',
      '32',
      '--embed',
      '8',
      '--batch',
      '8',
      '--seq-len',
      '32',
      '--lr',
      '0.01',
      '--threads',
      '1',
      '--quiet',
    ]);
    assert.equal(trained.status, 0, trained.stderr);

    const { page, errors, screenshot } = await openPlayground(chromium.browser, server.url);
    await openModelFile(page, 'cli.safetensors', readFileSync(file));
    await page.waitForFunction(() => /cli\.safetensors/.test(document.querySelector('[data-testid=model-info]')!.textContent));
    assert.equal(
      await testText(page, 'model-info'),
      'Language model (language-model): LSTM, 1 layer of 32 hidden units, embedding 8, ' +
        `vocabulary of ${new Set(text).size} characters + <unk>; ` +
        'opened from cli.safetensors.',
    );
    assert.equal(await page.inputValue('#hidden'), '32', 'the form shows the model’s shape');
    assert.equal(await page.isDisabled('#hidden'), true);
    const pageSample = await sampleWith(page, { prime: 'Call me', seed: 1, temperature: 0, length: 150 });
    const cli = runCli(['sample', '--model', file, '--prime', 'Call me', '--length', '150', '--temperature', '0', '--threads', '1']);
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(cli.stdout, `${pageSample}\n`);
    await screenshot('4-opened-cli-model');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('bad model and text files show a message and leave the page usable', async () => {
    const { page, errors, screenshot } = await openPlayground(chromium.browser, server.url);
    const good = readFileSync(temp('cli.safetensors'));
    await openModelFile(page, 'good.safetensors', good);
    await page.waitForFunction(() => /good\.safetensors/.test(document.querySelector('[data-testid=model-info]')!.textContent));
    const info = await testText(page, 'model-info');
    const backend = await createWasmBackend({ threads: 1 });
    const tagger = SequenceTagger.create({
      vocabSize: 5,
      numTags: 2,
      embeddingDim: 3,
      hiddenSize: 4,
      backend,
      vocabularies: { tokens: ['<unk>', 'a', 'b', 'c', 'd'], labels: ['X', 'Y'] },
    });
    const bad: [string, Uint8Array, RegExp][] = [
      ['empty.safetensors', new Uint8Array(0), /empty\.safetensors: .*(empty|too short|8 bytes)/i],
      ['binary.safetensors', Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) % 256), /binary\.safetensors: /],
      ['truncated.safetensors', good.subarray(0, Math.floor(good.length / 2)), /truncated\.safetensors: .*/],
      [
        'tagger.safetensors',
        modelToBytes(tagger),
        /tagger\.safetensors: model file holds a sequence-tagger; the playground opens language models, seq2seq models and CTC models/,
      ],
    ];
    backend.dispose();
    for (const [name, bytes, message] of bad) {
      await openModelFile(page, name, bytes);
      await page.waitForFunction((n) => document.getElementById('model-error')!.textContent.startsWith(n), name);
      assert.match((await page.textContent('#model-error')) ?? '', message);
      assert.equal(await testText(page, 'model-info'), info, `${name} left the open model as it was`);
    }
    await screenshot('5-bad-model-file');
    // Still usable: the open model samples.
    const sample = await sampleWith(page, { prime: 'The ', seed: 3, temperature: 0, length: 40 });
    assert.equal(sample.length, 'The '.length + 40);

    await page.selectOption('#source', 'file');
    for (const [name, bytes, message] of [
      ['empty.txt', new Uint8Array(0), /empty\.txt is empty/],
      ['image.txt', Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0xff, 0xfe), /image\.txt is not UTF-8 text/],
      ['nul.txt', new TextEncoder().encode('abc\u0000def'), /nul\.txt is a binary file/],
    ] as const) {
      await page.setInputFiles('#text-file', { name, mimeType: 'text/plain', buffer: Buffer.from(bytes) });
      await page.waitForFunction((n) => document.getElementById('data-error')!.textContent.startsWith(n), name);
      assert.match((await page.textContent('#data-error')) ?? '', message);
    }
    await screenshot('6-bad-text-file');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a text too short for one batch is a message, and training starts once the text fits', async () => {
    const { page, errors } = await openPlayground(chromium.browser, server.url);
    await page.selectOption('#source', 'paste');
    await page.fill('#paste', 'far too short');
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => !document.getElementById('data-error')!.hidden);
    assert.match(
      (await page.textContent('#data-error')) ?? '',
      /the pasted text gives \d+ training tokens, too few for one batch of 32 × 64/,
    );
    assert.match(await testText(page, 'model-info'), /No model yet/, 'no model is made for a text that cannot train');
    assert.equal(await page.isEnabled('#hidden'), true);
    await page.fill('#paste', 'the quick brown fox jumps over the lazy dog. '.repeat(100));
    await fill(page, SMALL);
    await page.click('[data-testid=train]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=steps]')!.textContent) >= 3);
    assert.equal(await page.isHidden('#data-error'), true);
    await page.click('#reset');
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=steps]')!.textContent === '0' &&
        /No model yet/.test(document.querySelector('[data-testid=model-info]')!.textContent),
    );
    assert.equal(await page.isEnabled('#hidden'), true, 'Reset unlocks the settings');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('elsewhere (no isolation headers) it trains on one thread and says why', async () => {
    const plain = await serveDirectory(PLAYGROUND_DIR, { host: '127.0.0.1', port: 0 });
    try {
      const { page, errors, screenshot } = await openPlayground(chromium.browser, plain.url);
      assert.equal(await page.evaluate(() => crossOriginIsolated), false);
      assert.equal(await testText(page, 'threads'), '1');
      assert.equal(await page.isVisible('#isolation-notice'), true);
      await page.selectOption('#source', 'first-names');
      await fill(page, SMALL);
      await page.click('[data-testid=train]');
      await page.waitForFunction(() => Number(document.querySelector('[data-testid=steps]')!.textContent) >= 10);
      await screenshot('7-one-thread');
      assert.deepEqual(errors, []);
      await page.close();
    } finally {
      await plain.close();
    }
  });
});
