/**
 * What models built on an engine of parameter groups share: their parameters and state
 * dict are the engine's, and a training flag (dropout, scheduled sampling) they read.
 */
import type { Parameter } from '../layers/parameters.js';
import type { ParameterGroups } from '../layers/parameter-groups.js';
import type { Tensor } from '../tensor/tensor.js';
import { ModelBase } from './model.js';

export abstract class CoreModel<C extends ParameterGroups<Float32Array>> extends ModelBase {
  /** Training mode: dropout (and the like) active. */
  training = true;

  protected constructor(readonly core: C) {
    super();
  }

  /** Every parameter under its prefixed name, sharing the model's buffers (already in its backend). */
  async parameters(): Promise<Parameter[]> {
    return this.core.parameters();
  }

  /** Copies of every parameter, keyed by prefixed name. */
  stateDict(): Record<string, Tensor> {
    return this.core.stateDict();
  }

  /** @throws ShapeError naming the first missing, unexpected or misshapen entry. */
  loadStateDict(dict: Record<string, Tensor>): void {
    this.core.loadStateDict(dict);
  }

  zeroGrad(): void {
    this.core.zeroGrad();
  }

  train(mode = true): this {
    this.training = mode;
    return this;
  }
}
