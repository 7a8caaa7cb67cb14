/**
 * The optimizer base: a fixed list of parameters, per-parameter state buffers
 * allocated once in the parameters' backend, and a snapshot of that state for
 * checkpoints. Subclasses ({@link SGD}, {@link Adam}, {@link AdamW}, {@link RMSprop})
 * choose the buffers and call one fused backend kernel per parameter.
 *
 * Semantics follow `torch.optim` 1.13 with one parameter group: every call of
 * {@link Optimizer.step} updates every parameter from its accumulated `.grad`.
 */
import type { Backend, FloatArray } from '../../backend/backend.js';
import { NonFiniteError, ShapeError, UsageError } from '../../errors.js';
import type { Parameter } from '../../layers/parameters.js';
import { formatShape, sizeOf } from '../../tensor/tensor.js';
import { check, describeValue } from '../check.js';

/**
 * A plain, serialisable snapshot of an optimizer's state, enough to resume training
 * exactly. Buffers are keyed `${parameterName}.${bufferName}` with PyTorch's state
 * names (`exp_avg`, `exp_avg_sq`, `momentum_buffer`, `square_avg`, `grad_avg`).
 */
export interface OptimizerState {
  /** Number of {@link Optimizer.step} calls made so far. */
  step: number;
  /** The learning rate at the time of the snapshot. */
  lr: number;
  /** Copies of the state buffers, each as long as its parameter. */
  buffers: Record<string, Float32Array>;
}

/** Anything whose learning rate a schedule can set (an {@link Optimizer}, or a stand-in). */
export interface HasLearningRate {
  lr: number;
}

/**
 * Base class of the optimizers.
 *
 * Parameter names key the state snapshot, so they must be unique in the list. A model
 * built from several layers whose parameters share names (two `weight`s) passes prefixed
 * views, which share the buffers: `params.map((p) => ({ ...p, name: 'decoder.' + p.name }))`.
 * @typeParam F element array type of the backend (Float32Array, or Float64Array on the float64 reference backend).
 */
export abstract class Optimizer<F extends FloatArray = Float32Array> implements HasLearningRate {
  /** The parameters this optimizer updates, in the order given. */
  readonly parameters: readonly Parameter<F>[];
  /** The backend that holds the parameters and the optimizer state. */
  readonly backend: Backend<F>;
  /** Name used in error messages, e.g. `Adam`. */
  protected readonly owner: string;
  /** State buffers per parameter (same index as {@link parameters}), by PyTorch state name. */
  protected readonly state: Map<string, F>[];
  private learningRate: number;
  private steps = 0;
  private placeholder: F | undefined;
  private disposed = false;

  /**
   * @param owner class name for messages.
   * @param params parameters with distinct names, their buffers in `backend`'s memory.
   * @param lr initial learning rate.
   * @param backend where the parameters live; the optimizer state is allocated there.
   * @throws UsageError on an empty list, duplicate names or an invalid learning rate.
   * @throws ShapeError when a parameter's value or gradient does not match its shape.
   */
  protected constructor(owner: string, params: readonly Parameter<F>[], lr: number, backend: Backend<F>) {
    this.owner = owner;
    if (!Array.isArray(params)) throw new UsageError(`${owner}: params must be an array of parameters`);
    if (params.length === 0) throw new UsageError(`${owner}: got an empty parameter list`);
    const seen = new Set<string>();
    for (const p of params) {
      if (
        typeof p !== 'object' ||
        p === null ||
        typeof p.name !== 'string' ||
        !Array.isArray(p.shape) ||
        !ArrayBuffer.isView(p.value) ||
        !ArrayBuffer.isView(p.grad)
      ) {
        throw new UsageError(
          `${owner}: every parameter must be a { name, shape, value, grad } object ` +
            `with value and grad buffers from the backend, got ${describeValue(p)}`,
        );
      }
      if (seen.has(p.name)) throw new UsageError(`${owner}: parameter name '${p.name}' appears more than once`);
      seen.add(p.name);
      const n = sizeOf(p.shape);
      if (p.value.length !== n || p.grad.length !== n) {
        throw new ShapeError(
          `${owner}: parameter ${p.name} of shape ${formatShape(p.shape)} needs ${n} values ` +
            `and gradients, got ${p.value.length} and ${p.grad.length}`,
        );
      }
    }
    checkLearningRate(owner, lr);
    this.parameters = [...params];
    if (backend === undefined) throw new UsageError(`${owner}: pass the backend that holds the parameters`);
    this.backend = backend;
    this.learningRate = lr;
    this.state = params.map(() => new Map<string, F>());
  }

  /** The learning rate used by the next {@link step}; schedules set it. @throws UsageError unless finite and ≥ 0. */
  get lr(): number {
    return this.learningRate;
  }

  set lr(value: number) {
    checkLearningRate(this.owner, value);
    this.learningRate = value;
  }

  /** Number of {@link step} calls made so far (PyTorch's `state['step']`). */
  get stepCount(): number {
    return this.steps;
  }

  /** Applies one update to every parameter from its `.grad`. */
  step(): void {
    this.assertLive();
    const t = this.steps + 1;
    for (let i = 0; i < this.parameters.length; i++) this.update(this.parameters[i], this.state[i], t);
    this.steps = t;
  }

  /** Sets every parameter's gradient to 0 (PyTorch's `zero_grad(set_to_none=False)`). */
  zeroGrad(): void {
    for (const p of this.parameters) this.backend.fill(p.grad.length, 0, p.grad);
  }

  /** A copy of the step count, learning rate and state buffers (see {@link OptimizerState}). */
  stateDict(): OptimizerState {
    this.assertLive();
    const buffers: Record<string, Float32Array> = {};
    this.parameters.forEach((p, i) => {
      for (const [name, buffer] of this.state[i]) buffers[`${p.name}.${name}`] = Float32Array.from(buffer);
    });
    return { step: this.steps, lr: this.learningRate, buffers };
  }

  /**
   * Restores a snapshot from {@link stateDict} of an optimizer of the same kind and
   * options over parameters with the same names and sizes. Nothing changes unless the
   * whole snapshot is valid.
   * @throws UsageError on a malformed snapshot, a bad step count or learning rate.
   * @throws ShapeError naming missing or unexpected buffers, or a buffer of the wrong length.
   * @throws NonFiniteError when a buffer holds NaN or an infinity.
   */
  loadStateDict(state: OptimizerState): void {
    this.assertLive();
    const where = `${this.owner}.loadStateDict`;
    if (typeof state !== 'object' || state === null) throw new UsageError(`${where}: expected { step, lr, buffers }`);
    if (!Number.isInteger(state.step) || state.step < 0) {
      throw new UsageError(`${where}: step must be a non-negative integer, got ${String(state.step)}`);
    }
    checkLearningRate(where, state.lr);
    const buffers: unknown = state.buffers;
    if (typeof buffers !== 'object' || buffers === null) throw new UsageError(`${where}: buffers must be an object`);
    const targets = new Map<string, F>();
    this.parameters.forEach((p, i) => {
      for (const [name, buffer] of this.state[i]) targets.set(`${p.name}.${name}`, buffer);
    });
    const given = Object.keys(buffers);
    const unexpected = given.filter((k) => !targets.has(k));
    const missing = [...targets.keys()].filter((k) => !given.includes(k));
    if (missing.length > 0 || unexpected.length > 0) {
      const parts = [];
      if (missing.length > 0) parts.push(`missing ${missing.join(', ')}`);
      if (unexpected.length > 0) parts.push(`unexpected ${unexpected.join(', ')}`);
      const expected = targets.size === 0 ? 'no buffers' : [...targets.keys()].join(', ');
      throw new ShapeError(`${where}: ${parts.join('; ')} (expected ${expected})`);
    }
    const source = buffers as Record<string, unknown>;
    for (const [key, target] of targets) {
      const data = source[key];
      if (!(data instanceof Float32Array || data instanceof Float64Array)) {
        throw new ShapeError(`${where}: ${key} must be a Float32Array, got ${describeValue(data)}`);
      }
      if (data.length !== target.length) {
        throw new ShapeError(`${where}: ${key} must have ${target.length} elements, got ${data.length}`);
      }
      const bad = data.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw new NonFiniteError(`${where}: ${key} holds ${data[bad]} at index ${bad}`);
    }
    for (const [key, target] of targets) target.set(source[key] as FloatArray);
    this.steps = state.step;
    this.learningRate = state.lr;
  }

  /** Frees the state buffers. The optimizer must not be used afterwards (the parameters stay). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const buffers of this.state) {
      for (const buffer of buffers.values()) this.backend.free(buffer);
      buffers.clear();
    }
    if (this.placeholder !== undefined) this.backend.free(this.placeholder);
    this.placeholder = undefined;
  }

  /** Updates one parameter; `t` is the 1-based step number. */
  protected abstract update(param: Parameter<F>, state: Map<string, F>, t: number): void;

  /** Allocates the named zero-filled buffers for every parameter (call once, from the constructor). */
  protected allocateState(names: readonly string[]): void {
    this.parameters.forEach((p, i) => {
      for (const name of names) this.state[i].set(name, this.backend.alloc(p.value.length));
    });
  }

  /** A tiny buffer to pass for a kernel argument that the chosen options leave unused. */
  protected unused(): F {
    this.placeholder ??= this.backend.alloc(1);
    return this.placeholder;
  }

  private assertLive(): void {
    if (this.disposed) throw new UsageError(`${this.owner}: the optimizer has been disposed`);
  }
}

function checkLearningRate(owner: string, lr: unknown): void {
  if (lr === undefined) throw new UsageError(`${owner}: lr is required`);
  check.nonNegative(owner, 'lr', lr);
}
