/** Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay. */
import type { Backend, FloatArray } from '../../backend/backend.js';
import type { Parameter } from '../../layers/parameters.js';
import { check } from '../check.js';
import { Optimizer } from './optimizer.js';

/** Options of {@link Adam} and {@link AdamW} (PyTorch's arguments in camelCase). */
export interface AdamOptions {
  /**
   * Learning rate, finite and ≥ 0.
   * @default 1e-3
   */
  lr?: number;
  /**
   * Decay rates [β₁, β₂] of the first and second moment averages, each in [0, 1).
   * @default [0.9, 0.999]
   */
  betas?: readonly [number, number];
  /**
   * ε added to the denominator, > 0 (PyTorch also accepts 0, which divides 0 by 0 on a zero gradient).
   * @default 1e-8
   */
  eps?: number;
  /**
   * Weight decay λ, ≥ 0: an L2 penalty added to the gradient for {@link Adam}, a direct
   * decay of the weights for {@link AdamW}.
   * @default 0 for Adam, 1e-2 for AdamW
   */
  weightDecay?: number;
}

/** Resolved Adam/AdamW options, `lr` aside. */
export interface AdamSettings {
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
}

const KNOWN = ['lr', 'betas', 'eps', 'weightDecay'] as const;

/** The shared implementation; `decoupled` selects AdamW. */
abstract class AdamBase<F extends FloatArray> extends Optimizer<F> {
  /** The resolved options except `lr` (which lives in {@link Optimizer.lr}). */
  readonly options: AdamSettings;
  private readonly decoupled: boolean;

  protected constructor(owner: string, decoupled: boolean, params: readonly Parameter<F>[], options: AdamOptions, backend: Backend<F>) {
    check.known(owner, options, KNOWN);
    super(owner, params, options.lr ?? 1e-3, backend);
    const betas = check.pair(owner, 'betas', options.betas ?? [0.9, 0.999]);
    const beta1 = check.inRange(owner, 'betas[0]', betas[0], 0, 1);
    const beta2 = check.inRange(owner, 'betas[1]', betas[1], 0, 1);
    const eps = check.positive(owner, 'eps', options.eps ?? 1e-8);
    const weightDecay = check.nonNegative(owner, 'weightDecay', options.weightDecay ?? (decoupled ? 1e-2 : 0));
    this.options = Object.freeze({ betas: Object.freeze([beta1, beta2] as const), eps, weightDecay });
    this.decoupled = decoupled;
    this.allocateState(['exp_avg', 'exp_avg_sq']);
  }

  protected override update(param: Parameter<F>, state: Map<string, F>, t: number): void {
    const {
      betas: [beta1, beta2],
      eps,
      weightDecay,
    } = this.options;
    this.backend.adamUpdate(param.value.length, param.value, param.grad, state.get('exp_avg')!, state.get('exp_avg_sq')!, {
      lr: this.lr,
      beta1,
      beta2,
      eps,
      weightDecay,
      decoupled: this.decoupled,
      biasCorrection1: 1 - beta1 ** t,
      biasCorrection2: 1 - beta2 ** t,
    });
  }
}

/**
 * Adam as `torch.optim.Adam` (PyTorch 1.13, `amsgrad=False`), per element, with t the step number:
 * ```text
 * g ← ∇θ + λθ
 * m ← β₁m + (1 − β₁)g                  (exp_avg)
 * v ← β₂v + (1 − β₂)g²                 (exp_avg_sq)
 * θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
 * ```
 * State buffers: `exp_avg`, `exp_avg_sq`, each the parameter's size.
 *
 * @example
 * const adam = new Adam(params, { lr: 3e-3 }, backend); // params: Parameter[] in backend's memory
 * adam.step();
 */
export class Adam<F extends FloatArray = Float32Array> extends AdamBase<F> {
  /**
   * @param params the parameters to update (distinct names, buffers in `backend`).
   * @param options see {@link AdamOptions}; all optional.
   * @param backend the backend holding the parameters (where their buffers were allocated)
   * @throws UsageError on an unknown or out-of-range option, naming it and its value.
   */
  constructor(params: readonly Parameter<F>[], options: AdamOptions = {}, backend: Backend<F>) {
    super('Adam', false, params, options, backend);
  }
}

/**
 * AdamW as `torch.optim.AdamW` (PyTorch 1.13, `amsgrad=False`): Adam with the weight decay
 * decoupled from the gradient (Loshchilov & Hutter), per element:
 * ```text
 * θ ← θ(1 − lr·λ)
 * m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²
 * θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
 * ```
 * `weightDecay` defaults to 1e-2 here (0 for {@link Adam}), as in PyTorch.
 *
 * @example
 * const adamw = new AdamW(params, { lr: 1e-3, weightDecay: 0.1 }); // params: Parameter[]
 * adamw.step();
 */
export class AdamW<F extends FloatArray = Float32Array> extends AdamBase<F> {
  /**
   * @param params the parameters to update (distinct names, buffers in `backend`).
   * @param options see {@link AdamOptions}; all optional.
   * @param backend the backend holding the parameters (where their buffers were allocated)
   * @throws UsageError on an unknown or out-of-range option, naming it and its value.
   */
  constructor(params: readonly Parameter<F>[], options: AdamOptions = {}, backend: Backend<F>) {
    super('AdamW', true, params, options, backend);
  }
}
