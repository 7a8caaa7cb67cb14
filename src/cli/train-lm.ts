/**
 * `rnnkit train lm`: trains a language model on a text file with truncated BPTT, with
 * progress, checkpoints and resume, then reports validation bits per character and
 * perplexity and saves the model. {@link trainLanguageModel} is the whole procedure,
 * which `rnnkit demo` (npm start) runs too.
 */
import { type Command, Option } from 'commander';
import { currentBackend } from '../backend/select.js';
import { splitValidation } from '../data/stream.js';
import { CharTokenizer } from '../data/tokenizers/char.js';
import type { Tokenizer } from '../data/tokenizers/tokenizer.js';
import { WordTokenizer } from '../data/tokenizers/word.js';
import { FormatError, UsageError } from '../errors.js';
import { readFileBytes } from '../io/atomic-file.js';
import { loadCheckpoint, saveCheckpoint } from '../io/checkpoint.js';
import { saveModel } from '../io/model-file.js';
import { type Evaluation, LanguageModel, LANGUAGE_MODEL_DEFAULTS, type LanguageModelSettings } from '../models/language-model/language-model.js';
import { Adam, AdamW } from '../training/optim/adam.js';
import type { Optimizer } from '../training/optim/optimizer.js';
import { RMSprop } from '../training/optim/rmsprop.js';
import { SGD } from '../training/optim/sgd.js';
import { ConstantSchedule, CosineAnnealing, type LrSchedule, warmupThen } from '../training/schedules.js';
import { type Budget, type Progress, train, type TrainResult } from '../training/trainer.js';
import { type BackendFlags, formatDuration, integer, number, printJson, useBackend, withBackendOptions } from './common.js';
import { progressDisplay } from './progress.js';

/** Everything that defines a run (kept in checkpoints so that --resume continues it). */
export interface LanguageModelRun extends LanguageModelSettings {
  data: string;
  tokenizer: 'char' | 'word';
  maxVocab: number;
  lowercase: boolean;
  valFraction: number;
  batch: number;
  seqLen: number;
  optimizer: 'adam' | 'adamw' | 'sgd' | 'rmsprop';
  lr: number;
  weightDecay: number;
  momentum: number;
  schedule: 'constant' | 'cosine';
  warmup: number;
  clip: number;
  seed: number;
  skipNonFinite: boolean;
}

/** Defaults of a run. */
export const RUN_DEFAULTS: Omit<LanguageModelRun, 'data'> = {
  ...LANGUAGE_MODEL_DEFAULTS, tokenizer: 'char', maxVocab: 10000, lowercase: false, valFraction: 0.05,
  batch: 32, seqLen: 64, optimizer: 'adam', lr: 2e-3, weightDecay: 0, momentum: 0, schedule: 'constant', warmup: 0,
  clip: 5, seed: 1, skipNonFinite: false,
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
    tokenizer = run.tokenizer === 'word'
      ? WordTokenizer.fromText(text, { maxVocab: run.maxVocab, lowercase: run.lowercase })
      : CharTokenizer.fromText(text);
    model = await LanguageModel.create({ tokenizer, ...settingsOf(run), seed: run.seed });
  } else {
    tokenizer = model!.tokenizer;
  }
  model = model!;
  const ids = tokenizer.encode(text);
  const { train: trainIds, validation } = splitValidation(ids, run.valFraction);
  if (trainIds.length < run.batch * run.seqLen + 1) {
    throw new UsageError(`${run.data} gives ${trainIds.length} training tokens, too few for one batch of ` +
      `${run.batch} × ${run.seqLen} (lower --batch or --seq-len)`);
  }
  const task = model.train().trainingTask(trainIds, run.batch, run.seqLen);
  const optimizer = makeOptimizer(run, model);
  const training = await train(task, {
    optimizer,
    budget: options.budget,
    schedule: makeSchedule(run, options.budget, task.batchesPerEpoch),
    clipNorm: run.clip > 0 ? run.clip : undefined,
    skipNonFinite: run.skipNonFinite,
    ...(resume ? { resume } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.checkpointEvery ? { checkpointEvery: options.checkpointEvery } : {}),
    ...(options.checkpoint ? { onCheckpoint: (c) => saveCheckpoint(options.checkpoint!, model, c, run) } : {}),
  });
  model.eval();
  const evaluation = validation.length >= 2 ? model.evaluate(validation, { batch: run.batch, steps: run.seqLen }) : undefined;
  await saveModel(model, options.out);
  return { model, run, training, validation: evaluation };
}

function settingsOf(run: LanguageModelRun): LanguageModelSettings {
  return { cell: run.cell, embeddingDim: run.embeddingDim, hiddenSize: run.hiddenSize, numLayers: run.numLayers, dropout: run.dropout };
}

/** Reads a UTF-8 text file. @throws FormatError on bytes that are not UTF-8, UsageError on an empty file. */
export async function readText(path: string): Promise<string> {
  const bytes = await readFileBytes(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FormatError(`${path} is not UTF-8 text`);
  }
  if (text.length === 0) throw new UsageError(`${path} is empty`);
  return text;
}

function makeOptimizer(run: LanguageModelRun, model: LanguageModel): Optimizer {
  const params = model.parameters();
  const backend = currentBackend();
  switch (run.optimizer) {
    case 'adam': return new Adam(params, { lr: run.lr, weightDecay: run.weightDecay }, backend);
    case 'adamw': return new AdamW(params, { lr: run.lr, weightDecay: run.weightDecay }, backend);
    case 'sgd': return new SGD(params, { lr: run.lr, momentum: run.momentum, weightDecay: run.weightDecay }, backend);
    case 'rmsprop': return new RMSprop(params, { lr: run.lr, momentum: run.momentum, weightDecay: run.weightDecay }, backend);
  }
}

function makeSchedule(run: LanguageModelRun, budget: Budget, batchesPerEpoch: number): LrSchedule | undefined {
  if (run.schedule === 'constant' && run.warmup === 0) return undefined;
  let main: LrSchedule = new ConstantSchedule({ lr: run.lr });
  if (run.schedule === 'cosine') {
    const total = budget.steps ?? (budget.epochs !== undefined ? Math.ceil(budget.epochs * batchesPerEpoch) : undefined);
    if (total === undefined) throw new UsageError('--schedule cosine needs a budget in --steps or --epochs');
    main = new CosineAnnealing({ lr: run.lr, tMax: Math.max(1, total - run.warmup) });
  }
  return run.warmup > 0 ? warmupThen(main, { warmupSteps: run.warmup }) : main;
}

interface TrainLmFlags extends BackendFlags {
  data: string;
  out: string;
  cell: LanguageModelRun['cell'];
  hidden: number;
  layers: number;
  embed: number;
  dropout: number;
  tokenizer: LanguageModelRun['tokenizer'];
  maxVocab: number;
  lowercase?: boolean;
  valFraction: number;
  seqLen: number;
  batch: number;
  optimizer: LanguageModelRun['optimizer'];
  lr: number;
  weightDecay: number;
  momentum: number;
  schedule: LanguageModelRun['schedule'];
  warmup: number;
  clip: number;
  steps?: number;
  epochs?: number;
  time?: number;
  seed: number;
  checkpoint?: string;
  checkpointEvery?: number;
  resume?: string;
  skipNonfinite?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** Registers `train lm` on the `train` command. */
export function registerTrainLm(trainCommand: Command): void {
  const d = RUN_DEFAULTS;
  const command = trainCommand.command('lm')
    .description('train a character- or word-level language model on a text file')
    .requiredOption('--data <file>', 'UTF-8 text to learn from')
    .requiredOption('--out <model>', 'where to save the model (.safetensors)')
    .addOption(new Option('--cell <kind>', 'recurrent cell').choices(['lstm', 'gru', 'rnn']).default(d.cell))
    .option('--hidden <n>', 'hidden units per layer', integer(1), d.hiddenSize)
    .option('--layers <n>', 'stacked recurrent layers', integer(1), d.numLayers)
    .option('--embed <n>', 'embedding size', integer(1), d.embeddingDim)
    .option('--dropout <p>', 'dropout between recurrent layers', number(0, 0.99), d.dropout)
    .addOption(new Option('--tokenizer <kind>', 'tokens').choices(['char', 'word']).default(d.tokenizer))
    .option('--max-vocab <n>', 'word tokenizer: vocabulary size, specials included', integer(4), d.maxVocab)
    .option('--lowercase', 'word tokenizer: lowercase the text first')
    .option('--val-fraction <f>', 'fraction of the text (its end) held out for validation', number(0, 0.5), d.valFraction)
    .option('--seq-len <n>', 'time steps per batch (truncated BPTT length)', integer(1), d.seqLen)
    .option('--batch <n>', 'parallel streams per batch', integer(1), d.batch)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices(['adam', 'adamw', 'sgd', 'rmsprop']).default(d.optimizer))
    .option('--lr <x>', 'learning rate', number(0, Infinity, true), d.lr)
    .option('--weight-decay <x>', 'weight decay', number(0), d.weightDecay)
    .option('--momentum <x>', 'momentum (sgd, rmsprop)', number(0, 1), d.momentum)
    .addOption(new Option('--schedule <kind>', 'learning-rate schedule').choices(['constant', 'cosine']).default(d.schedule))
    .option('--warmup <steps>', 'linear learning-rate warm-up steps', integer(0), d.warmup)
    .option('--clip <x>', 'clip gradients to this global norm (0: off)', number(0), d.clip)
    .option('--steps <n>', 'budget: training steps', integer(1))
    .option('--epochs <n>', 'budget: passes over the data (default 1 when no budget is given)', number(0, Infinity, true))
    .option('--time <seconds>', 'budget: wall-clock seconds', number(0, Infinity, true))
    .option('--seed <n>', 'seed of initialisation, dropout and batching', integer(0), d.seed)
    .option('--checkpoint <file>', 'checkpoint file (default: <out>.ckpt)')
    .option('--checkpoint-every <steps>', 'also checkpoint every this many steps', integer(1))
    .option('--resume <checkpoint>', 'continue the run saved in this checkpoint')
    .option('--skip-nonfinite', 'skip batches with a non-finite loss or gradient instead of stopping')
    .option('--json', 'print one JSON object with the results')
    .option('--quiet', 'no progress output')
    .addHelpText('after', '\nExample:\n  $ rnnkit train lm --data data/moby-dick.txt --out moby.safetensors --hidden 256 --time 300');
  withBackendOptions(command).action(async (flags: TrainLmFlags) => {
    await useBackend(flags);
    const budget: Budget = {};
    if (flags.steps !== undefined) budget.steps = flags.steps;
    if (flags.epochs !== undefined) budget.epochs = flags.epochs;
    if (flags.time !== undefined) budget.seconds = flags.time;
    if (flags.steps === undefined && flags.epochs === undefined && flags.time === undefined) budget.epochs = 1;
    const display = progressDisplay(flags.json === true || flags.quiet === true);
    const result = await trainLanguageModel({
      run: runFromFlags(flags),
      budget,
      out: flags.out,
      checkpoint: flags.checkpoint ?? `${flags.out}.ckpt`,
      ...(flags.checkpointEvery ? { checkpointEvery: flags.checkpointEvery } : {}),
      ...(flags.resume ? { resume: flags.resume } : {}),
      onProgress: (p) => display.update(p),
    }).finally(() => display.stop());
    report(result, flags);
  });
}

function runFromFlags(f: TrainLmFlags): LanguageModelRun {
  return {
    data: f.data, cell: f.cell, hiddenSize: f.hidden, numLayers: f.layers, embeddingDim: f.embed, dropout: f.dropout,
    tokenizer: f.tokenizer, maxVocab: f.maxVocab, lowercase: f.lowercase === true, valFraction: f.valFraction,
    batch: f.batch, seqLen: f.seqLen, optimizer: f.optimizer, lr: f.lr, weightDecay: f.weightDecay, momentum: f.momentum,
    schedule: f.schedule, warmup: f.warmup, clip: f.clip, seed: f.seed, skipNonFinite: f.skipNonfinite === true,
  };
}

function report({ training: t, validation: v }: TrainLanguageModelResult, flags: TrainLmFlags): void {
  const summary = {
    model: flags.out,
    steps: t.steps,
    epochs: Number(t.epochs.toFixed(4)),
    tokens: t.tokens,
    seconds: Number(t.seconds.toFixed(2)),
    tokensPerSecond: Math.round(t.tokens / Math.max(t.seconds, 1e-9)),
    trainLoss: t.loss,
    skipped: t.skipped,
    validation: v === undefined ? null : { loss: v.loss, bitsPerChar: v.bitsPerChar, perplexity: v.perplexity, tokens: v.tokens },
  };
  if (flags.json) {
    printJson(summary);
    return;
  }
  process.stdout.write(`trained ${t.steps} steps (${summary.epochs} epochs, ${t.tokens.toLocaleString('en-US')} tokens) ` +
    `in ${formatDuration(t.seconds)}, ${summary.tokensPerSecond.toLocaleString('en-US')} tokens/s; train loss ${t.loss.toFixed(4)}\n`);
  if (v !== undefined) {
    process.stdout.write(`validation: ${v.bitsPerChar.toFixed(4)} bits/char, perplexity ${v.perplexity.toFixed(3)} ` +
      `(${v.tokens.toLocaleString('en-US')} tokens)\n`);
  }
  process.stdout.write(`model saved to ${flags.out}\n`);
}
