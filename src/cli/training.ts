/**
 * What every `train` subcommand shares: the options of the network, the optimizer and the
 * budget (with their parsers and defaults), the optimizer and schedule they ask for, the
 * run of the shared training loop, and the summary of a finished run.
 */
import { type Command, Option } from 'commander';
import { currentBackend } from '../backend/select.js';
import { UsageError } from '../errors.js';
import type { Parameter } from '../layers/parameters.js';
import type { CellKind, CellVariantSettings } from '../layers/recurrent/options.js';
import {
  type Optimization,
  OPTIMIZATION_DEFAULTS,
  OPTIMIZERS,
  type TrainingHooks,
  trainWithOptimization,
} from '../training/optimization.js';
import type { Budget, Progress, TrainingTask, TrainResult } from '../training/trainer.js';
import { formatDuration } from '../training/duration.js';
import { type BackendFlags, integer, number, withBackendOptions } from './common.js';
import { progressDisplay } from './progress.js';

/** The options every `train` subcommand takes, as commander parses them. */
export interface TrainingFlags extends BackendFlags {
  out: string;
  cell: CellKind;
  /** GRU: where the reset gate acts (undefined: not given, PyTorch's `reset-after`). */
  gruForm?: 'reset-after' | 'reset-before';
  /** LSTM: peephole connections. */
  peepholes?: boolean;
  hidden: number;
  layers: number;
  dropout: number;
  valFraction: number;
  batch: number;
  optimizer: Optimization['optimizer'];
  lr: number;
  weightDecay: number;
  momentum: number;
  schedule: Optimization['schedule'];
  warmup: number;
  clip: number;
  steps?: number;
  epochs?: number;
  time?: number;
  seed: number;
  skipNonfinite?: boolean;
  /** Checkpoint file (default `<out>.ckpt`), written every `checkpointEvery` steps and at the end. */
  checkpoint?: string;
  checkpointEvery?: number;
  /** Continue the run saved in this checkpoint. */
  resume?: string;
  json?: boolean;
  quiet?: boolean;
}

/** A command's defaults for the shared options, the cells it offers and the help of two options. */
export interface TrainingDefaults extends Pick<
  TrainingFlags,
  'cell' | 'hidden' | 'layers' | 'dropout' | 'valFraction' | 'batch' | 'lr' | 'seed'
> {
  cells: readonly CellKind[];
  /** What `--batch` counts (e.g. "parallel streams per batch"). */
  batchHelp: string;
  /** What `--val-fraction` holds out. */
  valFractionHelp: string;
}

/** Adds the shared options (`--out` first; `--data` and the command's own are added by the caller). */
export function withTrainingOptions(command: Command, d: TrainingDefaults): Command {
  const o = OPTIMIZATION_DEFAULTS;
  command
    .requiredOption('--out <model>', 'where to save the model (.safetensors)')
    .addOption(new Option('--cell <kind>', 'recurrent cell').choices([...d.cells]).default(d.cell))
    .addOption(
      new Option(
        '--gru-form <form>',
        'GRU: the reset gate after the recurrent product (PyTorch, cuDNN; default) or before it ' +
          "(Cho et al. 2014, Keras reset_after=False, TensorFlow.js, ONNX's default)",
      ).choices(['reset-after', 'reset-before']),
    )
    .option('--peepholes', 'LSTM: peephole connections from the cell state to the gates (Gers & Schmidhuber 2000)')
    .option('--hidden <n>', 'hidden units per layer (and direction)', integer(1), d.hidden)
    .option('--layers <n>', 'stacked recurrent layers', integer(1), d.layers)
    .option('--dropout <p>', 'dropout between recurrent layers', number(0, 0.99), d.dropout)
    .option('--val-fraction <f>', d.valFractionHelp, number(0, 0.5), d.valFraction)
    .option('--batch <n>', d.batchHelp, integer(1), d.batch)
    .addOption(new Option('--optimizer <name>', 'optimizer').choices([...OPTIMIZERS]).default(o.optimizer))
    .option('--lr <x>', 'learning rate', number(0, Infinity, true), d.lr)
    .option('--weight-decay <x>', 'weight decay', number(0), o.weightDecay)
    .option('--momentum <x>', 'momentum (sgd, rmsprop)', number(0, 1), o.momentum)
    .addOption(new Option('--schedule <kind>', 'learning-rate schedule').choices(['constant', 'cosine']).default(o.schedule))
    .option('--warmup <steps>', 'linear learning-rate warm-up steps', integer(0), o.warmup)
    .option('--clip <x>', 'clip gradients to this global norm (0: off)', number(0), o.clip)
    .option('--steps <n>', 'budget: training steps', integer(1))
    .option('--epochs <n>', 'budget: passes over the data (default 1 when no budget is given)', number(0, Infinity, true))
    .option('--time <seconds>', 'budget: wall-clock seconds', number(0, Infinity, true))
    .option('--seed <n>', 'seed of initialisation, dropout, batching and a drawn validation split', integer(0), d.seed)
    .option('--skip-nonfinite', 'skip batches with a non-finite loss or gradient instead of stopping')
    .option('--checkpoint <file>', 'checkpoint file (default: <out>.ckpt), written at the end')
    .option('--checkpoint-every <steps>', 'also checkpoint every this many steps', integer(1))
    .option('--resume <checkpoint>', 'continue the run saved in this checkpoint (its settings; the budget given now)')
    .option('--json', 'print one JSON object with the results')
    .option('--quiet', 'no progress output');
  return withBackendOptions(command);
}

/**
 * The cell's variant the flags ask for, in settings form (empty for PyTorch's forms).
 * @throws UsageError when `--gru-form` or `--peepholes` is given for another cell.
 */
export function cellVariantOf(flags: Pick<TrainingFlags, 'cell' | 'gruForm' | 'peepholes'>): CellVariantSettings {
  if (flags.gruForm !== undefined && flags.cell !== 'gru')
    throw new UsageError(`--gru-form applies to --cell gru, not --cell ${flags.cell}`);
  if (flags.peepholes === true && flags.cell !== 'lstm')
    throw new UsageError(`--peepholes applies to --cell lstm, not --cell ${flags.cell}`);
  return { ...(flags.gruForm === 'reset-before' ? { resetAfter: false } : {}), ...(flags.peepholes === true ? { peepholes: true } : {}) };
}

/** The budget the flags give: steps, epochs and/or seconds; one epoch when none is given. */
export function budgetOf(flags: TrainingFlags): Budget {
  const budget: Budget = {};
  if (flags.steps !== undefined) budget.steps = flags.steps;
  if (flags.epochs !== undefined) budget.epochs = flags.epochs;
  if (flags.time !== undefined) budget.seconds = flags.time;
  if (flags.steps === undefined && flags.epochs === undefined && flags.time === undefined) budget.epochs = 1;
  return budget;
}

/** The optimisation settings of the flags. */
export function optimizationOf(f: TrainingFlags): Optimization {
  return {
    optimizer: f.optimizer,
    lr: f.lr,
    weightDecay: f.weightDecay,
    momentum: f.momentum,
    schedule: f.schedule,
    warmup: f.warmup,
    clip: f.clip,
    skipNonFinite: f.skipNonfinite === true,
  };
}

/** Runs the shared training loop over `task` with the optimizer, schedule and clipping of `run`, on the current backend. */
export function runTraining(
  task: TrainingTask,
  params: Parameter[] | Promise<Parameter[]>,
  run: Optimization,
  budget: Budget,
  hooks: TrainingHooks = {},
): Promise<TrainResult> {
  return trainWithOptimization(task, params, run, budget, currentBackend(), hooks);
}

/** Runs `body` with a progress display on stderr (none with --json or --quiet), finished whatever happens. */
export async function withProgress<T>(flags: TrainingFlags, body: (onProgress: (p: Progress) => void) => Promise<T>): Promise<T> {
  const display = progressDisplay(flags.json === true || flags.quiet === true);
  return body((p) => display.update(p)).finally(() => display.stop());
}

/** The JSON fields of a finished run that every `train` subcommand reports. */
export interface TrainingSummary {
  model: string;
  /** The backend that trained, e.g. `blas (OpenBLAS 0.3.21 (Zen), 2 threads; …)`. */
  backend: string;
  steps: number;
  epochs: number;
  tokens: number;
  seconds: number;
  tokensPerSecond: number;
  trainLoss: number;
  skipped: number;
  /** The budget that ended the run: `steps`, `epochs` or `seconds`. */
  stoppedBy: TrainResult['stoppedBy'];
}

/** The summary fields of `t` for the model saved at `out`. */
export function trainingSummary(out: string, t: TrainResult): TrainingSummary {
  return {
    model: out,
    backend: currentBackend().description,
    steps: t.steps,
    epochs: Number(t.epochs.toFixed(4)),
    tokens: t.tokens,
    seconds: Number(t.seconds.toFixed(2)),
    tokensPerSecond: Math.round(t.tokens / Math.max(t.seconds, 1e-9)),
    trainLoss: t.loss,
    skipped: t.skipped,
    stoppedBy: t.stoppedBy,
  };
}

/** "trained 40 steps (2.5 epochs, 12,000 tokens) in 3s, 4,000 tokens/s; train loss 0.4321" (`unit`: what tokens count). */
export function trainingLine(s: TrainingSummary, unit = 'tokens'): string {
  return (
    `trained ${s.steps} steps (${s.epochs} epochs, ${s.tokens.toLocaleString('en-US')} ${unit}) ` +
    `in ${formatDuration(s.seconds)}, ${s.tokensPerSecond.toLocaleString('en-US')} ${unit}/s; train loss ${s.trainLoss.toFixed(4)}`
  );
}
