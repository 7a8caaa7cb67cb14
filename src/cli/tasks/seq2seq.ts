/**
 * `rnnkit train seq2seq`: a {@link Seq2Seq} encoder–decoder from TSV pairs (`source<TAB>target`
 * per line), each side read as characters or white-space-separated words; held-out exact
 * match and token error rate of greedy decoding. Predictions: the output text of each
 * input line (greedy, or beam search with `predict --beam N`).
 */
import { Option } from 'commander';
import type { Tokenizer } from '../../data/tokenizers/tokenizer.js';
import { splitWords } from '../../data/tokenizers/word.js';
import { FormatError } from '../../errors.js';
import type { Model } from '../../io/model-file.js';
import { Seq2Seq, type SequencePair } from '../../models/seq2seq/seq2seq.js';
import { editDistance } from '../../training/metrics.js';
import { integer, number, readUtf8 } from '../common.js';
import { defineTask, inSlices, nonBlankLines, percent, type TaskSpec, tokenizerOfTexts, vocabularyOf } from './task.js';

/** A line of a pairs file. */
interface PairLine {
  line: number;
  source: string;
  target: string;
}

/** A pair as ids, with the target's tokens as text (for scoring). */
interface PairExample extends SequencePair {
  expected: string[];
}

const SLICE = 256;
/** Longest output, in tokens, the end token included. */
const MAX_OUTPUT = 200;

/** The tokens of a text as `tokenizer` splits it, as text. */
function tokensOf(tokenizer: Tokenizer, text: string): string[] {
  return tokenizer.kind === 'word' ? splitWords(text) : [...text];
}

/** Source ids of a line. @throws FormatError naming the line when it has no token. */
function sourceIds(model: Seq2Seq, text: string, where: string): number[] {
  const ids = [...vocabularyOf(model, 'tokenizer').encode(text)];
  if (ids.length === 0) throw new FormatError(`${where}: the source has no tokens`);
  return ids;
}

const spec: TaskSpec<Seq2Seq, PairLine, PairExample> = {
  name: 'seq2seq',
  modelType: 'seq2seq',
  holds: (m: Model): m is Seq2Seq => m instanceof Seq2Seq,
  description: 'train an encoder–decoder (spelling → pronunciation, one phrasing → another, …) on TSV pairs',
  dataHelp: 'TSV pairs: source<TAB>target on each line (no header)',
  example: 'rnnkit train seq2seq --data words.tsv --out g2p.safetensors --target-tokens word --time 300',
  unit: 'tokens',
  defaults: { cells: ['lstm', 'gru', 'rnn'], hidden: 128, lr: 3e-3 },
  split: 'random',
  options: (command) =>
    command
      .addOption(new Option('--source-tokens <kind>', 'read sources as characters or words').choices(['char', 'word']).default('char'))
      .addOption(new Option('--target-tokens <kind>', 'read targets as characters or words').choices(['char', 'word']).default('char'))
      .option('--embed <n>', 'embedding size', integer(1), 64)
      .addOption(
        new Option('--context <kind>', 'what the decoder gets: the final state, a learned transform of it, or attention')
          .choices(['attention', 'final', 'transform'])
          .default('attention'),
      )
      .addOption(
        new Option('--context-use <kind>', "final/transform: the decoder's initial state, or its input at every step")
          .choices(['initial-state', 'every-step'])
          .default('initial-state'),
      )
      .addOption(
        new Option('--attention <kind>', 'attention score: Bahdanau (additive) or Luong (dot, general)')
          .choices(['additive', 'dot', 'general'])
          .default('additive'),
      )
      .option('--teacher-forcing <p>', 'probability of feeding the true previous token in training', number(0, 1), 1),
  read: async (path) => {
    const pairs = nonBlankLines(await readUtf8(path)).map(({ line, text }) => {
      const tab = text.indexOf('\t');
      if (tab < 0) throw new FormatError(`${path}:${line}: expected source<TAB>target, found no tab`);
      const source = text.slice(0, tab);
      const target = text.slice(tab + 1);
      if (source.trim() === '') throw new FormatError(`${path}:${line}: the source is empty`);
      if (target.includes('\t')) throw new FormatError(`${path}:${line}: expected one tab, found more`);
      return { line, source, target };
    });
    if (pairs.length === 0) throw new FormatError(`${path}: no pair`);
    return pairs;
  },
  build: (records, flags, encoder) => {
    // Word vocabularies keep every distinct word: an output word the model cannot write is an error it cannot learn.
    const tokenizer = tokenizerOfTexts(
      flags.sourceTokens,
      records.map((r) => r.source),
      { maxVocab: Infinity },
    );
    const outputTokenizer = tokenizerOfTexts(
      flags.targetTokens,
      records.map((r) => r.target),
      { maxVocab: Infinity },
    );
    const V = outputTokenizer.vocabSize;
    return Seq2Seq.create({
      ...encoder,
      sourceVocabSize: tokenizer.vocabSize,
      targetVocabSize: V + 2,
      begin: V,
      end: V + 1,
      embeddingDim: flags.embed ?? 64,
      attentionSize: encoder.hiddenSize ?? 128,
      context: flags.context ?? 'attention',
      contextUse: flags.contextUse ?? 'initial-state',
      attention: flags.attention ?? 'additive',
      teacherForcing: flags.teacherForcing ?? 1,
      vocabularies: { tokenizer, outputTokenizer },
    });
  },
  encode: (model, records, source) => {
    const output = vocabularyOf(model, 'outputTokenizer');
    return records.map((r) => ({
      source: sourceIds(model, r.source, `${source}:${r.line}`),
      target: [...output.encode(r.target)],
      expected: tokensOf(output, r.target),
    }));
  },
  trainingTask: (model, examples, batch) => model.trainingTask(examples, batch),
  evaluate: async (model, examples) => {
    const output = vocabularyOf(model, 'outputTokenizer');
    const decoded = await inSlices(examples, SLICE, (slice) =>
      model.greedy(
        slice.map((e) => e.source),
        { maxLength: MAX_OUTPUT },
      ),
    );
    let exact = 0;
    let errors = 0;
    let total = 0;
    decoded.forEach((d, i) => {
      const said = d.tokens.map((id) => output.tokenText(id));
      const expected = examples[i].expected;
      const distance = editDistance(said, expected);
      if (distance === 0) exact++;
      errors += distance;
      total += expected.length;
    });
    const tokenErrorRate = total === 0 ? null : errors / total;
    return {
      metrics: { exactMatch: exact / examples.length, tokenErrorRate, examples: examples.length },
      text:
        `exact match ${percent(exact / examples.length)}, token error rate ${tokenErrorRate === null ? '–' : percent(tokenErrorRate)} ` +
        `on ${examples.length} pairs (greedy)`,
    };
  },
  predict: async (model, text, source, flags) => {
    const output = vocabularyOf(model, 'outputTokenizer');
    const lines = nonBlankLines(text).map((l) => ({ ...l, ids: sourceIds(model, l.text, `${source}:${l.line}`) }));
    const beam = flags.beam ?? 1;
    const outputs =
      beam > 1
        ? await inSlices(lines, 1, async ([l]) => [(await model.beamSearch(l.ids, { beamWidth: beam, maxLength: MAX_OUTPUT }))[0].tokens])
        : (
            await inSlices(lines, SLICE, (slice) =>
              model.greedy(
                slice.map((l) => l.ids),
                { maxLength: MAX_OUTPUT },
              ),
            )
          ).map((d) => d.tokens);
    return lines.map((l, i) => {
      const prediction = output.decode(outputs[i]);
      return { line: l.line, input: l.text, prediction, text: prediction };
    });
  },
};

/** `train seq2seq`, and evaluation and prediction of encoder–decoders. */
export const seq2seqTask = defineTask(spec);
