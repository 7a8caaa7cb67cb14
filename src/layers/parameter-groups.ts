/**
 * The parameters of a model made of several parameter sets, each under a name prefix
 * (`encoder.rnn.`, `output.`, …): one list for optimizers, one state dict for files.
 */
import type { FloatArray } from '../backend/backend.js';
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Parameter, ParameterSet } from './parameters.js';

/** A parameter set and the prefix of its names in the model. */
export interface ParameterGroup<F extends FloatArray> {
  prefix: string;
  params: ParameterSet<F>;
}

export class ParameterGroups<F extends FloatArray> {
  /** @param owner names the model in error messages. */
  constructor(
    readonly groups: readonly ParameterGroup<F>[],
    private readonly owner: string,
  ) {}

  /** Every parameter, named `<prefix><name>`, sharing the model's buffers. */
  parameters(): Parameter<F>[] {
    return this.groups.flatMap(({ prefix, params }) => params.list().map((p) => ({ ...p, name: prefix + p.name })));
  }

  /** Copies of every parameter, keyed by prefixed name. */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const { prefix, params } of this.groups) {
      for (const [name, t] of Object.entries(params.stateDict())) out[prefix + name] = t;
    }
    return out;
  }

  /**
   * Loads every parameter by prefixed name; all must be present with their shapes, and
   * no other name may appear.
   * @throws ShapeError naming the first missing, unexpected or misshapen entry.
   */
  loadStateDict(dict: Record<string, Tensor>): void {
    const known = new Set(this.groups.flatMap(({ prefix, params }) => params.names.map((n) => prefix + n)));
    const unexpected = Object.keys(dict).filter((k) => !known.has(k));
    if (unexpected.length > 0) throw new ShapeError(`${this.owner}.loadStateDict: unexpected ${unexpected.join(', ')}`);
    for (const { prefix, params } of this.groups) {
      const part: Record<string, Tensor> = {};
      for (const name of params.names) if (prefix + name in dict) part[name] = dict[prefix + name];
      params.loadStateDict(part, `${this.owner}.loadStateDict (${prefix.slice(0, -1)})`);
    }
  }

  /** Clears every accumulated gradient. */
  zeroGrad(): void {
    for (const { params } of this.groups) params.zeroGrad();
  }
}
