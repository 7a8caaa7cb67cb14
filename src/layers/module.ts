/**
 * The shell every public layer shares: its parameters (PyTorch names), training mode,
 * its generator, and the backend it computes with — given explicitly, or the current
 * one (see getBackend), bound on first use.
 */
import type { Backend } from '../backend/backend.js';
import { getBackend } from '../backend/select.js';
import { UsageError } from '../errors.js';
import { defaultRandom, Random } from '../random.js';
import type { Tensor } from '../tensor/tensor.js';
import { type Parameter, ParameterSet, type ParameterSpec } from './parameters.js';

/** Options every layer accepts. */
export interface ModuleOptions {
  /**
   * Seed of the layer's own generator (initial weights, dropout masks). Without it the
   * layer draws from the shared generator that {@link manualSeed} seeds.
   */
  seed?: number;
  /** Backend to compute with. Without it, the current backend on first use. */
  backend?: Backend;
}

export abstract class Module {
  /** Training mode: dropout is active. PyTorch's default. */
  training = true;
  protected readonly params: ParameterSet;
  /** The layer's generator (initial weights, dropout masks); training checkpoints keep its state. */
  readonly random: Random;
  private readonly explicitBackend: Backend | undefined;

  protected constructor(
    specs: ParameterSpec[],
    options: ModuleOptions,
    protected readonly label: string,
  ) {
    if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
      throw new UsageError(`${label}: seed must be an integer, got ${String(options.seed)}`);
    }
    this.random = options.seed === undefined ? defaultRandom() : new Random(options.seed);
    this.explicitBackend = options.backend;
    this.params = new ParameterSet(specs, this.random);
    if (options.backend !== undefined) this.params.bind(options.backend);
  }

  /** Training mode on (dropout active) or off. Returns the layer. */
  train(mode = true): this {
    this.training = mode;
    return this;
  }

  /** Evaluation mode: no dropout. Returns the layer. */
  eval(): this {
    return this.train(false);
  }

  /** Parameters in `stateDict` order, bound to the layer's backend. */
  async parameters(): Promise<Parameter[]> {
    await this.backendInUse();
    return this.params.list();
  }

  /** Copies of the parameters, keyed by PyTorch's names. */
  stateDict(): Record<string, Tensor> {
    return this.params.stateDict();
  }

  /**
   * Loads parameters by PyTorch's names; all must be present with their exact shapes.
   * With `prefix`, `dict` may be a whole model's state dict: only the entries whose names
   * start with the prefix are taken, without it (`rnn.weight_ih_l0` → `weight_ih_l0`).
   * @example lstm.loadStateDict(readSafetensors(bytes), { prefix: 'rnn.' })
   * @throws ShapeError naming the first missing, unexpected or misshapen entry.
   */
  loadStateDict(dict: Record<string, Tensor>, options: { prefix?: string } = {}): void {
    const { prefix } = options;
    if (prefix === undefined || prefix === '') {
      this.params.loadStateDict(dict, this.label);
      return;
    }
    const part: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(dict)) if (name.startsWith(prefix)) part[name.slice(prefix.length)] = t;
    this.params.loadStateDict(part, `${this.label} (prefix '${prefix}')`);
  }

  /** Copies of the accumulated parameter gradients, named as the state dict. */
  gradients(): Record<string, Tensor> {
    return this.params.gradients();
  }

  /** Clears the accumulated gradients. */
  zeroGrad(): void {
    this.params.zeroGrad();
  }

  /** The backend the layer computes with; its parameters are bound to it from now on. */
  protected async backendInUse(): Promise<Backend> {
    const backend = this.explicitBackend ?? this.params.backend ?? (await getBackend());
    this.params.bind(backend);
    return backend;
  }
}
