/** RMSprop: gradients divided by a running root mean square, optionally centered and with momentum. */
import type { Backend, FloatArray } from '../../backend/backend.js';
import type { Parameter } from '../../layers/parameters.js';
import { check } from '../check.js';
import { Optimizer } from './optimizer.js';

/** Options of {@link RMSprop} (PyTorch's `torch.optim.RMSprop` arguments in camelCase). */
export interface RMSpropOptions {
  /**
   * Learning rate, finite and ≥ 0.
   * @default 1e-2
   */
  lr?: number;
  /**
   * Smoothing constant α of the running averages, in [0, 1] (PyTorch only asks α ≥ 0;
   * above 1 the square average can turn negative).
   * @default 0.99
   */
  alpha?: number;
  /**
   * ε added to the denominator, > 0.
   * @default 1e-8
   */
  eps?: number;
  /**
   * L2 penalty λ added to the gradient, ≥ 0.
   * @default 0
   */
  weightDecay?: number;
  /**
   * Momentum factor μ, ≥ 0; 0 keeps no momentum buffer.
   * @default 0
   */
  momentum?: number;
  /**
   * Centered RMSprop: normalise by an estimate of the gradient's variance, E[g²] − E[g]², instead of E[g²].
   * @default false
   */
  centered?: boolean;
}

const KNOWN = ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered'] as const;

/**
 * RMSprop as `torch.optim.RMSprop` (PyTorch 1.13), per element:
 * ```text
 * g ← ∇θ + λθ
 * s ← αs + (1 − α)g²                         (square_avg)
 * centered:  a ← αa + (1 − α)g               (grad_avg)
 *            d ← √(s − a²) + ε
 * otherwise: d ← √s + ε
 * μ > 0:     b ← μb + g/d,  θ ← θ − lr·b     (momentum_buffer)
 * μ = 0:     θ ← θ − lr·g/d
 * ```
 * State buffers: `square_avg`, plus `momentum_buffer` when μ > 0 and `grad_avg` when centered.
 *
 * @example
 * const rmsprop = new RMSprop(params, { lr: 1e-3, centered: true }); // params: Parameter[]
 * rmsprop.step();
 */
export class RMSprop<F extends FloatArray = Float32Array> extends Optimizer<F> {
  /** The resolved options except `lr` (which lives in {@link Optimizer.lr}). */
  readonly options: Readonly<Required<Omit<RMSpropOptions, 'lr'>>>;

  /**
   * @param params the parameters to update (distinct names, buffers in `backend`).
   * @param options see {@link RMSpropOptions}; all optional.
   * @param backend the backend holding the parameters (where their buffers were allocated)
   * @throws UsageError on an unknown or out-of-range option, naming it and its value.
   */
  constructor(params: readonly Parameter<F>[], options: RMSpropOptions = {}, backend: Backend<F>) {
    check.known('RMSprop', options, KNOWN);
    super('RMSprop', params, options.lr ?? 1e-2, backend);
    const alpha = check.inRange('RMSprop', 'alpha', options.alpha ?? 0.99, 0, 1, true);
    const eps = check.positive('RMSprop', 'eps', options.eps ?? 1e-8);
    const weightDecay = check.nonNegative('RMSprop', 'weightDecay', options.weightDecay ?? 0);
    const momentum = check.nonNegative('RMSprop', 'momentum', options.momentum ?? 0);
    const centered = check.flag('RMSprop', 'centered', options.centered ?? false);
    this.options = Object.freeze({ alpha, eps, weightDecay, momentum, centered });
    this.allocateState(['square_avg', ...(momentum > 0 ? ['momentum_buffer'] : []), ...(centered ? ['grad_avg'] : [])]);
  }

  protected override update(param: Parameter<F>, state: Map<string, F>): void {
    const { alpha, eps, weightDecay, momentum, centered } = this.options;
    this.backend.rmspropUpdate(
      param.value.length,
      param.value,
      param.grad,
      state.get('square_avg')!,
      state.get('momentum_buffer') ?? this.unused(),
      state.get('grad_avg') ?? this.unused(),
      { lr: this.lr, alpha, eps, weightDecay, momentum, centered },
    );
  }
}
