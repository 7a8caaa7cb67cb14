/**
 * A task of the CLI: one kind of sequence model trained from ordinary files. A
 * {@link TaskSpec} says how its files become examples, how a model is built for them,
 * trained, scored on held-out data and asked for predictions; {@link defineTask} turns it
 * into the `train <name>` subcommand and into what `eval` and `predict` call for its model
 * files. A new task is one spec (a file beside this one), its flags added to {@link TaskFlags}
 * (the parsed options are shared by every task's commands), and one line in index.ts.
 */
import type { Command } from 'commander';
import { CharTokenizer } from '../../data/tokenizers/char.js';
import type { Tokenizer } from '../../data/tokenizers/tokenizer.js';
import { WordTokenizer, type WordTokenizerOptions } from '../../data/tokenizers/word.js';
import { FormatError, UsageError } from '../../errors.js';
import { loadCheckpoint, saveCheckpoint } from '../../io/checkpoint.js';
import { type Model, type ModelType, saveModel } from '../../io/model-file.js';
import type { AttentionKind, ContextKind, ContextUse } from '../../models/seq2seq/seq2seq.js';
import type { EncoderOptions, SequencePooling, Vocabularies } from '../../models/sequence-model.js';
import { Random } from '../../random.js';
import type { TrainerCheckpoint, TrainingTask } from '../../training/trainer.js';
import { printJson, useBackend } from '../common.js';
import {
  budgetOf,
  cellVariantOf,
  optimizationOf,
  runTraining,
  type TrainingDefaults,
  type TrainingFlags,
  trainingLine,
  trainingSummary,
  withProgress,
  withTrainingOptions,
} from '../training.js';

/** The task options a `train`, `eval` or `predict` command may have parsed; each task reads its own. */
export interface TaskFlags {
  /** classify: character or word tokens. */
  tokens?: 'char' | 'word';
  /** classify (word tokens): vocabulary size, specials included. */
  maxVocab?: number;
  /** classify (word tokens): lowercase the text first. */
  lowercase?: boolean;
  /** tag: fewest occurrences of a word to get its own embedding. */
  minCount?: number;
  /** tag: a CRF output layer and its transition constraints. */
  crf?: 'auto' | 'bio' | 'bioes' | 'none';
  /** classify, tag: embedding size. */
  embed?: number;
  /** classify, forecast: how a sequence becomes one vector. */
  pooling?: SequencePooling;
  /** forecast: the CSV column of the series. */
  column?: string;
  /** forecast: past values per window. */
  window?: number;
  /** forecast: steps from a window's last value to the predicted one. */
  horizon?: number;
  /** seq2seq: sources and targets read as characters or words. */
  sourceTokens?: 'char' | 'word';
  targetTokens?: 'char' | 'word';
  /** seq2seq: the context choice, where a fixed one enters, and the attention score. */
  context?: ContextKind;
  contextUse?: ContextUse;
  attention?: AttentionKind;
  /** seq2seq: probability of feeding the true previous token in training. */
  teacherForcing?: number;
  /** seq2seq predictions: beam width (1: greedy). */
  beam?: number;
}

/** What `train <task>` parses. */
export interface TrainTaskFlags extends TrainingFlags, TaskFlags {
  data: string;
  /** `--no-bidirectional` sets it false. */
  bidirectional: boolean;
}

/** Held-out quality: named numbers (and names) for --json, and one line for people. */
export interface Quality {
  metrics: Record<string, number | string | null>;
  text: string;
}

/** One prediction: the 1-based line of its input, the input when it is text, the prediction, and the line printed. */
export interface Prediction {
  line: number;
  input?: string;
  prediction: string | number | string[];
  text: string;
}

/** How one kind of model is trained from files, evaluated and asked for predictions. */
export interface TaskSpec<M extends Model, R extends { line: number }, E> {
  /** The `train` subcommand. */
  name: string;
  /** The type of the model files it writes. */
  modelType: ModelType;
  holds(model: Model): model is M;
  /** `train <name> --help`: what it trains, what `--data` holds, an example command. */
  description: string;
  dataHelp: string;
  example: string;
  /** What the loop's tokens count (`tokens`, `frames`, `steps`). */
  unit: string;
  /** Its defaults of the shared options. */
  defaults: Pick<TrainingDefaults, 'cells' | 'hidden' | 'lr'>;
  /** How the validation records are chosen: a seeded random draw, or the last ones (time series). */
  split: 'random' | 'last';
  /** Adds the task's own `train` options. */
  options(command: Command): Command;
  /** The labelled records of a data file, for a new model (`model` undefined) or for `model`. */
  read(path: string, flags: TaskFlags, model: M | undefined): Promise<R[]>;
  /** A new model for the training records, with its vocabularies; `encoder` holds the shared options. */
  build(records: readonly R[], flags: TaskFlags, encoder: EncoderOptions): M | Promise<M>;
  /** Records as examples, encoded with the model's vocabularies. */
  encode(model: M, records: readonly R[], source: string): E[];
  trainingTask(model: M, examples: readonly E[], batch: number): Promise<TrainingTask>;
  /** Quality on `examples`; baselines come from `reference` (the training examples, or the same ones). */
  evaluate(model: M, examples: readonly E[], reference: readonly E[]): Promise<Quality>;
  /** Predictions on unlabelled input text (a file's, `--text`'s or stdin's). */
  predict(model: M, text: string, source: string, flags: TaskFlags): Promise<Prediction[]>;
}

/** A task with its model type erased, as the commands use it. */
export interface Task {
  name: string;
  modelType: ModelType;
  /** Adds `train <name>` to the `train` command. */
  register(trainCommand: Command): void;
  /** Quality of `model` (of this task's type) on a labelled data file. */
  evaluate(model: Model, path: string, flags: TaskFlags): Promise<Quality>;
  /** Predictions of `model` (of this task's type) on unlabelled input. */
  predict(model: Model, text: string, source: string, flags: TaskFlags): Promise<Prediction[]>;
}

/** The command-side form of a task spec. */
export function defineTask<M extends Model, R extends { line: number }, E>(spec: TaskSpec<M, R, E>): Task {
  const typed = (model: Model): M => {
    if (!spec.holds(model)) throw new UsageError(`expected a ${spec.modelType} model`);
    return model;
  };
  return {
    name: spec.name,
    modelType: spec.modelType,
    register: (trainCommand) => {
      const command = trainCommand.command(spec.name).description(spec.description).requiredOption('--data <file>', spec.dataHelp);
      withTrainingOptions(command, {
        ...spec.defaults,
        cell: spec.defaults.cells[0],
        layers: 1,
        dropout: 0,
        valFraction: 0.1,
        batch: 32,
        seed: 1,
        batchHelp: 'examples per batch',
        valFractionHelp:
          spec.split === 'last'
            ? 'fraction of the windows (the last ones) held out for validation'
            : 'fraction of the examples (drawn with the seed) held out for validation',
      }).option('--no-bidirectional', 'read each sequence forwards only');
      spec
        .options(command)
        .addHelpText('after', `\nExample:\n  $ ${spec.example}`)
        .action((flags: TrainTaskFlags) => trainTask(spec, flags));
    },
    evaluate: async (model, path, flags) => {
      const m = typed(model);
      m.eval();
      const examples = spec.encode(m, await spec.read(path, flags, m), path);
      return spec.evaluate(m, examples, examples);
    },
    predict: (model, text, source, flags) => {
      const m = typed(model);
      m.eval();
      return spec.predict(m, text, source, flags);
    },
  };
}

/** The flags of one invocation; a resumed run takes every other flag from its checkpoint. */
const INVOCATION_FLAGS = [
  'data',
  'out',
  'checkpoint',
  'checkpointEvery',
  'resume',
  'steps',
  'epochs',
  'time',
  'json',
  'quiet',
  'backend',
  'threads',
] as const;

/** What a task's checkpoint keeps of its run: the flags that define it, and how many training examples it had. */
interface TaskRun {
  flags: Omit<TrainTaskFlags, (typeof INVOCATION_FLAGS)[number]>;
  trainExamples: number;
}

/** The flags without those of the invocation. */
function runFlags(flags: TrainTaskFlags): TaskRun['flags'] {
  const copy: Partial<TrainTaskFlags> = { ...flags };
  for (const key of INVOCATION_FLAGS) delete copy[key];
  return copy as TaskRun['flags'];
}

/** The invocation's own flags over those of the run in a checkpoint. */
function resumedFlags(saved: TaskRun['flags'], given: TrainTaskFlags): TrainTaskFlags {
  const flags = { ...saved } as TrainTaskFlags;
  for (const key of INVOCATION_FLAGS) {
    if (given[key] !== undefined) Object.assign(flags, { [key]: given[key] });
  }
  return flags;
}

/**
 * Trains a new model, or with `--resume` continues the run of a checkpoint exactly (its
 * model, optimizer, generators and position in the shuffled batch order; its settings;
 * the budget given now), checkpointing every `--checkpoint-every` steps and at the end.
 */
async function trainTask<M extends Model, R extends { line: number }, E>(spec: TaskSpec<M, R, E>, given: TrainTaskFlags): Promise<void> {
  await useBackend(given);
  let flags = given;
  let resumed: { model: M; trainer: TrainerCheckpoint; trainExamples: number } | undefined;
  if (given.resume !== undefined) {
    const loaded = await loadCheckpoint<TaskRun>(given.resume, { type: spec.modelType });
    if (!spec.holds(loaded.model) || typeof loaded.settings?.trainExamples !== 'number') {
      throw new FormatError(`${given.resume} is not a checkpoint of rnnkit train ${spec.name}`);
    }
    flags = resumedFlags(loaded.settings.flags, given);
    resumed = { model: loaded.model, trainer: loaded.trainer, trainExamples: loaded.settings.trainExamples };
  }
  const records = await spec.read(flags.data, flags, resumed?.model);
  const { train, validation } = splitRecords(records, flags.valFraction, spec.split, flags.seed);
  if (resumed !== undefined && train.length !== resumed.trainExamples) {
    throw new FormatError(
      `${flags.data} gives ${train.length} training examples, the run in ${given.resume} had ${resumed.trainExamples}: ` +
        'resume with the data it was trained on',
    );
  }
  const model =
    resumed?.model ??
    (await spec.build(train, flags, {
      cell: flags.cell,
      ...cellVariantOf(flags),
      hiddenSize: flags.hidden,
      numLayers: flags.layers,
      dropout: flags.dropout,
      bidirectional: flags.bidirectional,
      seed: flags.seed,
    }));
  const trainExamples = spec.encode(model, train, flags.data);
  const heldOut = spec.encode(model, validation, flags.data);
  const task = await spec.trainingTask(model, trainExamples, flags.batch);
  const params = await model.parameters();
  const checkpoint = flags.checkpoint ?? `${flags.out}.ckpt`;
  const run: TaskRun = { flags: runFlags(flags), trainExamples: train.length };
  const training = await withProgress(flags, (onProgress) =>
    runTraining(task, params, optimizationOf(flags), budgetOf(flags), {
      onProgress,
      onCheckpoint: (c) => saveCheckpoint(checkpoint, model, c, run),
      ...(flags.checkpointEvery === undefined ? {} : { checkpointEvery: flags.checkpointEvery }),
      ...(resumed === undefined ? {} : { resume: resumed.trainer }),
    }),
  );
  model.eval();
  const quality = heldOut.length > 0 ? await spec.evaluate(model, heldOut, trainExamples) : undefined;
  await saveModel(model, flags.out);
  const summary = {
    ...trainingSummary(flags.out, training),
    modelType: spec.modelType,
    examples: { train: train.length, validation: validation.length },
  };
  if (flags.json) {
    printJson({ ...summary, validation: quality?.metrics ?? null });
    return;
  }
  process.stdout.write(`${trainingLine(summary, spec.unit)}\n`);
  process.stdout.write(
    quality === undefined ? 'validation: none (no example held out; raise --val-fraction)\n' : `validation: ${quality.text}\n`,
  );
  process.stdout.write(`model saved to ${flags.out}\n`);
}

/**
 * Splits records into training and validation: ⌊n·fraction⌋ held out, the last ones
 * (`last`) or drawn with `seed` (`random`, in their original order).
 * @throws UsageError when no training record is left.
 */
function splitRecords<R>(records: readonly R[], fraction: number, kind: 'random' | 'last', seed: number): { train: R[]; validation: R[] } {
  const held = Math.floor(records.length * fraction);
  if (records.length - held < 1) throw new UsageError('no training example is left after the validation split');
  if (kind === 'last') return { train: records.slice(0, records.length - held), validation: records.slice(records.length - held) };
  const chosen = new Set(new Random(seed).shuffle(records.map((_, i) => i)).slice(0, held));
  return { train: records.filter((_, i) => !chosen.has(i)), validation: records.filter((_, i) => chosen.has(i)) };
}

/** Applies `run` to `items` in slices of `size` and concatenates the results (bounded memory on large inputs). */
export async function inSlices<T, U>(items: readonly T[], size: number, run: (slice: T[]) => Promise<U[]>): Promise<U[]> {
  const out: U[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await run(items.slice(i, i + size))));
  return out;
}

/** The lines of a text with their 1-based numbers, blank ones left out. */
export function nonBlankLines(text: string): { line: number; text: string }[] {
  return text
    .split(/\r\n|\n|\r/)
    .map((t, i) => ({ line: i + 1, text: t }))
    .filter((l) => l.text.trim() !== '');
}

/** A tokenizer of `texts`: their characters, or their words (built with the `words` options). */
export function tokenizerOfTexts(kind: 'char' | 'word' | undefined, texts: readonly string[], words: WordTokenizerOptions = {}): Tokenizer {
  return kind === 'word' ? WordTokenizer.fromText(texts.join('\n'), words) : CharTokenizer.fromText(texts.join(''));
}

/** "12.34 %". */
export function percent(x: number): string {
  return `${(100 * x).toFixed(2)} %`;
}

/**
 * A vocabulary the model must carry to read or write text.
 * @throws UsageError when it was saved without it.
 */
export function vocabularyOf<K extends keyof Vocabularies>(
  model: { vocabularies: Readonly<Vocabularies> },
  key: K,
): NonNullable<Vocabularies[K]> {
  const value = model.vocabularies[key];
  if (value === undefined) {
    throw new UsageError(
      `the model carries no ${key}; rnnkit reads and writes text only with models saved with their vocabularies ` +
        '(as rnnkit train saves them)',
    );
  }
  return value;
}
