/**
 * `rnnkit train ctc`: a {@link CTCModel} from JSON Lines of feature frames and their
 * label strings (one label per character), no alignment needed; held-out character error
 * rate of greedy decoding. Predictions: the decoded string of each line's frames.
 */
import { type FramesLine, parseFrameLines } from '../../data/readers/frames.js';
import { padSequences, type Sequence } from '../../data/sequences.js';
import { FormatError, UsageError } from '../../errors.js';
import type { Model } from '../../io/model-file.js';
import { type CTCExample, CTCModel } from '../../models/ctc-model.js';
import { errorRate } from '../../training/metrics.js';
import { readUtf8 } from '../common.js';
import { defineTask, inSlices, percent, type TaskSpec, vocabularyOf } from './task.js';

/** An example with its target string (characters the model does not know are −1 in `labels`, never trained on). */
interface TranscribedExample extends CTCExample {
  target: string;
}

const SLICE = 128;

/** Frame lines of `text`, checked against the model's features when there is one. */
function frameLines(text: string, source: string, requireTarget: boolean, model: CTCModel | undefined): FramesLine[] {
  const { examples, features } = parseFrameLines(text, source, requireTarget);
  if (model !== undefined && features !== model.settings.inputSize) {
    throw new FormatError(`${source}: frames have ${features} features, the model reads ${model.settings.inputSize}`);
  }
  return examples;
}

/** Greedy decoding of frame sequences into strings of the model's labels. */
async function transcribe(model: CTCModel, frames: readonly Sequence[]): Promise<string[]> {
  const labels = vocabularyOf(model, 'labels');
  return inSlices(frames, SLICE, async (slice) => {
    const { x, lengths } = padSequences(slice, model.settings.inputSize);
    return (await model.decode(x, lengths)).map((ids) => ids.map((id) => labels[id]).join(''));
  });
}

const spec: TaskSpec<CTCModel, FramesLine, TranscribedExample> = {
  name: 'ctc',
  modelType: 'ctc-model',
  holds: (m: Model): m is CTCModel => m instanceof CTCModel,
  description: 'train a CTC recogniser on JSON Lines of feature frames and their label strings',
  dataHelp: 'JSON Lines: {"input": [[…features], …frames], "target": "label string"} per line',
  example: 'rnnkit train ctc --data strips.jsonl --out reader.safetensors --hidden 96 --time 120',
  unit: 'frames',
  defaults: { cells: ['lstm', 'gru'], hidden: 64, lr: 1e-2 },
  split: 'random',
  options: (command) => command,
  read: async (path, _flags, model) => frameLines(await readUtf8(path), path, true, model),
  build: (records, _flags, encoder) => {
    const labels = [...new Set(records.flatMap((r) => [...r.target!]))].sort();
    if (labels.length === 0) throw new UsageError('the training targets hold no character to learn');
    const first = records[0].frames;
    return CTCModel.create({
      ...encoder,
      cell: encoder.cell === 'gru' ? 'gru' : 'lstm',
      inputSize: first.data.length / first.steps,
      numLabels: labels.length,
      vocabularies: { labels },
    });
  },
  encode: (model, records) => {
    const ids = new Map(vocabularyOf(model, 'labels').map((c, i) => [c, i]));
    return records.map((r) => ({ frames: r.frames, labels: [...r.target!].map((c) => ids.get(c) ?? -1), target: r.target! }));
  },
  trainingTask: (model, examples, batch) => model.trainingTask(examples, batch),
  evaluate: async (model, examples) => {
    const predicted = await transcribe(
      model,
      examples.map((e) => e.frames),
    );
    const characters = examples.reduce((n, e) => n + [...e.target].length, 0);
    const cer =
      characters === 0
        ? null
        : errorRate(
            predicted.map((p) => [...p]),
            examples.map((e) => [...e.target]),
          );
    const exact = predicted.filter((p, i) => p === examples[i].target).length / examples.length;
    return {
      metrics: { characterErrorRate: cer, exactMatch: exact, examples: examples.length },
      text:
        `character error rate ${cer === null ? '— (empty targets)' : percent(cer)} on ${examples.length} examples ` +
        `(${percent(exact)} read exactly)`,
    };
  },
  predict: async (model, text, source) => {
    const lines = frameLines(text, source, false, model);
    const predicted = await transcribe(
      model,
      lines.map((l) => l.frames),
    );
    return lines.map((l, i) => ({ line: l.line, prediction: predicted[i], text: predicted[i] }));
  },
};

/** `train ctc`, and evaluation and prediction of CTC models. */
export const ctcTask = defineTask(spec);
