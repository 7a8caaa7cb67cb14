/**
 * `rnnkit train classify`: a {@link SequenceClassifier} from a CSV or TSV file with the
 * columns `text` and `label`, reading characters (default) or words; held-out accuracy
 * against the majority class. Predictions: one label per line of text.
 */
import { Option } from 'commander';
import { columnIndex, parseTable } from '../../data/readers/table.js';
import { FormatError } from '../../errors.js';
import type { Model } from '../../io/model-file.js';
import { type LabelledSequence, SequenceClassifier } from '../../models/sequence-classifier.js';
import { integer, readUtf8 } from '../common.js';
import { defineTask, inSlices, nonBlankLines, percent, type TaskSpec, tokenizerOfTexts, vocabularyOf } from './task.js';

/** A row of the data file. */
interface TextRecord {
  line: number;
  text: string;
  label: string;
}

/** A row as token ids; `label` is −1 for a class the model does not know (it then counts as an error). */
interface TextExample extends LabelledSequence {
  name: string;
}

const SLICE = 256;

const spec: TaskSpec<SequenceClassifier, TextRecord, TextExample> = {
  name: 'classify',
  modelType: 'sequence-classifier',
  holds: (m: Model): m is SequenceClassifier => m instanceof SequenceClassifier,
  description: 'train a sequence classifier on a CSV or TSV file of texts and their labels',
  dataHelp: 'CSV or TSV (by its extension) with a header naming the columns text and label',
  example: 'rnnkit train classify --data reviews.csv --out sentiment.safetensors --tokens word --epochs 5',
  unit: 'tokens',
  defaults: { cells: ['lstm', 'gru', 'rnn'], hidden: 64, lr: 5e-3 },
  split: 'random',
  options: (command) =>
    command
      .addOption(new Option('--tokens <kind>', 'read the text as characters or words').choices(['char', 'word']).default('char'))
      .option('--max-vocab <n>', 'word tokens: vocabulary size, specials included', integer(4), 10000)
      .option('--lowercase', 'word tokens: lowercase the text first')
      .option('--embed <n>', 'embedding size', integer(1), 32)
      .addOption(
        new Option('--pooling <kind>', 'one vector per text: final states, or mean or max over the steps')
          .choices(['last', 'mean', 'max'])
          .default('last'),
      ),
  read: async (path) => {
    const table = parseTable(await readUtf8(path), { source: path });
    const [text, label] = [columnIndex(table, 'text'), columnIndex(table, 'label')];
    if (table.rows.length === 0) throw new FormatError(`${path}: no example after the header`);
    return table.rows.map(({ line, fields }) => {
      if (fields[label].trim() === '') throw new FormatError(`${path}:${line}: the label is empty`);
      return { line, text: fields[text], label: fields[label] };
    });
  },
  build: (records, flags, encoder) => {
    const texts = records.map((r) => r.text);
    const tokenizer = tokenizerOfTexts(flags.tokens, texts, { maxVocab: flags.maxVocab ?? 10000, lowercase: flags.lowercase === true });
    const labels = [...new Set(records.map((r) => r.label))].sort();
    return SequenceClassifier.create({
      ...encoder,
      vocabSize: tokenizer.vocabSize,
      numClasses: labels.length,
      embeddingDim: flags.embed ?? 32,
      pooling: flags.pooling ?? 'last',
      vocabularies: { tokenizer, labels },
    });
  },
  encode: (model, records, source) => {
    const tokenizer = vocabularyOf(model, 'tokenizer');
    const ids = new Map(vocabularyOf(model, 'labels').map((name, i) => [name, i]));
    return records.map((r) => {
      const tokens = [...tokenizer.encode(r.text)];
      if (tokens.length === 0) throw new FormatError(`${source}:${r.line}: the text has no tokens`);
      return { tokens, label: ids.get(r.label) ?? -1, name: r.label };
    });
  },
  trainingTask: (model, examples, batch) => model.trainingTask(examples, batch),
  evaluate: async (model, examples, reference) => {
    const predicted = await inSlices(examples, SLICE, (slice) => model.predict(slice.map((e) => e.tokens)));
    const accuracy = predicted.filter((p, i) => p === examples[i].label).length / examples.length;
    const counts = new Map<string, number>();
    for (const e of reference) counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
    const majority = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    const baseline = examples.filter((e) => e.name === majority).length / examples.length;
    return {
      metrics: { accuracy, majorityBaseline: baseline, majorityClass: majority, examples: examples.length },
      text: `accuracy ${percent(accuracy)} on ${examples.length} examples (majority class "${majority}": ${percent(baseline)})`,
    };
  },
  predict: async (model, text, source) => {
    const tokenizer = vocabularyOf(model, 'tokenizer');
    const labels = vocabularyOf(model, 'labels');
    const lines = nonBlankLines(text).map((l) => {
      const tokens = [...tokenizer.encode(l.text)];
      if (tokens.length === 0) throw new FormatError(`${source}:${l.line}: the text has no tokens`);
      return { ...l, tokens };
    });
    const predicted = await inSlices(lines, SLICE, (slice) => model.predict(slice.map((l) => l.tokens)));
    return lines.map((l, i) => ({ line: l.line, input: l.text, prediction: labels[predicted[i]], text: labels[predicted[i]] }));
  },
};

/** `train classify`, and evaluation and prediction of sequence classifiers. */
export const classifyTask = defineTask(spec);
