/**
 * Finite-difference gradient checks in float64 (central differences, as torch.autograd.gradcheck): every element of every
 * named tensor is moved by ±eps, the loss recomputed, and the central difference
 * compared with the analytic gradient (gradcheck's defaults: eps 1e-6, atol 1e-5, rtol 1e-3).
 */
import assert from 'node:assert/strict';

export interface Checked {
  /** Name for the report (a parameter name, `x`, `h0`, …). */
  name: string;
  /** The values the loss reads; perturbed in place and restored. */
  values: Float64Array;
  /** The analytic gradient dL/dvalues. */
  grad: ArrayLike<number>;
  /** Element indices to skip (e.g. padding that the loss cannot see). */
  skip?: (index: number) => boolean;
}

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
}

/** Asserts that every analytic gradient matches central differences of `loss`. */
export function gradcheck(tensors: Checked[], loss: () => number, { eps = 1e-6, atol = 1e-5, rtol = 1e-3 }: GradcheckOptions = {}): void {
  const failures: string[] = [];
  let checked = 0;
  for (const t of tensors) {
    assert.equal(t.grad.length, t.values.length, `${t.name}: gradient length ${t.grad.length} vs ${t.values.length}`);
    for (let i = 0; i < t.values.length; i++) {
      if (t.skip?.(i)) continue;
      const saved = t.values[i];
      t.values[i] = saved + eps;
      const plus = loss();
      t.values[i] = saved - eps;
      const minus = loss();
      t.values[i] = saved;
      const numeric = (plus - minus) / (2 * eps);
      const analytic = t.grad[i];
      checked++;
      if (!(Math.abs(numeric - analytic) <= atol + rtol * Math.abs(numeric))) {
        if (failures.length < 8) failures.push(`${t.name}[${i}]: analytic ${analytic}, numeric ${numeric}`);
        else if (failures.length === 8) failures.push('…');
      }
    }
  }
  assert.ok(checked > 0, 'gradcheck checked no element');
  if (failures.length > 0) assert.fail(`gradient mismatch (${checked} elements checked):\n  ${failures.join('\n  ')}`);
}

/** Σ w ⊙ v: reduces an output with fixed random weights, so every element gets its own gradient. */
export function weightedSum(values: ArrayLike<number>, weights: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * weights[i];
  return sum;
}
