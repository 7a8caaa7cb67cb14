/**
 * Reference optimizer updates, written as PyTorch documents them
 * (torch.optim.Adam / AdamW / SGD / RMSprop, default `foreach=False` semantics).
 */
import type { AdamStep, FloatArray, RmspropStep, SgdStep } from '../backend.js';

export function adamUpdate<F extends FloatArray>(n: number, param: F, grad: F, m: F, v: F, s: AdamStep): void {
  const stepSize = s.lr / s.biasCorrection1;
  const sqrtBc2 = Math.sqrt(s.biasCorrection2);
  for (let i = 0; i < n; i++) {
    let g = grad[i];
    if (s.decoupled)
      param[i] *= 1 - s.lr * s.weightDecay; // AdamW: θ ← θ − lr·λ·θ
    else g += s.weightDecay * param[i]; // Adam: g ← g + λ·θ
    m[i] = s.beta1 * m[i] + (1 - s.beta1) * g; // m ← β₁m + (1 − β₁)g
    v[i] = s.beta2 * v[i] + (1 - s.beta2) * g * g; // v ← β₂v + (1 − β₂)g²
    // θ ← θ − lr/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε)
    param[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtBc2 + s.eps);
  }
}

export function sgdUpdate<F extends FloatArray>(n: number, param: F, grad: F, buf: F, s: SgdStep): void {
  for (let i = 0; i < n; i++) {
    let g = grad[i] + s.weightDecay * param[i];
    if (s.momentum !== 0) {
      // b ← g on the first step, else b ← μb + (1 − dampening)g
      buf[i] = s.first ? g : s.momentum * buf[i] + (1 - s.dampening) * g;
      g = s.nesterov ? g + s.momentum * buf[i] : buf[i];
    }
    param[i] -= s.lr * g;
  }
}

export function rmspropUpdate<F extends FloatArray>(n: number, param: F, grad: F, sq: F, buf: F, gAvg: F, s: RmspropStep): void {
  for (let i = 0; i < n; i++) {
    const g = grad[i] + s.weightDecay * param[i];
    sq[i] = s.alpha * sq[i] + (1 - s.alpha) * g * g; // E[g²] ← αE[g²] + (1 − α)g²
    let avg: number;
    if (s.centered) {
      gAvg[i] = s.alpha * gAvg[i] + (1 - s.alpha) * g; // E[g] ← αE[g] + (1 − α)g
      avg = Math.sqrt(sq[i] - gAvg[i] * gAvg[i]) + s.eps;
    } else {
      avg = Math.sqrt(sq[i]) + s.eps;
    }
    if (s.momentum > 0) {
      buf[i] = s.momentum * buf[i] + g / avg;
      param[i] -= s.lr * buf[i];
    } else {
      param[i] -= (s.lr * g) / avg;
    }
  }
}
