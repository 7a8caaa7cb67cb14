/**
 * Learning-rate schedules: pure functions of the step number, in the closed forms of
 * PyTorch 1.13's `torch.optim.lr_scheduler` classes.
 *
 * "Step" counts scheduler steps as PyTorch's `last_epoch` does: `lrAt(0)` is the rate
 * right after the scheduler is created, `lrAt(k)` the rate after `k` calls of
 * `scheduler.step()`. The usual loop is
 * ```ts
 * for (let step = 0; step < steps; step++) {
 *   schedule.apply(optimizer, step);   // optimizer.lr = schedule.lrAt(step)
 *   optimizer.zeroGrad(); // … forward, backward …
 *   optimizer.step();
 * }
 * ```
 * Because a schedule depends on the step alone, a resumed run only needs the step number.
 */
import { UsageError } from '../errors.js';
import { check } from './check.js';
import type { HasLearningRate } from './optim/optimizer.js';

/** A learning rate as a function of the step. */
export interface LrSchedule {
  /** The rate at step 0 that the schedule scales (PyTorch's `base_lr`, the optimizer's initial lr). */
  readonly baseLr: number;
  /** The learning rate at `step` (an integer ≥ 0). @throws UsageError on another step. */
  lrAt(step: number): number;
  /** Sets `optimizer.lr` to {@link lrAt}(step) and returns it. */
  apply(optimizer: HasLearningRate, step: number): number;
}

/** Shared step checking and {@link LrSchedule.apply}. */
abstract class Schedule implements LrSchedule {
  readonly baseLr: number;

  protected constructor(
    protected readonly owner: string,
    lr: unknown,
  ) {
    this.baseLr = check.nonNegative(owner, 'lr', lr);
  }

  lrAt(step: number): number {
    check.integer(`${this.owner}.lrAt`, 'step', step, 0);
    return this.rate(step);
  }

  apply(optimizer: HasLearningRate, step: number): number {
    const lr = this.lrAt(step);
    optimizer.lr = lr;
    return lr;
  }

  /** The rate at a checked step. */
  protected abstract rate(step: number): number;
}

/** Options of {@link ConstantSchedule}. */
export interface ConstantScheduleOptions {
  /** The learning rate at every step, finite and ≥ 0. */
  lr: number;
}

/** The same learning rate at every step: `lr_t = lr`. */
export class ConstantSchedule extends Schedule {
  /** @throws UsageError on an invalid lr. */
  constructor(options: ConstantScheduleOptions) {
    check.known('ConstantSchedule', options, ['lr']);
    super('ConstantSchedule', options.lr);
  }

  protected override rate(): number {
    return this.baseLr;
  }
}

/** Options of {@link StepDecay}. */
export interface StepDecayOptions {
  /** The rate for the first `stepSize` steps, finite and ≥ 0. */
  lr: number;
  /** Steps between decays, an integer ≥ 1. */
  stepSize: number;
  /**
   * Factor applied every `stepSize` steps, finite and ≥ 0.
   * @default 0.1
   */
  gamma?: number;
}

/**
 * Step decay as `torch.optim.lr_scheduler.StepLR`: `lr_t = lr · gamma^⌊t / stepSize⌋`.
 * @example new StepDecay({ lr: 0.1, stepSize: 1000, gamma: 0.5 }).lrAt(2500) // 0.025
 */
export class StepDecay extends Schedule {
  readonly stepSize: number;
  readonly gamma: number;

  /** @throws UsageError on an unknown or out-of-range option. */
  constructor(options: StepDecayOptions) {
    check.known('StepDecay', options, ['lr', 'stepSize', 'gamma']);
    super('StepDecay', options.lr);
    this.stepSize = check.integer('StepDecay', 'stepSize', options.stepSize, 1);
    this.gamma = check.nonNegative('StepDecay', 'gamma', options.gamma ?? 0.1);
  }

  protected override rate(step: number): number {
    return this.baseLr * this.gamma ** Math.floor(step / this.stepSize);
  }
}

/** Options of {@link CosineAnnealing}. */
export interface CosineAnnealingOptions {
  /** The rate at step 0, finite and ≥ 0. */
  lr: number;
  /** Steps from `lr` down to `etaMin` (half a cosine period), > 0. */
  tMax: number;
  /**
   * The rate reached at step `tMax`, finite and ≥ 0.
   * @default 0
   */
  etaMin?: number;
}

/**
 * Cosine annealing in the closed form of `torch.optim.lr_scheduler.CosineAnnealingLR`:
 * `lr_t = etaMin + (lr − etaMin) · (1 + cos(π t / tMax)) / 2`.
 * Past `tMax` the rate rises again along the same cosine, as in PyTorch (no restarts).
 * @example new CosineAnnealing({ lr: 0.1, tMax: 100 }).lrAt(50) // 0.05
 */
export class CosineAnnealing extends Schedule {
  readonly tMax: number;
  readonly etaMin: number;

  /** @throws UsageError on an unknown or out-of-range option. */
  constructor(options: CosineAnnealingOptions) {
    check.known('CosineAnnealing', options, ['lr', 'tMax', 'etaMin']);
    super('CosineAnnealing', options.lr);
    this.tMax = check.positive('CosineAnnealing', 'tMax', options.tMax);
    this.etaMin = check.nonNegative('CosineAnnealing', 'etaMin', options.etaMin ?? 0);
  }

  protected override rate(step: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * step) / this.tMax))) / 2;
  }
}

/** Options of {@link LinearWarmup}. */
export interface LinearWarmupOptions {
  /** The base rate the factors multiply, finite and ≥ 0. */
  lr: number;
  /**
   * Steps over which the factor moves from `startFactor` to `endFactor` (torch's `total_iters`), an integer ≥ 1.
   * @default 5
   */
  warmupSteps?: number;
  /**
   * Factor at step 0, in [0, 1].
   * @default 1/3
   */
  startFactor?: number;
  /**
   * Factor from step `warmupSteps` on, in [0, 1].
   * @default 1
   */
  endFactor?: number;
}

/**
 * Linear warm-up in the closed form of `torch.optim.lr_scheduler.LinearLR`:
 * `lr_t = lr · (startFactor + (endFactor − startFactor) · min(t, warmupSteps) / warmupSteps)`.
 *
 * A `startFactor` of 0 (warm-up from zero) is allowed here; PyTorch 1.13 accepts it but
 * its chained form then yields NaN from step 1 on.
 * @example new LinearWarmup({ lr: 0.1, warmupSteps: 4, startFactor: 0.25 }).lrAt(1) // 0.04375
 */
export class LinearWarmup extends Schedule {
  readonly warmupSteps: number;
  readonly startFactor: number;
  readonly endFactor: number;

  /** @throws UsageError on an unknown or out-of-range option. */
  constructor(options: LinearWarmupOptions) {
    check.known('LinearWarmup', options, ['lr', 'warmupSteps', 'startFactor', 'endFactor']);
    super('LinearWarmup', options.lr);
    this.warmupSteps = check.integer('LinearWarmup', 'warmupSteps', options.warmupSteps ?? 5, 1);
    this.startFactor = check.inRange('LinearWarmup', 'startFactor', options.startFactor ?? 1 / 3, 0, 1, true);
    this.endFactor = check.inRange('LinearWarmup', 'endFactor', options.endFactor ?? 1, 0, 1, true);
  }

  protected override rate(step: number): number {
    const progress = Math.min(this.warmupSteps, step) / this.warmupSteps;
    return this.baseLr * (this.startFactor + (this.endFactor - this.startFactor) * progress);
  }
}

/**
 * Schedules one after another, as `torch.optim.lr_scheduler.SequentialLR`: with
 * milestones m₁ < m₂ < …, schedule k runs from step m_k (m₀ = 0) and sees its own step
 * counter restart at 0 there: `lr_t = schedules[k].lrAt(t − m_k)` for m_k ≤ t < m_{k+1}.
 * @example
 * // 3 warm-up steps from lr/10, then cosine decay over 97 steps
 * new SequentialSchedule([new LinearWarmup({ lr: 0.1, warmupSteps: 3, startFactor: 0.1 }),
 *   new CosineAnnealing({ lr: 0.1, tMax: 97 })], [3]);
 */
export class SequentialSchedule extends Schedule {
  readonly schedules: readonly LrSchedule[];
  readonly milestones: readonly number[];

  /**
   * @param schedules at least one schedule.
   * @param milestones the steps where each next schedule takes over: one fewer than
   *   the schedules, strictly increasing integers ≥ 1.
   * @throws UsageError on a count mismatch or milestones out of order.
   */
  constructor(schedules: readonly LrSchedule[], milestones: readonly number[]) {
    const owner = 'SequentialSchedule';
    if (
      !Array.isArray(schedules) ||
      schedules.length === 0 ||
      !schedules.every((s: unknown): boolean => typeof s === 'object' && s !== null && 'lrAt' in s)
    ) {
      throw new UsageError(`${owner}: schedules must be a non-empty array of schedules`);
    }
    if (!Array.isArray(milestones) || milestones.length !== schedules.length - 1) {
      throw new UsageError(
        `${owner}: expected ${schedules.length - 1} milestone(s) for ${schedules.length} ` +
          `schedules, got ${Array.isArray(milestones) ? milestones.length : typeof milestones}`,
      );
    }
    milestones.forEach((m, i) => {
      check.integer(owner, `milestones[${i}]`, m, i === 0 ? 1 : milestones[i - 1] + 1);
    });
    super(owner, schedules[0].baseLr);
    this.schedules = [...schedules];
    this.milestones = [...milestones];
  }

  protected override rate(step: number): number {
    let k = 0;
    while (k < this.milestones.length && step >= this.milestones[k]) k++;
    return this.schedules[k].lrAt(step - (k === 0 ? 0 : this.milestones[k - 1]));
  }
}

/** Options of {@link warmupThen}. */
export interface WarmupOptions {
  /** Warm-up steps; the main schedule starts (at its own step 0) after them. An integer ≥ 1. */
  warmupSteps: number;
  /**
   * Fraction of the main schedule's base rate at step 0, in [0, 1].
   * @default 1/3
   */
  startFactor?: number;
}

/**
 * Linear warm-up from `startFactor · main.baseLr` for `warmupSteps` steps, then `main`
 * from its step 0: PyTorch's
 * `SequentialLR([LinearLR(start_factor, total_iters=warmupSteps), main], milestones=[warmupSteps])`.
 * @example warmupThen(new CosineAnnealing({ lr: 3e-3, tMax: 10_000 }), { warmupSteps: 500, startFactor: 0.01 })
 * @throws UsageError on invalid options.
 */
export function warmupThen(main: LrSchedule, options: WarmupOptions): SequentialSchedule {
  check.known('warmupThen', options, ['warmupSteps', 'startFactor']);
  const warmupSteps = check.integer('warmupThen', 'warmupSteps', options.warmupSteps, 1);
  const warmup = new LinearWarmup({ lr: main.baseLr, warmupSteps, startFactor: options.startFactor ?? 1 / 3 });
  return new SequentialSchedule([warmup, main], [warmupSteps]);
}
