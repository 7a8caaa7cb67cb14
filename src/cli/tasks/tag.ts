/**
 * `rnnkit train tag`: a {@link SequenceTagger} from a CoNLL file (a token per line, its
 * tag in the last column, blank lines between sentences); held-out token accuracy, and
 * entity F1 when the tags are BIO chunks. `--crf` adds a CRF output layer. Predictions: a
 * line of `token/TAG` per line of white-space-separated tokens.
 */
import { Option } from 'commander';
import { parseConll, type TaggedSentence } from '../../data/readers/conll.js';
import { FormatError } from '../../errors.js';
import { allowedTransitions, describeViolation, firstViolation } from '../../layers/crf/constraints.js';
import type { Model } from '../../io/model-file.js';
import { crfConstraintsOf, SequenceTagger, type SequenceTaggerOptions, type TaggedSequence } from '../../models/sequence-tagger.js';
import { entityF1, tokenAccuracy } from '../../training/metrics.js';
import { integer, readUtf8 } from '../common.js';
import { defineTask, inSlices, nonBlankLines, percent, type TaskFlags, type TaskSpec, vocabularyOf } from './task.js';

/** A sentence as ids; its gold tag names too (a tag the model does not know is −1 and counts as an error). */
interface SentenceExample extends TaggedSequence {
  names: string[];
}

/** The vocabulary's entry for words it does not hold (id 0). */
const UNKNOWN = '<unk>';
const SLICE = 256;
const BIO = /^(O|[BI]-.+)$/;

/** The tagger's `crf` option for `--crf [constraints]`. */
function crfOption(flag: TaskFlags['crf']): NonNullable<SequenceTaggerOptions['crf']> {
  return flag === undefined ? false : { constraints: flag === 'bio' ? 'BIO' : flag === 'bioes' ? 'BIOES' : flag };
}

/** The tags of the labels of `records` (sorted), as the model will have them. */
function labelsOf(records: readonly TaggedSentence[]): string[] {
  return [...new Set(records.flatMap((r) => r.tags))].sort();
}

/**
 * Checks that the training file's tags keep the chunk rules the CRF will enforce.
 * @throws FormatError naming the file and the line of the first tag that breaks them.
 */
function checkChunkRules(records: readonly TaggedSentence[], flag: TaskFlags['crf'], path: string): void {
  const labels = labelsOf(records);
  const scheme = crfConstraintsOf(crfOption(flag), labels);
  if (scheme === undefined || scheme === 'none') return;
  const constraints = allowedTransitions(scheme, labels);
  const ids = new Map(labels.map((l, i) => [l, i]));
  for (const r of records) {
    const v = firstViolation(
      r.tags.map((t) => ids.get(t)!),
      constraints,
    );
    if (v === undefined) continue;
    throw new FormatError(
      `${path}:${r.line + Math.min(v.step, r.tags.length - 1)}: the tags ${describeViolation(v, labels)} of this ` +
        `sentence break the ${scheme} rules that --crf keeps; fix them or train with --crf none`,
    );
  }
}

/** Token ids of words by the model's token list; unknown words get id 0. */
function tokenIds(model: SequenceTagger): (tokens: readonly string[]) => number[] {
  const ids = new Map(vocabularyOf(model, 'tokens').map((t, i) => [t, i]));
  return (tokens) => tokens.map((t) => ids.get(t) ?? 0);
}

const spec: TaskSpec<SequenceTagger, TaggedSentence, SentenceExample> = {
  name: 'tag',
  modelType: 'sequence-tagger',
  holds: (m: Model): m is SequenceTagger => m instanceof SequenceTagger,
  description: 'train a sequence tagger (part of speech, named entities, …) on a CoNLL file',
  dataHelp: 'CoNLL: a token per line with its tag in the last column, a blank line between sentences',
  example: 'rnnkit train tag --data train.conll --out ner.safetensors --hidden 128 --epochs 3',
  unit: 'tokens',
  defaults: { cells: ['lstm', 'gru', 'rnn'], hidden: 128, lr: 3e-3 },
  split: 'random',
  options: (command) =>
    command
      .option('--embed <n>', 'embedding size', integer(1), 64)
      .option('--min-count <n>', 'fewest occurrences of a word to get its own embedding (rarer ones share <unk>)', integer(1), 2)
      .addOption(
        new Option(
          '--crf [constraints]',
          'a CRF output layer (BiLSTM-CRF): trained on whole tag paths, decoded with Viterbi; ' +
            'its transition constraints: auto (BIO or BIOES from the tags), bio, bioes or none',
        )
          .choices(['auto', 'bio', 'bioes', 'none'])
          .preset('auto'),
      ),
  read: async (path, flags, model) => {
    const records = parseConll(await readUtf8(path), path);
    if (model === undefined && flags.crf !== undefined) checkChunkRules(records, flags.crf, path);
    return records;
  },
  build: (records, flags, encoder) => {
    const counts = new Map<string, number>();
    for (const r of records) for (const t of r.tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    const minCount = flags.minCount ?? 2;
    // Most frequent first (ties in order of first occurrence); id 0 is the unknown word.
    const words = [...counts]
      .filter(([t, n]) => n >= minCount && t !== UNKNOWN)
      .sort((a, b) => b[1] - a[1])
      .map(([t]) => t);
    const tokens = [UNKNOWN, ...words];
    const labels = labelsOf(records);
    return SequenceTagger.create({
      ...encoder,
      vocabSize: tokens.length,
      numTags: labels.length,
      embeddingDim: flags.embed ?? 64,
      vocabularies: { tokens, labels },
      crf: crfOption(flags.crf),
    });
  },
  encode: (model, records) => {
    const ids = tokenIds(model);
    const tagIds = new Map(vocabularyOf(model, 'labels').map((t, i) => [t, i]));
    return records.map((r) => ({ tokens: ids(r.tokens), tags: r.tags.map((t) => tagIds.get(t) ?? -1), names: r.tags }));
  },
  trainingTask: (model, examples, batch) => model.trainingTask(examples, batch),
  evaluate: async (model, examples) => {
    const labels = vocabularyOf(model, 'labels');
    const predicted = (await inSlices(examples, SLICE, (slice) => model.predict(slice.map((e) => e.tokens)))).map((ids) =>
      ids.map((id) => labels[id]),
    );
    const gold = examples.map((e) => e.names);
    const accuracy = tokenAccuracy(predicted, gold);
    const bio = gold.every((tags) => tags.every((t) => BIO.test(t)));
    const f1 = bio ? entityF1(predicted, gold).f1 : null;
    const tokens = gold.reduce((n, tags) => n + tags.length, 0);
    return {
      metrics: { tokenAccuracy: accuracy, entityF1: f1, sentences: examples.length, tokens },
      text:
        `token accuracy ${percent(accuracy)}, ${f1 === null ? 'no entity F1 (the tags are not BIO chunks)' : `entity F1 ${percent(f1)}`} ` +
        `on ${examples.length} sentences (${tokens} tokens)`,
    };
  },
  predict: async (model, text) => {
    const ids = tokenIds(model);
    const labels = vocabularyOf(model, 'labels');
    const sentences = nonBlankLines(text).map((l) => ({ ...l, tokens: l.text.trim().split(/\s+/) }));
    const predicted = await inSlices(sentences, SLICE, (slice) => model.predict(slice.map((s) => ids(s.tokens))));
    return sentences.map((s, i) => {
      const tags = predicted[i].map((id) => labels[id]);
      return { line: s.line, input: s.text, prediction: tags, text: s.tokens.map((t, j) => `${t}/${tags[j]}`).join(' ') };
    });
  },
};

/** `train tag`, and evaluation and prediction of sequence taggers. */
export const tagTask = defineTask(spec);
