// The views of the inside of the network in Chromium, on models trained by the CLI: states
// over a probe text, the unit search, one cell step with the traced numbers, the gradient
// flow and its comparison (a language model); attention (an encoder–decoder); CTC's lattice
// (a CTC model). Numbers shown on the page are checked against the library in Node.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { createWasmBackend } from '../../src/backend/wasm/index.js';
import { loadModel } from '../../src/io/model-file.js';
import { cellStep } from '../../src/models/language-model/cell-step.js';
import { traceLanguageModel } from '../../src/models/language-model/trace.js';
import { Random } from '../../src/random.js';
import { patternIndicator, rankUnitsByCorrelation } from '../../playground/src/inside/unit-search.js';
import { browserUnavailable, launchChromium } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { canvasInk, openPlayground, type PlaygroundServer, startPlayground, testText } from '../helpers/playground.js';
import { suiteDir } from '../helpers/temp.js';

/**
 * Lower-case words with phrases in quotes written in capitals: predicting the case needs to know
 * whether a quote is open, which a unit of a trained model learns to track.
 */
function quotedText(random: Random, words: number): string {
  const vocabulary = ['the', 'sea', 'ship', 'whale', 'said', 'man', 'boat', 'old', 'captain', 'cried', 'and', 'was'];
  const out: string[] = [];
  for (let i = 0; i < words; i++) {
    if (random.next() < 0.15) {
      const phrase = Array.from({ length: 2 + random.int(4) }, () => vocabulary[random.int(vocabulary.length)].toUpperCase());
      out.push(`"${phrase.join(' ')}"`);
    } else {
      out.push(vocabulary[random.int(vocabulary.length)]);
    }
    if (random.next() < 0.1) out.push('\n');
  }
  return out.join(' ').replace(/ \n /g, '\n');
}

const PROBE = 'the old man said "THE SEA WAS OLD" and the captain cried "SHIP" and was\nthe boat "THE WHALE SAID" the sea';

/** Waits until the page shows a new trace (the heatmap has the probe's characters). */
async function waitForTrace(page: Page, characters: number): Promise<void> {
  await page.waitForFunction((n) => document.querySelectorAll('#heatmap span').length === n, characters);
}

const unavailable = browserUnavailable();

describe('the inside of the network in Chromium', { skip: unavailable }, () => {
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let server: PlaygroundServer;
  const temp = suiteDir('rnnkit-inside-');
  before(async () => {
    chromium = await launchChromium();
    server = await startPlayground();
    writeFileSync(temp('quotes.txt'), quotedText(new Random(3), 12_000));
    const trained = runCli([
      'train',
      'lm',
      '--data',
      temp('quotes.txt'),
      '--out',
      temp('quotes.safetensors'),
      '--steps',
      '250',
      '--hidden',
      '32',
      '--embed',
      '16',
      '--batch',
      '16',
      '--seq-len',
      '48',
      '--lr',
      '0.01',
      '--threads',
      '1',
      '--quiet',
    ]);
    assert.equal(trained.status, 0, trained.stderr);
  });
  after(async () => {
    await server?.stop();
    await chromium?.close();
  });

  it('language model: states over the probe text, the unit search, one cell step with the traced numbers, gradient flow', async () => {
    const { page, errors, screenshot } = await openPlayground(chromium.browser, server.url);
    const file = temp('quotes.safetensors');
    await page.setInputFiles('[data-testid=model-file]', {
      name: 'quotes.safetensors',
      mimeType: 'application/octet-stream',
      buffer: readFileSync(file),
    });
    await page.waitForFunction(() => /quotes\.safetensors/.test(document.querySelector('[data-testid=model-info]')!.textContent));
    await page.fill('[data-testid=probe-text]', PROBE);
    await waitForTrace(page, [...PROBE].length);

    // States over text: the characters take the colours of the chosen unit's values.
    const colours = await page.$$eval(
      '[data-testid=heatmap] span',
      (spans) => new Set(spans.map((s) => getComputedStyle(s).backgroundColor)).size,
    );
    assert.ok(colours >= 10, `${colours} colours over the text`);
    assert.ok((await canvasInk(page, '#overview')) > 0.3, 'the overview of every unit is drawn');

    // The unit search: the best unit for "inside quotes" follows them far better than a random unit; its r is the library's.
    await page.click('#pattern-presets button:text("inside quotes")');
    await page.waitForSelector('#search-results .chip');
    const best = await page.$eval('#search-results .chip', (chip) => ({
      unit: Number((chip as HTMLElement).dataset.unit),
      r: Number((chip as HTMLElement).dataset.correlation),
    }));
    const backend = await createWasmBackend({ threads: 1 });
    const model = (await loadModel(file, { type: 'language-model', backend })).eval();
    const trace = traceLanguageModel(model, PROBE);
    const H = model.settings.hiddenSize;
    const ranked = rankUnitsByCorrelation(trace.layers[0].hidden, H, patternIndicator(trace.tokens, '[“"][^”"]*[”"]'));
    assert.equal(best.unit, ranked[0].unit);
    assert.ok(Math.abs(best.r - ranked[0].correlation) < 1e-4, `page r ${best.r}, library r ${ranked[0].correlation}`);
    const randomUnit = new Random(11).int(H);
    const randomR = Math.abs(ranked.find((u) => u.unit === randomUnit)!.correlation);
    assert.ok(Math.abs(best.r) > randomR + 0.2, `best unit |r| ${Math.abs(best.r)} against unit ${randomUnit}'s ${randomR}`);
    assert.equal(await page.inputValue('#state-unit'), String(best.unit), 'the search picks its best unit');
    await screenshot('inside-1-states');

    // One cell step: click a character, and the numbers are that step's in the trace.
    const step = 20;
    await page.click(`[data-testid=heatmap] span[data-step="${step}"]`);
    await page.waitForFunction(
      (s) => new RegExp(`step ${s + 1} reads`).test(document.querySelector('[data-testid=cell-step]')!.textContent),
      step,
    );
    const shown = await page.$$eval('[data-testid=cell-step] td[data-key]', (cells) =>
      Object.fromEntries(cells.map((c) => [(c as HTMLElement).dataset.key!, Number((c as HTMLElement).dataset.value)])),
    );
    const unit = best.unit;
    const layer = trace.layers[0];
    const at = (values: Float32Array) => values[step * H + unit];
    for (const [key, values] of [
      ['h', layer.hidden],
      ['c', layer.cell!],
      ['i', layer.gates.i],
      ['f', layer.gates.f],
      ['g', layer.gates.g],
      ['o', layer.gates.o],
    ] as const) {
      assert.ok(Math.abs(shown[key] - at(values)) < 1e-6, `${key}: page ${shown[key]}, trace ${at(values)}`);
    }
    const expected = cellStep(model, trace, 0, step);
    const gradient = Number(
      await page.$eval('[data-testid=cell-step] td[data-key="c"] + td', (td) => (td as HTMLElement).dataset.gradient),
    );
    assert.ok(Math.abs(gradient - expected.gradients!.c[unit]) < 1e-9);
    assert.match(await testText(page, 'cell-step'), /σ\(z_?f?\)|forget gate/);
    await screenshot('inside-2-cell-step');

    // Gradient flow: the current model's curve, then the comparison of the four small models.
    await page.waitForFunction(() => document.querySelector('[data-testid=gradient-flow]')!.getAttribute('data-kind') === 'model');
    assert.ok((await canvasInk(page, '[data-testid=gradient-flow]')) > 0.01, 'the gradient-flow chart is drawn');
    await page.click('#compare');
    await page.waitForFunction(
      () => document.querySelector('[data-testid=gradient-flow]')!.getAttribute('data-kind') === 'comparison',
      null,
      { timeout: 120_000 },
    );
    const labels = await page.$$eval('#flow-summary span', (spans) =>
      spans.map((s) => (s as HTMLElement).dataset.label!.replace(/ \(.*/, '')),
    );
    assert.deepEqual(labels, ['RNN', 'RNN, no clipping', 'LSTM', 'GRU']);
    await screenshot('inside-3-gradient-flow');
    backend.dispose();
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('a projected LSTM (--proj-size): h shows its P units, c and the gates their H; no cell step or gradient flow asked', async () => {
    const trained = runCli([
      'train',
      'lm',
      '--data',
      temp('quotes.txt'),
      '--out',
      temp('projected.safetensors'),
      '--steps',
      '20',
      '--hidden',
      '24',
      '--proj-size',
      '6',
      '--embed',
      '8',
      '--batch',
      '8',
      '--seq-len',
      '32',
      '--threads',
      '1',
      '--quiet',
    ]);
    assert.equal(trained.status, 0, trained.stderr);
    const { page, errors } = await openPlayground(chromium.browser, server.url);
    await page.setInputFiles('[data-testid=model-file]', {
      name: 'projected.safetensors',
      mimeType: 'application/octet-stream',
      buffer: readFileSync(temp('projected.safetensors')),
    });
    await page.waitForFunction(() => /projected\.safetensors/.test(document.querySelector('[data-testid=model-info]')!.textContent));
    await page.fill('[data-testid=probe-text]', PROBE);
    await waitForTrace(page, [...PROBE].length);
    const units = (): Promise<number> => page.$$eval('#state-unit option', (options) => options.length);
    assert.equal(await page.inputValue('#state-series'), 'h');
    assert.equal(await units(), 6);
    await page.selectOption('#state-series', 'c');
    await page.waitForFunction(() => document.querySelectorAll('#state-unit option').length === 24);
    await page.click(`[data-testid=heatmap] span[data-step="5"]`);
    const colours = await page.$$eval(
      '[data-testid=heatmap] span',
      (spans) => new Set(spans.map((s) => getComputedStyle(s).backgroundColor)).size,
    );
    assert.ok(colours >= 10, `${colours} colours over the text`);
    for (const id of ['#settings-error', '#model-error']) assert.equal((await page.textContent(id))?.trim() ?? '', '', `${id} stays empty`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('encoder–decoder: the outputs and the attention matrix of a typed source', async () => {
    const random = new Random(4);
    const pairs = Array.from({ length: 1500 }, () => {
      const word = Array.from({ length: 3 + random.int(3) }, () => 'abcd'[random.int(4)]).join('');
      return `${word}\t${[...word]
        .reverse()
        .map((c) => c.toUpperCase())
        .join(' ')}`;
    });
    writeFileSync(temp('pairs.tsv'), `${pairs.join('\n')}\n`);
    const trained = runCli([
      'train',
      'seq2seq',
      '--data',
      temp('pairs.tsv'),
      '--out',
      temp('reverse.safetensors'),
      '--target-tokens',
      'word',
      '--hidden',
      '24',
      '--embed',
      '12',
      '--steps',
      '120',
      '--lr',
      '0.01',
      '--threads',
      '1',
      '--quiet',
    ]);
    assert.equal(trained.status, 0, trained.stderr);
    const { page, errors, screenshot } = await openPlayground(chromium.browser, server.url);
    await page.setInputFiles('[data-testid=model-file]', {
      name: 'reverse.safetensors',
      mimeType: 'application/octet-stream',
      buffer: readFileSync(temp('reverse.safetensors')),
    });
    await page.waitForFunction(() => /seq2seq/.test(document.querySelector('[data-testid=model-info]')!.textContent));
    assert.equal(await page.isHidden('[data-testid=heatmap]'), true, 'the language-model views make way');
    await page.fill('#attention-source', 'abcda');
    await page.waitForSelector('#attention-outputs .output');
    assert.ok((await canvasInk(page, '[data-testid=attention]')) > 0.05, 'the attention matrix is drawn');
    const greedy = await page.$eval('#attention-outputs .output', (b) => (b as HTMLElement).dataset.text!);
    const predicted = runCli(['predict', '--model', temp('reverse.safetensors'), '--text', 'abcda', '--threads', '1']);
    assert.equal(predicted.status, 0, predicted.stderr);
    assert.equal(predicted.stdout.trim(), greedy);
    await screenshot('inside-4-attention');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('CTC model of the MNIST example: digits drawn on the canvas are read', async () => {
    const example = fileURLToPath(new URL('../../examples/ctc-mnist.ts', import.meta.url));
    const trained = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        example,
        '--steps',
        '40',
        '--train-strips',
        '96',
        '--test-strips',
        '10',
        '--threads',
        '1',
        '--json',
        '--out',
        temp('mnist.safetensors'),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(trained.status, 0, trained.stderr);
    const { page, errors, screenshot } = await openPlayground(chromium.browser, server.url);
    await page.setInputFiles('[data-testid=model-file]', {
      name: 'mnist.safetensors',
      mimeType: 'application/octet-stream',
      buffer: readFileSync(temp('mnist.safetensors')),
    });
    await page.waitForFunction(() => /ctc-model/.test(document.querySelector('[data-testid=model-info]')!.textContent));
    assert.equal(await page.isVisible('#ctc-canvas'), true, 'a model of 28-pixel columns and digit labels gets a canvas to draw on');
    const box = (await page.locator('#ctc-canvas').boundingBox())!;
    const stroke = async (points: [number, number][]) => {
      await page.mouse.move(box.x + points[0][0] * box.width, box.y + points[0][1] * box.height);
      await page.mouse.down();
      for (const [x, y] of points.slice(1)) await page.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 6 });
      await page.mouse.up();
    };
    await stroke([
      [0.08, 0.15],
      [0.08, 0.85],
    ]); // a 1
    await stroke([
      [0.14, 0.2],
      [0.22, 0.2],
      [0.16, 0.85],
    ]); // a 7
    await page.waitForFunction(() => document.getElementById('ctc-text')!.dataset.text !== undefined);
    await page.waitForTimeout(300);
    assert.ok((await canvasInk(page, '#ctc-lattice')) > 0.05, 'the lattice of the drawing is drawn');
    assert.match(await page.$eval('#ctc-text', (p) => (p as HTMLElement).dataset.text!), /^[0-9]*$/, 'it reads digits');
    await screenshot('inside-6-ctc-drawing');
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('CTC model: the lattice, its best path and the text of a line of frames', async () => {
    const random = new Random(8);
    const lines = Array.from({ length: 60 }, () => {
      const target = Array.from({ length: 1 + random.int(3) }, () => 'ab'[random.int(2)]).join('');
      const input = [...target].flatMap((c) => [...Array<number[]>(3).fill(c === 'a' ? [1, 0] : [0, 1]), [0, 0]]);
      return JSON.stringify({ input, target });
    });
    writeFileSync(temp('strips.jsonl'), `${lines.join('\n')}\n`);
    const trained = runCli([
      'train',
      'ctc',
      '--data',
      temp('strips.jsonl'),
      '--out',
      temp('reader.safetensors'),
      '--steps',
      '60',
      '--hidden',
      '8',
      '--batch',
      '8',
      '--lr',
      '0.02',
      '--threads',
      '1',
      '--quiet',
    ]);
    assert.equal(trained.status, 0, trained.stderr);
    const { page, errors, screenshot } = await openPlayground(chromium.browser, server.url);
    await page.setInputFiles('[data-testid=model-file]', {
      name: 'reader.safetensors',
      mimeType: 'application/octet-stream',
      buffer: readFileSync(temp('reader.safetensors')),
    });
    await page.waitForFunction(() => /ctc-model/.test(document.querySelector('[data-testid=model-info]')!.textContent));
    assert.equal(await page.isVisible('#ctc-file'), true, 'a model of two features reads frames from a file');
    await page.setInputFiles('#ctc-frames', {
      name: 'strips.jsonl',
      mimeType: 'text/plain',
      buffer: Buffer.from(lines.slice(0, 3).join('\n')),
    });
    await page.selectOption('#ctc-line', '2');
    await page.waitForFunction(() => document.getElementById('ctc-text')!.dataset.text !== undefined);
    await page.waitForTimeout(300);
    assert.ok((await canvasInk(page, '#ctc-lattice')) > 0.05, 'the lattice is drawn');
    writeFileSync(temp('line2.jsonl'), `${lines[1]}\n`);
    const predicted = runCli(['predict', '--model', temp('reader.safetensors'), '--input', temp('line2.jsonl'), '--threads', '1']);
    assert.equal(predicted.status, 0, predicted.stderr);
    assert.equal(predicted.stdout.trim(), await page.$eval('#ctc-text', (p) => (p as HTMLElement).dataset.text!));
    await screenshot('inside-5-ctc');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
