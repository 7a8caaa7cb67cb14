// Small SIMD helpers shared by the kernels.

/** acc + a·b, fused when the build has relaxed SIMD (one rounding), else multiply then add. */
@inline export function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/** Transposes the 4×4 block of f32 rows at src (row stride srcStride bytes) into dst (row stride dstStride). */
@inline export function transpose4(src: usize, srcStride: usize, dst: usize, dstStride: usize): void {
  const x0 = v128.load(src), x1 = v128.load(src + srcStride);
  const x2 = v128.load(src + 2 * srcStride), x3 = v128.load(src + 3 * srcStride);
  const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + dstStride, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * dstStride, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * dstStride, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

// exp(x) on four lanes: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for e^r
// (Cephes' expf coefficients, max relative error about 2 ulp), and 2^n built in the exponent bits.
// Inputs are clamped to [-87.3, 88.7], so the result is a normal float (or +inf never); NaN stays NaN.
// The clamp uses pmax/pmin (one instruction each on x64; min/max take about seven for their
// NaN and ±0 rules), which keep a NaN input as it is and equal max/min everywhere else here.
// n = round(x·log2 e) comes from adding 1.5·2²³: the sum's low mantissa bits are then n itself
// (ties to even, as f32x4.nearest), which also gives 2^n by a shift, without a float-to-int conversion.
@inline export function expV(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.33654)), f32x4.splat(88.72283));
  const shifted = f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504)), f32x4.splat(12582912.0));  // 1.5·2²³ + n
  const n = f32x4.sub(shifted, f32x4.splat(12582912.0));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.add(r, f32x4.mul(n, f32x4.splat(2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const r2 = f32x4.mul(r, r);
  const er = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), f32x4.splat(1));
  // The low 9 bits of `shifted` hold n (two's complement); (n + 127) << 23 is 2^n.
  const pow2n = i32x4.shl(i32x4.add(shifted, i32x4.splat(127)), 23);
  return f32x4.mul(er, pow2n);
}

/** The logistic function 1 / (1 + e^−x) on four lanes. */
@inline export function sigmoidV(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expV(f32x4.neg(x))));
}

/**
 * tanh on four lanes: for |x| < 0.4 its odd Taylor series to x¹¹ (error below 3e-8),
 * else sign(x) · (1 − e^−2|x|) / (1 + e^−2|x|).
 */
@inline export function tanhV(x: v128): v128 {
  const ax = f32x4.abs(x);
  const t = expV(f32x4.mul(ax, f32x4.splat(-2)));
  let big = f32x4.div(f32x4.sub(f32x4.splat(1), t), f32x4.add(f32x4.splat(1), t));
  big = v128.or(big, v128.and(x, f32x4.splat(-0.0)));  // copy the sign of x
  const x2 = f32x4.mul(x, x);
  // tanh x = x − x³·(1/3 − x²·(2/15 − x²·(17/315 − x²·(62/2835 − x²·1382/155925))))
  let s = f32x4.splat(<f32>(1382.0 / 155925.0));
  s = f32x4.sub(f32x4.splat(<f32>(62.0 / 2835.0)), f32x4.mul(x2, s));
  s = f32x4.sub(f32x4.splat(<f32>(17.0 / 315.0)), f32x4.mul(x2, s));
  s = f32x4.sub(f32x4.splat(<f32>(2.0 / 15.0)), f32x4.mul(x2, s));
  s = f32x4.sub(f32x4.splat(<f32>(1.0 / 3.0)), f32x4.mul(x2, s));
  const small = f32x4.sub(x, f32x4.mul(f32x4.mul(x, x2), s));
  return v128.bitselect(small, big, f32x4.lt(ax, f32x4.splat(0.4)));
}
