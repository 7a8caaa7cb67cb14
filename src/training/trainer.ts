/**
 * The training loop every topology shares: batches in order, epoch after epoch, until a
 * budget in steps, epochs or seconds is spent; per step the task's forward and backward,
 * gradient clipping, a check for non-finite numbers, the learning-rate schedule and the
 * optimizer update; progress events; checkpoints that resume a run exactly where it was
 * (model, optimizer, generator, data position and the task's own carried state).
 */
import { NonFiniteError, UsageError } from '../errors.js';
import type { Parameter } from '../layers/parameters.js';
import type { Random } from '../random.js';
import type { Tensor } from '../tensor/tensor.js';
import { clipGradNorm, clipGradValue } from './clip.js';
import type { Optimizer, OptimizerState } from './optim/optimizer.js';
import type { LrSchedule } from './schedules.js';

/** What one batch gave: its mean loss and its size in tokens. */
export interface BatchResult {
  loss: number;
  tokens: number;
}

/** What a model offers the loop. */
export interface TrainingTask {
  /** Batches in one pass over the training data. */
  readonly batchesPerEpoch: number;
  /** Parameters the optimizer updates. */
  parameters(): Parameter[];
  /** Called before the first batch of every epoch (a language model forgets its carried state here). */
  startEpoch(epoch: number): void;
  /**
   * Forward and backward over batch `index`, accumulating gradients; its mean loss and
   * size in tokens (time steps, or whatever unit the task counts). May be async.
   */
  trainBatch(index: number): BatchResult | Promise<BatchResult>;
  /** State besides the parameters that a checkpoint must keep (e.g. the carried recurrent state). */
  saveState(): Record<string, Tensor>;
  /** Restores what {@link saveState} returned. */
  loadState(state: Record<string, Tensor>): void;
  /** The generator the task draws from (dropout masks); checkpoints keep its state. */
  readonly random: Random;
}

/** When to stop; the first limit reached ends the run. At least one is required. */
export interface Budget {
  steps?: number;
  epochs?: number;
  seconds?: number;
}

/** A progress report, sent after every step. */
export interface Progress {
  /** Steps done (1-based after the first step). */
  step: number;
  epoch: number;
  /** Index of the batch just trained within its epoch. */
  batch: number;
  /** Loss of that batch. */
  loss: number;
  /** Exponential moving average of the loss (factor 0.98, bias-corrected). */
  smoothedLoss: number;
  lr: number;
  /** Tokens per second over this run (since start or resume). */
  tokensPerSecond: number;
  elapsedSeconds: number;
  /** Estimated seconds left under the budget. */
  etaSeconds: number;
  /** Fraction of the budget spent, in [0, 1]. */
  fraction: number;
  /** Batches skipped for non-finite numbers so far. */
  skipped: number;
}

/** Everything needed to continue a run exactly (the model's weights travel separately). */
export interface TrainerCheckpoint {
  step: number;
  epoch: number;
  /** The next batch to train in `epoch`. */
  batch: number;
  tokens: number;
  smoothedLoss: number;
  skipped: number;
  random: number[];
  optimizer: OptimizerState;
  taskState: Record<string, Tensor>;
}

/** Options of {@link train}. */
export interface TrainOptions {
  optimizer: Optimizer;
  budget: Budget;
  /** Learning rate per step (set before each update). @default the optimizer's fixed rate */
  schedule?: LrSchedule | undefined;
  /** Clip gradients to this global L2 norm. @default no clipping */
  clipNorm?: number | undefined;
  /** Clip each gradient element to [−v, v]. @default no clipping */
  clipValue?: number | undefined;
  /**
   * On a non-finite loss or gradient: skip that batch (no update) and go on, instead of
   * stopping with a NonFiniteError that names the step.
   * @default false
   */
  skipNonFinite?: boolean | undefined;
  /** Continue from a checkpoint (load the model's weights from it first). */
  resume?: TrainerCheckpoint | undefined;
  /** Called after every step. */
  onProgress?: ((progress: Progress) => void) | undefined;
  /** Take a checkpoint every this many steps (and always at the end). @default only at the end */
  checkpointEvery?: number | undefined;
  /** Receives checkpoints; the run waits for it (e.g. writing the file). */
  onCheckpoint?: ((checkpoint: TrainerCheckpoint) => Promise<void> | void) | undefined;
  /**
   * Stops the run after the step in progress once aborted (`stoppedBy` is then `'aborted'`);
   * the final checkpoint is taken as at any end, so a later run can resume from it.
   */
  signal?: AbortSignal | undefined;
  /** Clock in milliseconds (tests pass a fake one). @default performance.now */
  now?: (() => number) | undefined;
}

/** How a run ended. */
export interface TrainResult {
  steps: number;
  epochs: number;
  tokens: number;
  seconds: number;
  /** Smoothed loss at the end. */
  loss: number;
  skipped: number;
  /** Why the run stopped: a budget was spent, or the signal aborted it. */
  stoppedBy: 'steps' | 'epochs' | 'seconds' | 'aborted';
}

const SMOOTHING = 0.98;

/**
 * Trains `task` until the budget is spent.
 * @throws NonFiniteError naming the step, unless `skipNonFinite`.
 * @throws UsageError on an invalid budget or option.
 */
export async function train(task: TrainingTask, options: TrainOptions): Promise<TrainResult> {
  const { optimizer, budget, schedule } = options;
  checkBudget(budget);
  for (const [name, v] of [
    ['clipNorm', options.clipNorm],
    ['clipValue', options.clipValue],
    ['checkpointEvery', options.checkpointEvery],
  ] as const) {
    if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) {
      throw new UsageError(`train: ${name} must be a positive number, got ${String(v)}`);
    }
  }
  if (task.batchesPerEpoch < 1) throw new UsageError('train: the data gives no batch');
  const now = options.now ?? (() => performance.now());
  const params = task.parameters();

  let step = 0;
  let epoch = 0;
  let batch = 0;
  let tokens = 0;
  let smoothed = 0;
  let skipped = 0;
  if (options.resume !== undefined) {
    const r = options.resume;
    ({ step, epoch, batch, tokens, skipped } = r);
    smoothed = r.smoothedLoss;
    optimizer.loadStateDict(r.optimizer);
    task.random.setState(r.random);
    task.loadState(r.taskState);
  }
  const startTokens = tokens;
  const startFraction = budgetFraction(budget, step, epoch + batch / task.batchesPerEpoch, 0);
  const start = now();
  const elapsed = (): number => (now() - start) / 1000;
  const checkpoint = (): TrainerCheckpoint => ({
    step,
    epoch,
    batch,
    tokens,
    smoothedLoss: smoothed,
    skipped,
    random: task.random.getState(),
    optimizer: optimizer.stateDict(),
    taskState: task.saveState(),
  });

  const stopReason = (): TrainResult['stoppedBy'] | undefined => {
    if (budget.steps !== undefined && step >= budget.steps) return 'steps';
    if (budget.epochs !== undefined && epoch + batch / task.batchesPerEpoch >= budget.epochs) return 'epochs';
    if (budget.seconds !== undefined && elapsed() >= budget.seconds) return 'seconds';
    if (options.signal?.aborted) return 'aborted';
    return undefined;
  };

  let reason = stopReason();
  while (reason === undefined) {
    if (batch === 0) task.startEpoch(epoch);
    if (schedule !== undefined) optimizer.lr = schedule.lrAt(step);
    optimizer.zeroGrad();
    const { loss, tokens: n } = await task.trainBatch(batch);
    // Finiteness first: value clipping would turn ±Inf into ±clipValue (as PyTorch's
    // clip_grad_value_ does) and hide the problem.
    const problem = !Number.isFinite(loss)
      ? `the loss is ${loss}`
      : !gradientsFinite(params, optimizer)
        ? 'a gradient is not finite'
        : undefined;
    const finite = problem === undefined;
    if (finite && options.clipValue !== undefined) clipGradValue(params, options.clipValue, optimizer.backend);
    if (finite && options.clipNorm !== undefined) clipGradNorm(params, options.clipNorm, {}, optimizer.backend);
    if (finite) {
      optimizer.step();
      smoothed = SMOOTHING * smoothed + (1 - SMOOTHING) * loss;
    } else if (options.skipNonFinite) {
      skipped++;
    } else {
      throw new NonFiniteError(
        `training stopped at step ${step + 1} (epoch ${epoch + 1}, batch ${batch + 1}): ${problem}; ` +
          'lower the learning rate or clip gradients (or skip such batches)',
      );
    }
    step++;
    tokens += n;
    batch++;
    if (batch === task.batchesPerEpoch) {
      batch = 0;
      epoch++;
    }
    const seconds = elapsed();
    const fraction = budgetFraction(budget, step, epoch + batch / task.batchesPerEpoch, seconds);
    const rate = (fraction - startFraction) / Math.max(seconds, 1e-9); // budget spent per second
    options.onProgress?.({
      step,
      epoch,
      batch,
      loss,
      smoothedLoss: debias(smoothed, step - skipped),
      lr: optimizer.lr,
      tokensPerSecond: seconds > 0 ? (tokens - startTokens) / seconds : 0,
      elapsedSeconds: seconds,
      etaSeconds: rate > 0 ? (1 - fraction) / rate : 0,
      fraction,
      skipped,
    });
    reason = stopReason(); // after the progress hook, which may abort the run
    if (reason === undefined && options.checkpointEvery !== undefined && step % options.checkpointEvery === 0) {
      await options.onCheckpoint?.(checkpoint());
    }
  }
  await options.onCheckpoint?.(checkpoint());
  return {
    steps: step,
    epochs: epoch + batch / task.batchesPerEpoch,
    tokens,
    seconds: elapsed(),
    loss: debias(smoothed, step - skipped),
    skipped,
    stoppedBy: reason,
  };
}

function checkBudget(b: Budget): void {
  if (typeof b !== 'object' || b === null || (b.steps === undefined && b.epochs === undefined && b.seconds === undefined)) {
    throw new UsageError('train: give a budget in steps, epochs or seconds');
  }
  for (const key of ['steps', 'epochs', 'seconds'] as const) {
    const v = b[key];
    if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v))) {
      throw new UsageError(`train: the ${key} budget must be a positive number, got ${String(v)}`);
    }
  }
  if (b.steps !== undefined && !Number.isInteger(b.steps)) throw new UsageError(`train: steps must be an integer, got ${b.steps}`);
}

// Fraction of the budget spent: the largest over the limits given.
function budgetFraction(b: Budget, step: number, epochs: number, seconds: number): number {
  let f = 0;
  if (b.steps !== undefined) f = Math.max(f, step / b.steps);
  if (b.epochs !== undefined) f = Math.max(f, epochs / b.epochs);
  if (b.seconds !== undefined) f = Math.max(f, seconds / b.seconds);
  return Math.min(1, f);
}

function debias(smoothed: number, updates: number): number {
  return updates > 0 ? smoothed / (1 - SMOOTHING ** updates) : NaN;
}

// A sum of squares is finite exactly when every element is (it accumulates in float64).
function gradientsFinite(params: Parameter[], optimizer: Optimizer): boolean {
  return params.every((p) => Number.isFinite(optimizer.backend.sumSquares(p.grad.length, p.grad)));
}
