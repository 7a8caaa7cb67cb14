/**
 * N→M sequence to sequence on real data (Sutskever et al. 2014; Bahdanau et al. 2015): spelling → pronunciation. An
 * encoder–decoder with attention reads a word's letters and writes its phonemes (ARPAbet
 * without stress marks); the example reports held-out word accuracy (exact match with
 * one of the dictionary's pronunciations) and phoneme error rate, for greedy decoding and
 * for beam search, and shows the attention of one word.
 *
 * Data: the CMU Pronouncing Dictionary (`cmu-pronouncing-dictionary@3.0.0`; dictionary
 * BSD-2-Clause, package ISC). Words of 2–14 plain letters, each with its first
 * pronunciation for training; 2,000 words, drawn with a fixed seed, are held out (all
 * decoded greedily, the first 500 also with a beam of 4).
 *
 *   node --import tsx examples/g2p-cmudict.ts [--seconds 300] [--context attention|final|transform]
 *     [--attention additive|dot|general] [--test-words 2000] [--beam-words 500] [--threads N] [--json]
 */
import { dictionary } from 'cmu-pronouncing-dictionary';
import { Adam, type ContextKind, editDistance, Random, Seq2Seq, type AttentionKind, type SequencePair, train } from '../src/index.js';
import { exampleSetup } from './shared/setup.js';

const { seconds, backend, json, say, values } = await exampleSetup(300, {
  context: { type: 'string', default: 'attention' },
  attention: { type: 'string', default: 'additive' },
  'test-words': { type: 'string', default: '2000' },
  'beam-words': { type: 'string', default: '500' },
});
const TEST_WORDS = Number(values['test-words']);
const BEAM_WORDS = Number(values['beam-words']);

// Pronunciations per word; alternates ("word(2)") count as correct answers too.
const pronunciations = new Map<string, string[][]>();
for (const [entry, phones] of Object.entries(dictionary)) {
  const word = entry.replace(/\(\d+\)$/, '');
  if (!/^[a-z]{2,14}$/.test(word)) continue;
  const list = pronunciations.get(word) ?? [];
  // Some entries end with a comment ("# foreign"); stress digits are dropped.
  list.push(
    phones
      .split('#')[0]
      .trim()
      .split(' ')
      .map((p) => p.replace(/\d$/, '')),
  );
  pronunciations.set(word, list);
}
const words = new Random(5).shuffle([...pronunciations.keys()].sort());
const letters = [...'abcdefghijklmnopqrstuvwxyz'];
const phonemes = [...new Set([...pronunciations.values()].flat(2))].sort();
// Target ids: the phonemes, then begin and end.
const [BEGIN, END] = [phonemes.length, phonemes.length + 1];
const letterId = new Map(letters.map((l, i) => [l, i]));
const phonemeId = new Map(phonemes.map((p, i) => [p, i]));
const pairOf = (word: string): SequencePair => ({
  source: [...word].map((l) => letterId.get(l)!),
  target: pronunciations.get(word)![0].map((p) => phonemeId.get(p)!),
});
const testWords = words.slice(0, TEST_WORDS);
const trainSet = words.slice(TEST_WORDS).map(pairOf);

say(
  `${trainSet.length} training and ${testWords.length} test words, ${phonemes.length} phonemes; ` +
    `${values.context} context${values.context === 'attention' ? ` (${values.attention})` : ''} on ${backend.description}, ${seconds} s`,
);
const model = await Seq2Seq.create({
  sourceVocabSize: letters.length,
  targetVocabSize: phonemes.length + 2,
  begin: BEGIN,
  end: END,
  context: values.context as ContextKind,
  attention: values.attention as AttentionKind,
  embeddingDim: 64,
  hiddenSize: 128,
  attentionSize: 128,
  seed: 1,
  backend,
});
const result = await train(await model.trainingTask(trainSet, 64), {
  optimizer: new Adam(await model.parameters(), { lr: 3e-3 }, backend),
  budget: { seconds },
  clipNorm: 5,
  onProgress: (p) => {
    if (p.step % 200 === 0) say(`step ${p.step}  loss ${p.smoothedLoss.toFixed(3)}  ${Math.round(p.tokensPerSecond)} tokens/s`);
  },
});

model.eval();
const sources = testWords.map((w) => pairOf(w).source);
const spell = (tokens: number[]): string[] => tokens.map((t) => phonemes[t] ?? '?');
/** Word accuracy (any listed pronunciation) and phoneme error rate (against the closest one). */
function score(outputs: number[][], list: readonly string[]): { wordAccuracy: number; phonemeErrorRate: number } {
  let exact = 0;
  let errors = 0;
  let total = 0;
  outputs.forEach((tokens, i) => {
    const said = spell(tokens);
    const references = pronunciations.get(list[i])!;
    const distances = references.map((r) => editDistance(said, r));
    const best = distances.indexOf(Math.min(...distances));
    if (distances[best] === 0) exact++;
    errors += distances[best];
    total += references[best].length;
  });
  return { wordAccuracy: exact / outputs.length, phonemeErrorRate: errors / total };
}
const greedy = await model.greedy(sources, { maxLength: 24 });
const greedyScore = score(
  greedy.map((d) => d.tokens),
  testWords,
);
const beamList = testWords.slice(0, BEAM_WORDS);
const beams = [];
for (const source of sources.slice(0, BEAM_WORDS)) beams.push((await model.beamSearch(source, { beamWidth: 4, maxLength: 24 }))[0].tokens);
const beamScore = score(beams, beamList);
const greedyOnBeamWords = score(
  greedy.slice(0, BEAM_WORDS).map((d) => d.tokens),
  beamList,
);

const summary = {
  steps: result.steps,
  epochs: Number(result.epochs.toFixed(2)),
  context: values.context,
  greedy: greedyScore,
  beam4: { ...beamScore, words: BEAM_WORDS, greedyWordAccuracy: greedyOnBeamWords.wordAccuracy },
};
if (json) console.log(JSON.stringify(summary));
else {
  const percent = (x: number): string => `${(100 * x).toFixed(2)} %`;
  say(`\n${result.steps} steps (${summary.epochs} epochs) in ${result.seconds.toFixed(0)} s`);
  say(
    `greedy, ${TEST_WORDS} held-out words: word accuracy ${percent(greedyScore.wordAccuracy)}, ` +
      `phoneme error rate ${percent(greedyScore.phonemeErrorRate)}`,
  );
  say(
    `beam 4, first ${BEAM_WORDS} of them: word accuracy ${percent(beamScore.wordAccuracy)} ` +
      `(greedy on the same words ${percent(greedyOnBeamWords.wordAccuracy)}), phoneme error rate ${percent(beamScore.phonemeErrorRate)}`,
  );
  for (const i of [0, 1, 2, 3, 4, 5])
    say(`  ${testWords[i]} → ${spell(greedy[i].tokens).join(' ')}   (${pronunciations.get(testWords[i])![0].join(' ')})`);
  const shown = greedy[0];
  if (shown.attention.length > 0) {
    say(`\nattention for "${testWords[0]}" (rows: output phonemes, columns: letters; weights × 10, rounded):`);
    say(`       ${[...testWords[0]].map((l) => l.padStart(3)).join('')}`);
    shown.attention.forEach((row, t) => {
      const label = t < shown.tokens.length ? phonemes[shown.tokens[t]] : '</s>';
      say(`  ${label.padEnd(5)}${row.map((w) => String(Math.round(10 * w)).padStart(3)).join('')}`);
    });
  }
}
