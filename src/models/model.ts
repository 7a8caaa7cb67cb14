/**
 * What every model offers, whatever it is built from: its parameters (named, sharing the
 * model's buffers, in the backend the model computes with), its state dict, gradient resets
 * and training mode — the surface an optimizer, a checkpoint and a model file need, as in
 * PyTorch's nn.Module.
 */
import type { Parameter } from '../layers/parameters.js';
import type { Tensor } from '../tensor/tensor.js';

export abstract class ModelBase {
  /**
   * Every parameter under its prefixed name (optimizers key their state on names), bound to
   * the backend the model computes with. Asynchronous because a model built on layers binds
   * them to their backend on first use.
   */
  abstract parameters(): Promise<Parameter[]>;

  /** Copies of every parameter (and of any other tensor the model keeps), keyed by prefixed name. */
  abstract stateDict(): Record<string, Tensor>;

  /**
   * Loads what {@link stateDict} gives, every entry with its exact shape.
   * @throws ShapeError naming the first missing, unexpected or misshapen entry.
   */
  abstract loadStateDict(dict: Record<string, Tensor>): void;

  /** Clears the accumulated gradients. */
  abstract zeroGrad(): void;

  /** Training mode (dropout and the like active) or evaluation mode. Returns the model. */
  abstract train(mode?: boolean): this;

  /** Evaluation mode: the same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }
}
