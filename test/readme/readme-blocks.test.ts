// Every TypeScript block of README.md and README.zh-CN.md runs against the built package
// (dist/, imported as 'rnnkit' through the package's own exports), so that the first code a
// user copies works. Each block runs in its own process from a folder under .tmp/ where
// data/ is at hand; the preludes below give a block the small data its surrounding text
// assumes (a vocabulary size, a few examples, a model file), and a budget in seconds becomes
// two steps. A block that cannot run here says why in a comment on the line before it:
// <!-- readme-test: skip — the reason -->.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { blasUnavailable } from '../helpers/blas.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SKIP_MARK = /^<!-- readme-test: skip — (.+) -->$/;

interface Block {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** The reason given by a skip mark on the line before the fence. */
  skip: string | undefined;
}

/** The ```ts blocks of a Markdown file, dedented (blocks inside list items are indented). */
function tsBlocks(file: string): Block[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```ts\s*$/.exec(lines[i]);
    if (open === null) continue;
    const indent = open[1].length;
    let j = i + 1;
    while (!/^\s*```\s*$/.test(lines[j])) j++;
    const code = lines
      .slice(i + 1, j)
      .map((l) => l.slice(indent))
      .join('\n');
    const skip = SKIP_MARK.exec(lines[i - 1].trim())?.[1];
    blocks.push({ file, line: i + 1, code, skip });
    i = j;
  }
  return blocks;
}

/** Small data for the blocks that assume some, keyed by the start of the block or a line in it. */
const PRELUDES: [string, string][] = [
  [
    "^const poems = samplePoems(model.eval(), 100, { acrostic: '春夏秋冬'",
    `
const poemText = '春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。\\n夏日山中静，秋风落叶多。冬雪满山白，春来花自开。\\n'.repeat(3);
const model = await LanguageModel.create({ tokenizer: CharTokenizer.fromText(poemText), hiddenSize: 16, embeddingDim: 8, seed: 1 });`,
  ],
  [
    'const grads = await lstm.backward({ output: dOutput });',
    `
const dOutput = { shape: [20, 4, 64], data: new Float32Array(20 * 4 * 64).fill(0.01) };`,
  ],
  [
    'const lstmp = new LSTM(',
    `
const x = { shape: [5, 3, 8], data: new Float32Array(5 * 3 * 8).fill(0.1) };`,
  ],
  [
    'const tagger = SequenceTagger.create({ vocabSize, numTags, embeddingDim: 64',
    `
const backend = await getBackend();
const [vocabSize, numTags] = [50, 4];
const sentences = [{ tokens: [12, 7, 40], tags: [0, 1, 2] }, { tokens: [3, 4], tags: [3, 0] },
  { tokens: [5, 6, 7, 8], tags: [1, 1, 2, 0] }];`,
  ],
  [
    'const tagger = SequenceTagger.create({ vocabSize, numTags, crf: true',
    `
const backend = await getBackend();
const labels = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];
const [vocabSize, numTags] = [50, labels.length];
const sentences = [{ tokens: [12, 7, 40], tags: [1, 2, 0] }, { tokens: [3, 4], tags: [3, 4] }, { tokens: [5, 6, 7], tags: [0, 1, 0] }];`,
  ],
  [
    'const crf = new CRF({ numTags: 5',
    `
const K = 5;
const emissions = { shape: [3, 2, K], data: Float32Array.from({ length: 3 * 2 * K }, (_, i) => Math.sin(i)) };
const bytes = writeSafetensors({
  'crf.start_transitions': tensor([K], Array.from({ length: K }, (_, i) => 0.1 * i)),
  'crf.end_transitions': tensor([K]),
  'crf.transitions': tensor([K, K], Array.from({ length: K * K }, (_, i) => 0.01 * i)),
  'encoder.weight': tensor([2, 2]),
});`,
  ],
  [
    'const model = SequenceClassifier.create(',
    `
const backend = await getBackend();
const vocabSize = 10;
const examples = [{ tokens: [3, 1, 4], label: 0 }, { tokens: [1, 5, 9, 2], label: 1 }, { tokens: [6, 5], label: 0 }];`,
  ],
  [
    'const examples = slidingWindows(series, 28, 1);',
    `
const backend = await getBackend();
const series = Array.from({ length: 80 }, (_, i) => 100 + 10 * Math.sin(i / 4));`,
  ],
  [
    'const model = SequenceGenerator.create(',
    `
const backend = await getBackend();
const [vocabSize, begin, end] = [6, 4, 5];
const examples = [{ condition: [1, 0], tokens: [begin, 1, 2, end] }, { condition: [0, 1], tokens: [begin, 3, 0, 2, end] }];`,
  ],
  [
    'const model = await Seq2Seq.create({',
    `
const backend = await getBackend();
const pairs = [{ source: [1, 2, 3], target: [5, 6] }, { source: [4, 5], target: [7, 8, 9] }, { source: [25, 0, 3, 3], target: [1] }];
const source = [2, 3, 4];`,
  ],
  [
    'const model = CTCModel.create({',
    `
const backend = await getBackend();
const frames = (steps: number) => ({ steps, data: Float32Array.from({ length: steps * 56 }, (_, i) => Math.cos(i)) });
const examples = [{ frames: frames(6), labels: [1, 2] }, { frames: frames(5), labels: [3] }];
const x = { shape: [6, 2, 56], data: Float32Array.from({ length: 6 * 2 * 56 }, (_, i) => Math.sin(i)) };
const lengths = [6, 4];`,
  ],
  [
    "lstm.loadStateDict(readSafetensors(await readFile('charlm.safetensors'))",
    `
import { readFile, writeFile } from 'node:fs/promises';
const trained = new LSTM({ inputSize: 16, hiddenSize: 48, numLayers: 2, seed: 3 });
await writeFile('charlm.safetensors', writeSafetensors(Object.fromEntries(
  Object.entries(trained.stateDict()).map(([name, t]) => [\`lstm.\${name}\`, t]))));`,
  ],
  [
    'const model = await importTfjsLayersModel(',
    `
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
const keras = tfl.sequential();
keras.add(tfl.layers.embedding({ inputDim: 9, outputDim: 4, inputLength: 5 }));
keras.add(tfl.layers.lstm({ units: 6, recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform' }));
keras.add(tfl.layers.dense({ units: 2, activation: 'softmax' }));
await keras.save(tf.io.withSaveHandler(async (a) => {
  await mkdir('web_model', { recursive: true });
  await writeFile('web_model/model.json', JSON.stringify({ format: 'layers-model', modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }] }));
  await writeFile('web_model/group1-shard1of1.bin', new Uint8Array(a.weightData as ArrayBuffer));
  return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
}));`,
  ],
];

/** Names the package exports (what a block may use without importing it, as README's prose does). */
const exported = Object.keys((await import(join(root, 'dist/index.js'))) as Record<string, unknown>);

/**
 * The module a block runs as: its own imports first, then the prelude's, then the package's
 * names the block (or its prelude) uses without importing them, then the prelude and the block.
 */
function program(block: Block): string {
  const matches = (key: string): boolean => (key.startsWith('^') ? block.code.startsWith(key.slice(1)) : block.code.includes(key));
  const prelude = PRELUDES.find(([key]) => matches(key))?.[1] ?? '';
  const code = block.code.replace(/budget: \{ seconds: \d+ \}/g, 'budget: { steps: 2 }');
  const split = (text: string): [string[], string[]] => {
    const lines = text.split('\n');
    return [lines.filter((l) => l.startsWith('import ')), lines.filter((l) => !l.startsWith('import '))];
  };
  const [blockImports, blockBody] = split(code);
  const [preludeImports, preludeBody] = split(prelude);
  const imported = new Set(
    [...blockImports, ...preludeImports]
      .flatMap((l) => /\{([^}]*)\}/.exec(l)?.[1]?.split(',') ?? [])
      .map((name) => name.trim())
      .filter(Boolean),
  );
  const text = `${preludeBody.join('\n')}\n${blockBody.join('\n')}`;
  const used = exported.filter((name) => !imported.has(name) && new RegExp(`\\b${name}\\b`).test(text));
  return [
    ...blockImports,
    ...preludeImports,
    ...(used.length > 0 ? [`import { ${used.join(', ')} } from 'rnnkit';`] : []),
    ...preludeBody,
    ...blockBody,
    '',
  ].join('\n');
}

const blocks = [...tsBlocks('README.md'), ...tsBlocks('README.zh-CN.md')];

describe('README code blocks', () => {
  it('finds the blocks of both READMEs', () => {
    assert.ok(blocks.filter((b) => b.file === 'README.md').length >= 17, 'README.md blocks');
    assert.ok(
      blocks.some((b) => b.file === 'README.zh-CN.md'),
      'README.zh-CN.md blocks',
    );
  });

  for (const block of blocks) {
    const name = `${block.file}:${block.line} runs`;
    const blas = block.code.includes("setBackend('blas'") ? blasUnavailable() : undefined;
    const skip = block.skip ?? blas;
    if (skip !== undefined) {
      it(name, { skip }, () => {});
      continue;
    }
    it(name, () => {
      const dir = join(root, '.tmp', 'readme', `${block.file.replace(/\W/g, '-')}-${block.line}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      if (!existsSync(join(dir, 'data'))) symlinkSync(join(root, 'data'), join(dir, 'data'));
      writeFileSync(join(dir, 'block.ts'), program(block));
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'block.ts'], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
      assert.equal(run.status, 0, `${name}: exit ${run.status}\n${run.stderr}\n--- program ---\n${program(block)}`);
      rmSync(dir, { recursive: true, force: true });
    });
  }
});
