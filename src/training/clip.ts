/**
 * Gradient clipping, as `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_`
 * (PyTorch 1.13). Both work in place on the parameters' `.grad` buffers.
 */
import type { Backend, FloatArray } from '../backend/backend.js';
import { NonFiniteError, UsageError } from '../errors.js';
import type { Parameter } from '../layers/parameters.js';
import { check, describeValue } from './check.js';

/** Options of {@link clipGradNorm}. */
export interface ClipGradNormOptions {
  /**
   * The p of the p-norm: 2 (computed with the backend's `sumSquares` kernel), `Infinity`
   * (the largest |g|), or any other finite p > 0 ((Σ|g|ᵖ)^(1/p), computed on the host).
   * @default 2
   */
  normType?: number;
  /**
   * Throw a {@link NonFiniteError} (leaving the gradients untouched) when the total norm
   * is NaN or infinite, instead of returning it.
   * @default false
   */
  errorIfNonfinite?: boolean;
}

/**
 * Scales all gradients together so that their joint p-norm is at most `maxNorm`, as
 * `torch.nn.utils.clip_grad_norm_`:
 * ```text
 * total = ‖(g₁, g₂, …)‖_p        over every element of every parameter's gradient
 * coef  = maxNorm / (total + 1e-6)
 * g ← g · coef   for every gradient, when coef < 1
 * ```
 * A non-finite total norm is returned, never hidden: callers should check it with
 * `Number.isFinite` (or pass `errorIfNonfinite: true`) and skip the optimizer step.
 * As in PyTorch, such a total also scales the gradients: an infinite one by 0 (so the
 * infinite elements become NaN), a NaN one by NaN.
 *
 * @param params the parameters whose `.grad` to clip.
 * @param maxNorm the largest allowed norm, ≥ 0 (may be `Infinity`: measure only).
 * @param options see {@link ClipGradNormOptions}.
 * @param backend the backend holding the gradients
 * @returns the total norm before clipping (0 for an empty list).
 * @throws UsageError on an invalid `maxNorm` or `normType`.
 * @throws NonFiniteError when `errorIfNonfinite` is set and the total norm is NaN or infinite.
 * @example
 * const norm = clipGradNorm(params, 5, {}, backend);
 * if (!Number.isFinite(norm)) console.warn('skipping a step: gradient norm is', norm);
 */
export function clipGradNorm<F extends FloatArray = Float32Array>(
  params: readonly Parameter<F>[],
  maxNorm: number,
  options: ClipGradNormOptions = {},
  backend: Backend<F>,
): number {
  const owner = 'clipGradNorm';
  checkParams(owner, params);
  checkBackend(owner, backend);
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) {
    throw new UsageError(`${owner}: maxNorm must be a number >= 0, got ${describeValue(maxNorm)}`);
  }
  check.known(owner, options, ['normType', 'errorIfNonfinite']);
  const p = options.normType ?? 2;
  if (typeof p !== 'number' || !(p > 0)) {
    throw new UsageError(`${owner}: normType must be a number > 0 or Infinity, got ${describeValue(p)}`);
  }
  const errorIfNonfinite = check.flag(owner, 'errorIfNonfinite', options.errorIfNonfinite ?? false);
  if (params.length === 0) return 0;

  let total: number;
  if (p === 2) {
    let sum = 0;
    for (const param of params) sum += backend.sumSquares(param.grad.length, param.grad);
    total = Math.sqrt(sum);
  } else if (p === Infinity) {
    // max |g|; NaN propagates, as torch's abs().max().
    total = 0;
    for (const param of params) {
      const g = param.grad;
      for (let i = 0; i < g.length; i++) {
        const a = Math.abs(g[i]);
        if (a > total || Number.isNaN(a)) total = a;
      }
    }
  } else {
    let sum = 0;
    for (const param of params) {
      const g = param.grad;
      for (let i = 0; i < g.length; i++) sum += Math.abs(g[i]) ** p;
    }
    total = sum ** (1 / p);
  }

  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new NonFiniteError(
      `${owner}: the total norm of order ${p} of the gradients is ${total}, ` + 'so they cannot be clipped (gradients left unchanged)',
    );
  }
  const coef = maxNorm / (total + 1e-6);
  // `!(coef >= 1)` also scales by a NaN coefficient, as PyTorch's clamp(coef, max=1) does.
  if (!(coef >= 1)) {
    for (const param of params) backend.scale(param.grad.length, coef, param.grad);
  }
  return total;
}

/**
 * Clamps every gradient element to [−clipValue, clipValue], as
 * `torch.nn.utils.clip_grad_value_`. NaN elements stay NaN.
 * @param params the parameters whose `.grad` to clip.
 * @param clipValue the largest allowed magnitude, ≥ 0 (may be `Infinity`).
 * @param backend the backend holding the gradients
 * @throws UsageError on an invalid `clipValue`.
 * @example clipGradValue(params, 1, backend);
 */
export function clipGradValue<F extends FloatArray = Float32Array>(
  params: readonly Parameter<F>[],
  clipValue: number,
  backend: Backend<F>,
): void {
  const owner = 'clipGradValue';
  checkParams(owner, params);
  checkBackend(owner, backend);
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) {
    throw new UsageError(`${owner}: clipValue must be a number >= 0, got ${describeValue(clipValue)}`);
  }
  if (params.length === 0) return;
  for (const param of params) backend.clamp(param.grad.length, -clipValue, clipValue, param.grad);
}

function checkParams(owner: string, params: unknown): void {
  if (
    !Array.isArray(params) ||
    !params.every((p: unknown) => typeof p === 'object' && p !== null && ArrayBuffer.isView((p as { grad?: unknown }).grad))
  ) {
    throw new UsageError(`${owner}: params must be an array of parameters with a grad buffer`);
  }
}

/** @throws UsageError when a JavaScript caller left the backend out. */
function checkBackend(owner: string, backend: unknown): void {
  if (backend === undefined || backend === null) throw new UsageError(`${owner}: pass the backend that holds the gradients`);
}
