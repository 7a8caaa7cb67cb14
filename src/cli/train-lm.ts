/**
 * `rnnkit train lm`: trains a language model on a text file with truncated BPTT, with
 * progress, checkpoints and resume, then reports validation bits per character and
 * perplexity and saves the model. {@link trainLanguageModel} is the whole procedure,
 * which `rnnkit demo` (npm start) runs too.
 */
import { type Command, Option } from 'commander';
import { CharTokenizer } from '../data/tokenizers/char.js';
import type { Tokenizer } from '../data/tokenizers/tokenizer.js';
import { WordTokenizer } from '../data/tokenizers/word.js';
import { UsageError } from '../errors.js';
import { loadCheckpoint, saveCheckpoint } from '../io/checkpoint.js';
import { saveModel } from '../io/model-file.js';
import { variantOptions } from '../layers/recurrent/options.js';
import {
  type Evaluation,
  LanguageModel,
  splitForTraining,
  LANGUAGE_MODEL_DEFAULTS,
  LANGUAGE_MODEL_TRAINING_DEFAULTS,
  type LanguageModelOptions,
  type LanguageModelSettings,
  type LanguageModelTraining,
} from '../models/language-model/language-model.js';
import type { Budget, Progress, TrainResult } from '../training/trainer.js';
import { integer, printJson, readText, useBackend } from './common.js';
import { finiteEvaluation } from './eval.js';
import {
  budgetOf,
  cellVariantOf,
  optimizationOf,
  runTraining,
  type TrainingFlags,
  trainingLine,
  trainingSummary,
  withProgress,
  withTrainingOptions,
} from './training.js';

/** Everything that defines a run (kept in checkpoints so that --resume continues it). */
export interface LanguageModelRun extends LanguageModelSettings, LanguageModelTraining {
  data: string;
  tokenizer: 'char' | 'word';
  maxVocab: number;
  lowercase: boolean;
}

/** Defaults of a run. */
export const RUN_DEFAULTS: Omit<LanguageModelRun, 'data'> = {
  ...LANGUAGE_MODEL_DEFAULTS,
  ...LANGUAGE_MODEL_TRAINING_DEFAULTS,
  tokenizer: 'char',
  maxVocab: 10000,
  lowercase: false,
};

/** Hooks and outputs of {@link trainLanguageModel}. */
export interface TrainLanguageModelOptions {
  run: LanguageModelRun;
  budget: Budget;
  out: string;
  /** Checkpoint file; written every `checkpointEvery` steps and at the end. */
  checkpoint?: string;
  checkpointEvery?: number;
  /** Continue from this checkpoint (its run settings replace `run`, except the data path). */
  resume?: string;
  onProgress?: (p: Progress) => void;
}

/** What a finished run reports. */
export interface TrainLanguageModelResult {
  model: LanguageModel;
  run: LanguageModelRun;
  training: TrainResult;
  validation: Evaluation | undefined;
}

/** Trains (or resumes) a language model, evaluates it on the validation split and saves it. */
export async function trainLanguageModel(options: TrainLanguageModelOptions): Promise<TrainLanguageModelResult> {
  let run = options.run;
  let model: LanguageModel;
  let resume;
  if (options.resume !== undefined) {
    const loaded = await loadCheckpoint<LanguageModelRun, 'language-model'>(options.resume, { type: 'language-model' });
    run = { ...loaded.settings, data: options.run.data };
    model = loaded.model;
    resume = loaded.trainer;
  }
  const text = await readText(run.data);
  let tokenizer: Tokenizer;
  if (resume === undefined) {
    tokenizer =
      run.tokenizer === 'word'
        ? WordTokenizer.fromText(text, { maxVocab: run.maxVocab, lowercase: run.lowercase })
        : CharTokenizer.fromText(text);
    model = await LanguageModel.create({ tokenizer, ...settingsOf(run), seed: run.seed });
  } else {
    tokenizer = model!.tokenizer;
  }
  model = model!;
  const ids = tokenizer.encode(text);
  const { train: trainIds, validation } = splitForTraining(ids, run, run.data);
  const task = model.train().trainingTask(trainIds, run.batch, run.seqLen);
  const training = await runTraining(task, model.parameters(), run, options.budget, {
    ...(resume ? { resume } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.checkpointEvery ? { checkpointEvery: options.checkpointEvery } : {}),
    ...(options.checkpoint ? { onCheckpoint: (c) => saveCheckpoint(options.checkpoint!, model, c, run) } : {}),
  });
  model.eval();
  const evaluation = validation.length >= 2 ? model.evaluate(validation, { batch: run.batch, steps: run.seqLen }) : undefined;
  await saveModel(model, options.out);
  if (evaluation !== undefined) finiteEvaluation(evaluation, `${options.out} (saved) on the validation text`);
  return { model, run, training, validation: evaluation };
}

function settingsOf(run: LanguageModelRun): Omit<LanguageModelOptions, 'tokenizer'> {
  return {
    cell: run.cell,
    embeddingDim: run.embeddingDim,
    hiddenSize: run.hiddenSize,
    numLayers: run.numLayers,
    dropout: run.dropout,
    ...variantOptions(run),
    ...(run.projSize !== undefined ? { projSize: run.projSize } : {}),
  };
}

interface TrainLmFlags extends TrainingFlags {
  data: string;
  embed: number;
  tokenizer: LanguageModelRun['tokenizer'];
  maxVocab: number;
  lowercase?: boolean;
  seqLen: number;
  projSize?: number;
}

/** Registers `train lm` on the `train` command. */
export function registerTrainLm(trainCommand: Command): void {
  const d = RUN_DEFAULTS;
  const command = trainCommand
    .command('lm')
    .description('train a character- or word-level language model on a text file')
    .requiredOption('--data <file>', 'UTF-8 text to learn from');
  withTrainingOptions(command, {
    cells: ['lstm', 'gru', 'rnn'],
    cell: d.cell,
    hidden: d.hiddenSize,
    layers: d.numLayers,
    dropout: d.dropout,
    valFraction: d.valFraction,
    batch: d.batch,
    lr: d.lr,
    seed: d.seed,
    batchHelp: 'parallel streams per batch',
    valFractionHelp: 'fraction of the text (its end) held out for validation',
  })
    .option('--embed <n>', 'embedding size', integer(1), d.embeddingDim)
    .addOption(new Option('--tokenizer <kind>', 'tokens').choices(['char', 'word']).default(d.tokenizer))
    .option('--max-vocab <n>', 'word tokenizer: vocabulary size, specials included', integer(4), d.maxVocab)
    .option('--lowercase', 'word tokenizer: lowercase the text first')
    .option('--seq-len <n>', 'time steps per batch (truncated BPTT length)', integer(1), d.seqLen)
    .option('--proj-size <n>', "LSTM: project the hidden state to n < --hidden features (LSTMP, PyTorch's proj_size)", integer(1))
    .addHelpText('after', '\nExample:\n  $ rnnkit train lm --data data/moby-dick.txt --out moby.safetensors --hidden 256 --time 300')
    .action(async (flags: TrainLmFlags) => {
      await useBackend(flags);
      const result = await withProgress(flags, (onProgress) =>
        trainLanguageModel({
          run: runFromFlags(flags),
          budget: budgetOf(flags),
          out: flags.out,
          checkpoint: flags.checkpoint ?? `${flags.out}.ckpt`,
          ...(flags.checkpointEvery ? { checkpointEvery: flags.checkpointEvery } : {}),
          ...(flags.resume ? { resume: flags.resume } : {}),
          onProgress,
        }),
      );
      report(result, flags);
    });
}

function runFromFlags(f: TrainLmFlags): LanguageModelRun {
  return {
    data: f.data,
    cell: f.cell,
    ...cellVariantOf(f),
    ...projectionOf(f),
    hiddenSize: f.hidden,
    numLayers: f.layers,
    embeddingDim: f.embed,
    dropout: f.dropout,
    tokenizer: f.tokenizer,
    maxVocab: f.maxVocab,
    lowercase: f.lowercase === true,
    valFraction: f.valFraction,
    batch: f.batch,
    seqLen: f.seqLen,
    seed: f.seed,
    ...optimizationOf(f),
  };
}

function report({ training, validation: v }: TrainLanguageModelResult, flags: TrainLmFlags): void {
  const summary = trainingSummary(flags.out, training);
  const validation = v === undefined ? null : { loss: v.loss, bitsPerChar: v.bitsPerChar, perplexity: v.perplexity, tokens: v.tokens };
  if (flags.json) {
    printJson({ ...summary, validation });
    return;
  }
  process.stdout.write(`${trainingLine(summary)}\n`);
  if (v !== undefined) {
    process.stdout.write(
      `validation: ${v.bitsPerChar.toFixed(4)} bits/char, perplexity ${v.perplexity.toFixed(3)} ` +
        `(${v.tokens.toLocaleString('en-US')} tokens)\n`,
    );
  }
  process.stdout.write(`model saved to ${flags.out}\n`);
}

/** The projection `--proj-size` asks for. @throws UsageError for another cell than LSTM or a size not below --hidden. */
function projectionOf(f: TrainLmFlags): { projSize?: number } {
  if (f.projSize === undefined) return {};
  if (f.cell !== 'lstm') throw new UsageError(`--proj-size applies to --cell lstm, not --cell ${f.cell}`);
  if (f.projSize >= f.hidden) throw new UsageError(`--proj-size must be below --hidden (${f.hidden}), got ${f.projSize}`);
  return { projSize: f.projSize };
}
