// Elementwise kernels, bias and column sums, softmax cross-entropy.
//
// Legend: n elements; a [rows, cols] matrix with leading dimension ld (elements).
// Pointers are byte offsets. Each loop runs four lanes at a time, then a scalar tail
// that uses the same formulas (the vector helpers on a one-lane splat).

import { expV, sigmoidV, tanhV } from './simd';

/** Activation codes shared with the TypeScript wrapper. */
const SIGMOID: i32 = 0;
const TANH: i32 = 1;
const RELU: i32 = 2;

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

export function fill(n: i32, value: f32, x: usize): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(x, i), v);
  for (; i < n; i++) store<f32>(at(x, i), value);
}

export function copy(n: i32, x: usize, y: usize): void {
  memory.copy(y, x, <usize>n << 2);
}

export function axpy(n: i32, alpha: f32, x: usize, y: usize): void {
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(at(y, i), f32x4.add(v128.load(at(y, i)), f32x4.mul(a, v128.load(at(x, i)))));
  }
  for (; i < n; i++) store<f32>(at(y, i), load<f32>(at(y, i)) + alpha * load<f32>(at(x, i)));
}

export function scale(n: i32, alpha: f32, x: usize): void {
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(x, i), f32x4.mul(a, v128.load(at(x, i))));
  for (; i < n; i++) store<f32>(at(x, i), alpha * load<f32>(at(x, i)));
}

/** C[i, j] += bias[j]. */
export function addBias(rows: i32, cols: i32, bias: usize, c: usize, ldc: i32): void {
  for (let i = 0; i < rows; i++) axpy(cols, 1, bias, c + (<usize>i) * (<usize>ldc << 2));
}

/** out[j] = beta·out[j] + Σᵢ x[i, j]. */
export function columnSums(rows: i32, cols: i32, x: usize, ldx: i32, beta: f32, out: usize): void {
  if (beta == 0) fill(cols, 0, out);
  else if (beta != 1) scale(cols, beta, out);
  for (let i = 0; i < rows; i++) axpy(cols, 1, x + (<usize>i) * (<usize>ldx << 2), out);
}

/** out[j] = beta·out[j] + Σᵢ x[i, j]·y[i, j]. */
export function columnProductSums(rows: i32, cols: i32, x: usize, ldx: i32, y: usize, ldy: i32, beta: f32, out: usize): void {
  if (beta == 0) fill(cols, 0, out);
  else if (beta != 1) scale(cols, beta, out);
  for (let i = 0; i < rows; i++) {
    const xi = x + (<usize>i) * (<usize>ldx << 2), yi = y + (<usize>i) * (<usize>ldy << 2);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      v128.store(at(out, j), f32x4.add(v128.load(at(out, j)), f32x4.mul(v128.load(at(xi, j)), v128.load(at(yi, j)))));
    }
    for (; j < cols; j++) store<f32>(at(out, j), load<f32>(at(out, j)) + load<f32>(at(xi, j)) * load<f32>(at(yi, j)));
  }
}

@inline function activateV(kind: i32, v: v128): v128 {
  if (kind == SIGMOID) return sigmoidV(v);
  if (kind == TANH) return tanhV(v);
  return f32x4.max(v, f32x4.splat(0));
}

/** y = f(x). */
export function activate(kind: i32, n: i32, x: usize, y: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(y, i), activateV(kind, v128.load(at(x, i))));
  for (; i < n; i++) store<f32>(at(y, i), f32x4.extract_lane(activateV(kind, f32x4.splat(load<f32>(at(x, i)))), 0));
}

// f′ through the output y: sigmoid y(1 − y), tanh 1 − y², relu [y > 0].
@inline function slopeV(kind: i32, y: v128): v128 {
  const one = f32x4.splat(1);
  if (kind == SIGMOID) return f32x4.mul(y, f32x4.sub(one, y));
  if (kind == TANH) return f32x4.sub(one, f32x4.mul(y, y));
  return v128.and(one, f32x4.gt(y, f32x4.splat(0)));
}

/** dx = dy · f′(y). */
export function activateBackward(kind: i32, n: i32, y: usize, dy: usize, dx: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(at(dx, i), f32x4.mul(v128.load(at(dy, i)), slopeV(kind, v128.load(at(y, i)))));
  }
  for (; i < n; i++) {
    const s = f32x4.extract_lane(slopeV(kind, f32x4.splat(load<f32>(at(y, i)))), 0);
    store<f32>(at(dx, i), load<f32>(at(dy, i)) * s);
  }
}

/** Softmax of one row of `cols` values at x into y; returns Σ e^(x − max) and leaves max in `rowMax`. */
let rowMax: f32 = 0;
function softmaxRow(cols: i32, x: usize, y: usize): f32 {
  let maxV = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= cols; j += 4) maxV = f32x4.max(maxV, v128.load(at(x, j)));
  let top = max(max(f32x4.extract_lane(maxV, 0), f32x4.extract_lane(maxV, 1)),
                max(f32x4.extract_lane(maxV, 2), f32x4.extract_lane(maxV, 3)));
  for (; j < cols; j++) top = max(top, load<f32>(at(x, j)));
  const m = f32x4.splat(top);
  let sumV = f32x4.splat(0);
  j = 0;
  for (; j + 4 <= cols; j += 4) {
    const e = expV(f32x4.sub(v128.load(at(x, j)), m));
    v128.store(at(y, j), e);
    sumV = f32x4.add(sumV, e);
  }
  let sum = f32x4.extract_lane(sumV, 0) + f32x4.extract_lane(sumV, 1)
          + f32x4.extract_lane(sumV, 2) + f32x4.extract_lane(sumV, 3);
  for (; j < cols; j++) {
    const e = f32x4.extract_lane(expV(f32x4.splat(load<f32>(at(x, j)) - top)), 0);
    store<f32>(at(y, j), e);
    sum += e;
  }
  scale(cols, 1 / sum, y);
  rowMax = top;
  return sum;
}

/** y = softmax(x) per row. */
export function softmax(rows: i32, cols: i32, x: usize, y: usize): void {
  for (let r = 0; r < rows; r++) softmaxRow(cols, x + (<usize>(r * cols) << 2), y + (<usize>(r * cols) << 2));
}

/** dx = y ⊙ (dy − Σ y·dy) per row. */
export function softmaxBackward(rows: i32, cols: i32, y: usize, dy: usize, dx: usize): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>(r * cols) << 2;
    let dotV = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= cols; j += 4) dotV = f32x4.add(dotV, f32x4.mul(v128.load(at(y + o, j)), v128.load(at(dy + o, j))));
    let dot = f32x4.extract_lane(dotV, 0) + f32x4.extract_lane(dotV, 1)
            + f32x4.extract_lane(dotV, 2) + f32x4.extract_lane(dotV, 3);
    for (; j < cols; j++) dot += load<f32>(at(y + o, j)) * load<f32>(at(dy + o, j));
    const d = f32x4.splat(dot);
    j = 0;
    for (; j + 4 <= cols; j += 4) {
      v128.store(at(dx + o, j), f32x4.mul(v128.load(at(y + o, j)), f32x4.sub(v128.load(at(dy + o, j)), d)));
    }
    for (; j < cols; j++) store<f32>(at(dx + o, j), load<f32>(at(y + o, j)) * (load<f32>(at(dy + o, j)) - dot));
  }
}

/** probs = softmax(logits) per row; losses[r] = −log probs[r, t] (0 where t is ignoreIndex). */
export function softmaxCrossEntropy(rows: i32, cols: i32, logits: usize, targets: usize, ignoreIndex: i32,
                                    probs: usize, losses: usize): void {
  for (let r = 0; r < rows; r++) {
    const x = logits + (<usize>(r * cols) << 2);
    const sum = softmaxRow(cols, x, probs + (<usize>(r * cols) << 2));
    const t = load<i32>(at(targets, r));
    // −log softmax(x)[t] = log Σ e^(x − max) − (x_t − max)
    store<f32>(at(losses, r), t == ignoreIndex ? 0 : Mathf.log(sum) - (load<f32>(at(x, t)) - rowMax));
  }
}

/** dlogits = scale · (probs − onehot(t)) per row, 0 for rows whose target is ignoreIndex. */
export function softmaxCrossEntropyBackward(rows: i32, cols: i32, probs: usize, targets: usize, ignoreIndex: i32,
                                            scaleBy: f32, dlogits: usize): void {
  for (let r = 0; r < rows; r++) {
    const p = probs + (<usize>(r * cols) << 2);
    const d = dlogits + (<usize>(r * cols) << 2);
    const t = load<i32>(at(targets, r));
    if (t == ignoreIndex) {
      fill(cols, 0, d);
      continue;
    }
    if (d != p) copy(cols, p, d);
    store<f32>(at(d, t), load<f32>(at(d, t)) - 1);
    scale(cols, scaleBy, d);
  }
}

/** out = x ⊙ y. */
export function mul(n: i32, x: usize, y: usize, out: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(out, i), f32x4.mul(v128.load(at(x, i)), v128.load(at(y, i))));
  for (; i < n; i++) store<f32>(at(out, i), load<f32>(at(x, i)) * load<f32>(at(y, i)));
}

/** x = min(max(x, lo), hi). */
export function clamp(n: i32, lo: f32, hi: f32, x: usize): void {
  const l = f32x4.splat(lo), h = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(at(x, i), f32x4.min(f32x4.max(v128.load(at(x, i)), l), h));
  for (; i < n; i++) store<f32>(at(x, i), min(max(load<f32>(at(x, i)), lo), hi));
}

/** Σ x², each square widened to f64 before it is added. */
export function sumSquares(n: i32, x: usize): f64 {
  let lo = f64x2.splat(0), hi = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(at(x, i));
    const a = f64x2.promote_low_f32x4(v);
    const b = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
    lo = f64x2.add(lo, f64x2.mul(a, a));
    hi = f64x2.add(hi, f64x2.mul(b, b));
  }
  const sum = f64x2.add(lo, hi);
  let total = f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
  for (; i < n; i++) {
    const v = <f64>load<f32>(at(x, i));
    total += v * v;
  }
  return total;
}

/** out[r, :] = table[indices[r], :]. */
export function gatherRows(count: i32, indices: usize, table: usize, cols: i32, out: usize): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < count; r++) {
    memory.copy(out + (<usize>r) * rowBytes, table + (<usize>load<i32>(at(indices, r))) * rowBytes, rowBytes);
  }
}

/** table[indices[r], :] += src[r, :]. */
export function scatterAddRows(count: i32, indices: usize, src: usize, cols: i32, table: usize): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < count; r++) {
    axpy(cols, 1, src + (<usize>r) * rowBytes, table + (<usize>load<i32>(at(indices, r))) * rowBytes);
  }
}
