/** Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight decay. */
import type { Backend, FloatArray } from '../../backend/backend.js';
import { UsageError } from '../../errors.js';
import type { Parameter } from '../../layers/parameters.js';
import { check } from '../check.js';
import { Optimizer } from './optimizer.js';

/** Options of {@link SGD} (PyTorch's `torch.optim.SGD` arguments in camelCase). */
export interface SGDOptions {
  /** Learning rate. Required, as in PyTorch 1.13. Must be finite and ≥ 0. */
  lr: number;
  /**
   * Momentum factor μ, ≥ 0; 0 keeps no momentum buffer.
   * @default 0
   */
  momentum?: number;
  /**
   * Dampening for momentum: the new gradient enters the buffer with weight 1 − dampening.
   * @default 0
   */
  dampening?: number;
  /**
   * L2 penalty λ added to the gradient (g ← g + λθ), ≥ 0.
   * @default 0
   */
  weightDecay?: number;
  /**
   * Nesterov momentum; requires momentum > 0 and dampening 0 (as PyTorch).
   * @default false
   */
  nesterov?: boolean;
}

const KNOWN = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov'] as const;

/**
 * SGD as `torch.optim.SGD` (PyTorch 1.13), per element, with t the step number:
 * ```text
 * g ← ∇θ + λθ
 * if μ ≠ 0:  b ← g                        (t = 1)
 *            b ← μb + (1 − dampening)g    (t > 1)
 *            g ← g + μb  if nesterov, else g ← b
 * θ ← θ − lr·g
 * ```
 * State buffer (when μ ≠ 0): `momentum_buffer`, the parameter's size.
 *
 * @example
 * const sgd = new SGD(await layer.parameters(), { lr: 0.1, momentum: 0.9 }, await getBackend());
 * sgd.zeroGrad();  // then forward and backward accumulate into each param.grad
 * sgd.step();
 */
export class SGD<F extends FloatArray = Float32Array> extends Optimizer<F> {
  /** The resolved options except `lr` (which lives in {@link Optimizer.lr}). */
  readonly options: Readonly<Required<Omit<SGDOptions, 'lr'>>>;

  /**
   * @param params the parameters to update (distinct names, buffers in `backend`).
   * @param options see {@link SGDOptions}.
   * @param backend the backend holding the parameters (where their buffers were allocated)
   * @throws UsageError on an unknown or out-of-range option, naming it and its value.
   */
  constructor(params: readonly Parameter<F>[], options: SGDOptions, backend: Backend<F>) {
    check.known('SGD', options, KNOWN);
    super('SGD', params, options.lr, backend);
    const momentum = check.nonNegative('SGD', 'momentum', options.momentum ?? 0);
    const dampening = check.nonNegative('SGD', 'dampening', options.dampening ?? 0);
    const weightDecay = check.nonNegative('SGD', 'weightDecay', options.weightDecay ?? 0);
    const nesterov = check.flag('SGD', 'nesterov', options.nesterov ?? false);
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new UsageError(
        `SGD: Nesterov momentum requires a momentum > 0 and zero dampening, ` + `got momentum ${momentum} and dampening ${dampening}`,
      );
    }
    this.options = Object.freeze({ momentum, dampening, weightDecay, nesterov });
    if (momentum !== 0) this.allocateState(['momentum_buffer']);
  }

  protected override update(param: Parameter<F>, state: Map<string, F>, t: number): void {
    const { momentum, dampening, weightDecay, nesterov } = this.options;
    this.backend.sgdUpdate(param.value.length, param.value, param.grad, state.get('momentum_buffer') ?? this.unused(), {
      lr: this.lr,
      momentum,
      dampening,
      weightDecay,
      nesterov,
      first: t === 1,
    });
  }
}
