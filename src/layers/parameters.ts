/**
 * Parameters: named, shaped weight buffers with their gradient buffers.
 *
 * A layer is built synchronously, before any backend exists, so its parameters start
 * as host arrays holding their initial values; {@link ParameterSet.bind} moves them into
 * a backend's memory (once, on the layer's first use). From then on the backend buffers
 * are the only copy. Gradients accumulate (+=) until {@link ParameterSet.zeroGrad}.
 */
import type { Backend, FloatArray } from '../backend/backend.js';
import { RnnkitError, ShapeError } from '../errors.js';
import { type Random } from '../random.js';
import { assertFinite, assertTensor, formatShape, sizeOf, type Tensor } from '../tensor/tensor.js';

/** One trainable tensor: its value and its gradient, in a backend's memory. */
export interface Parameter<F extends FloatArray = Float32Array> {
  /** PyTorch's name, e.g. `weight_ih_l0_reverse`. */
  readonly name: string;
  readonly shape: readonly number[];
  /** The values, row-major. */
  readonly value: F;
  /** The accumulated gradient, same layout. */
  readonly grad: F;
}

/**
 * The same parameters (values and gradients shared) named `<prefix>.<name>`, for models
 * made of several layers whose own names repeat (optimizers key their state on names).
 */
export function prefixed<F extends FloatArray>(prefix: string, params: readonly Parameter<F>[]): Parameter<F>[] {
  return params.map((p) => ({ name: `${prefix}.${p.name}`, shape: p.shape, value: p.value, grad: p.grad }));
}

/** How a parameter is created: its name, shape and initial distribution. */
export interface ParameterSpec {
  name: string;
  shape: number[];
  /**
   * Initial values: uniform in [−bound, bound] (PyTorch's RNN and Linear defaults), normal
   * with mean 0 and this standard deviation (PyTorch's Embedding), or all zero.
   */
  init: { uniform: number } | { normal: number } | 'zeros';
}

/** The parameters of one layer, in creation order. */
export class ParameterSet<F extends FloatArray = Float32Array> {
  private readonly specs: ParameterSpec[];
  private host: Map<string, Float32Array> | undefined;
  private bound: Map<string, Parameter<F>> | undefined;
  private backendOf: Backend<F> | undefined;

  /** Creates the parameters with initial values drawn from `random` in spec order. */
  constructor(specs: ParameterSpec[], random: Random) {
    this.specs = specs;
    this.host = new Map();
    for (const spec of specs) {
      const data = new Float32Array(sizeOf(spec.shape));
      const init = spec.init;
      if (init !== 'zeros' && 'uniform' in init) {
        for (let i = 0; i < data.length; i++) data[i] = random.uniform(-init.uniform, init.uniform);
      } else if (init !== 'zeros') {
        for (let i = 0; i < data.length; i++) data[i] = init.normal * random.normal();
      }
      this.host.set(spec.name, data);
    }
  }

  /** Parameter names in creation order. */
  get names(): string[] {
    return this.specs.map((s) => s.name);
  }

  /** The backend the parameters live in, once bound. */
  get backend(): Backend<F> | undefined {
    return this.backendOf;
  }

  /**
   * Moves the parameters into `backend` (values copied, gradients zeroed). Binding
   * again to the same backend does nothing.
   * @throws RnnkitError when already bound to another backend.
   */
  bind(backend: Backend<F>): void {
    if (this.backendOf === backend) return;
    if (this.backendOf !== undefined) {
      throw new RnnkitError('parameters already live in another backend; create the layer after choosing the backend');
    }
    const bound = new Map<string, Parameter<F>>();
    for (const spec of this.specs) {
      const n = sizeOf(spec.shape);
      const value = backend.alloc(n);
      value.set(this.host!.get(spec.name)!);
      bound.set(spec.name, { name: spec.name, shape: spec.shape, value, grad: backend.alloc(n) });
    }
    this.bound = bound;
    this.backendOf = backend;
    this.host = undefined;
  }

  /** The bound parameter `name`. @throws RnnkitError before {@link bind}. */
  get(name: string): Parameter<F> {
    const p = this.bound?.get(name);
    if (p === undefined) throw new RnnkitError(`parameter ${name} is not bound to a backend yet`);
    return p;
  }

  /** All bound parameters in creation order. */
  list(): Parameter<F>[] {
    return this.specs.map((s) => this.get(s.name));
  }

  /** Copies of the values as float32 tensors, keyed by name. */
  stateDict(): Record<string, Tensor> {
    return this.snapshot((name) => this.host?.get(name) ?? this.get(name).value);
  }

  /** Copies of the accumulated gradients (zeros before the first backward). */
  gradients(): Record<string, Tensor> {
    return this.snapshot((name) => (this.bound === undefined ? undefined : this.get(name).grad));
  }

  /**
   * Loads values by name. Every parameter must be present with its exact shape and
   * finite values; names this set does not have are an error too (as PyTorch's strict load).
   * @throws ShapeError naming the first missing, unexpected or misshapen entry.
   */
  loadStateDict(dict: Record<string, Tensor>, owner: string): void {
    if (typeof dict !== 'object' || dict === null) throw new ShapeError(`${owner}.loadStateDict: expected an object of tensors`);
    const expected = new Set(this.names);
    const unexpected = Object.keys(dict).filter((k) => !expected.has(k));
    const missing = this.names.filter((k) => !(k in dict));
    if (missing.length > 0 || unexpected.length > 0) {
      const parts = [];
      if (missing.length > 0) parts.push(`missing ${missing.join(', ')}`);
      if (unexpected.length > 0) parts.push(`unexpected ${unexpected.join(', ')}`);
      throw new ShapeError(`${owner}.loadStateDict: ${parts.join('; ')} (expected ${this.names.join(', ')})`);
    }
    for (const spec of this.specs) {
      const t = dict[spec.name];
      assertTensor(t, `${owner}.loadStateDict: ${spec.name}`);
      if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
        throw new ShapeError(
          `${owner}.loadStateDict: ${spec.name} must have shape ${formatShape(spec.shape)}, ` + `got ${formatShape(t.shape)}`,
        );
      }
      assertFinite(t.data, `${owner}.loadStateDict: ${spec.name}`);
    }
    for (const spec of this.specs) {
      const target = this.host?.get(spec.name) ?? this.get(spec.name).value;
      target.set(dict[spec.name].data);
    }
  }

  /** Sets every gradient to zero. */
  zeroGrad(): void {
    if (this.bound === undefined) return;
    for (const p of this.bound.values()) this.backendOf!.fill(p.grad.length, 0, p.grad);
  }

  private snapshot(source: (name: string) => FloatArray | undefined): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const spec of this.specs) {
      const data = new Float32Array(sizeOf(spec.shape));
      const from = source(spec.name);
      if (from !== undefined) data.set(from);
      out[spec.name] = { shape: [...spec.shape], data };
    }
    return out;
  }
}
