/**
 * How the weights are optimised, as plain data that a command line, a page or a checkpoint
 * can hold: the optimizer and its settings, the learning-rate schedule and gradient clipping.
 * {@link trainWithOptimization} runs the shared training loop with the optimizer and schedule
 * such settings ask for, so every front end trains the same way.
 */
import type { Backend } from '../backend/backend.js';
import { UsageError } from '../errors.js';
import type { Parameter } from '../layers/parameters.js';
import { Adam, AdamW } from './optim/adam.js';
import type { Optimizer } from './optim/optimizer.js';
import { RMSprop } from './optim/rmsprop.js';
import { SGD } from './optim/sgd.js';
import { ConstantSchedule, CosineAnnealing, type LrSchedule, warmupThen } from './schedules.js';
import { type Budget, train, type TrainingTask, type TrainOptions, type TrainResult } from './trainer.js';

/** How the weights are optimised. */
export interface Optimization {
  optimizer: 'adam' | 'adamw' | 'sgd' | 'rmsprop';
  lr: number;
  weightDecay: number;
  /** Momentum of SGD and RMSprop. */
  momentum: number;
  /** `'cosine'` anneals the rate to 0 over the budget's steps (PyTorch's CosineAnnealingLR). */
  schedule: 'constant' | 'cosine';
  /** Steps of linear warm-up from 0 to `lr`. */
  warmup: number;
  /** Global gradient norm to clip to; 0 is off. */
  clip: number;
  /** Skip a batch with a non-finite loss or gradient instead of stopping. */
  skipNonFinite: boolean;
}

/** The optimizers {@link Optimization} names. */
export const OPTIMIZERS: readonly Optimization['optimizer'][] = ['adam', 'adamw', 'sgd', 'rmsprop'];

/** Defaults of {@link Optimization} (the learning rate is each model's). */
export const OPTIMIZATION_DEFAULTS: Omit<Optimization, 'lr'> = {
  optimizer: 'adam',
  weightDecay: 0,
  momentum: 0,
  schedule: 'constant',
  warmup: 0,
  clip: 5,
  skipNonFinite: false,
};

/** Hooks of {@link trainWithOptimization} beyond the optimisation: progress, checkpoints, resume, stopping. */
export type TrainingHooks = Pick<TrainOptions, 'onProgress' | 'checkpointEvery' | 'onCheckpoint' | 'resume' | 'signal'>;

/**
 * Runs the shared training loop ({@link train}) over `task` with the optimizer, schedule and
 * clipping that `run` asks for, on `backend` (where the parameters live).
 * @param params the parameters, or the promise a model's `parameters()` returns
 * @throws UsageError when the schedule needs a budget in steps or epochs and has none.
 */
export async function trainWithOptimization(
  task: TrainingTask,
  params: Parameter[] | Promise<Parameter[]>,
  run: Optimization,
  budget: Budget,
  backend: Backend,
  hooks: TrainingHooks = {},
): Promise<TrainResult> {
  return train(task, {
    optimizer: createOptimizer(run, await params, backend),
    budget,
    schedule: createSchedule(run, budget, task.batchesPerEpoch),
    clipNorm: run.clip > 0 ? run.clip : undefined,
    skipNonFinite: run.skipNonFinite,
    ...hooks,
  });
}

/** The optimizer `run` names, over `params`. */
export function createOptimizer(run: Optimization, params: Parameter[], backend: Backend): Optimizer {
  switch (run.optimizer) {
    case 'adam':
      return new Adam(params, { lr: run.lr, weightDecay: run.weightDecay }, backend);
    case 'adamw':
      return new AdamW(params, { lr: run.lr, weightDecay: run.weightDecay }, backend);
    case 'sgd':
      return new SGD(params, { lr: run.lr, momentum: run.momentum, weightDecay: run.weightDecay }, backend);
    case 'rmsprop':
      return new RMSprop(params, { lr: run.lr, momentum: run.momentum, weightDecay: run.weightDecay }, backend);
  }
}

/**
 * The learning-rate schedule `run` asks for, or undefined for a constant rate.
 * @throws UsageError for a cosine schedule without a budget in steps or epochs.
 */
export function createSchedule(run: Optimization, budget: Budget, batchesPerEpoch: number): LrSchedule | undefined {
  if (run.schedule === 'constant' && run.warmup === 0) return undefined;
  let main: LrSchedule = new ConstantSchedule({ lr: run.lr });
  if (run.schedule === 'cosine') {
    const total = budget.steps ?? (budget.epochs !== undefined ? Math.ceil(budget.epochs * batchesPerEpoch) : undefined);
    if (total === undefined) throw new UsageError('a cosine schedule needs a budget in steps or epochs');
    main = new CosineAnnealing({ lr: run.lr, tMax: Math.max(1, total - run.warmup) });
  }
  return run.warmup > 0 ? warmupThen(main, { warmupSteps: run.warmup }) : main;
}
