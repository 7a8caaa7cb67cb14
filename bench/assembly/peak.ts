// The practical ceiling of 4-wide WebAssembly SIMD without fused multiply-add on this
// engine and CPU: twelve independent multiply-then-add chains with no memory traffic.
// Each iteration is 12 f32x4.mul + 12 f32x4.add = 96 floating-point operations.
export function peak(iterations: i32, seed: f32): f32 {
  const c = f32x4.splat(0.99999994);
  const d = f32x4.splat(seed);
  let a0 = d, a1 = d, a2 = d, a3 = d, a4 = d, a5 = d;
  let a6 = d, a7 = d, a8 = d, a9 = d, a10 = d, a11 = d;
  for (let i = 0; i < iterations; i++) {
    a0 = f32x4.add(f32x4.mul(a0, c), d); a1 = f32x4.add(f32x4.mul(a1, c), d);
    a2 = f32x4.add(f32x4.mul(a2, c), d); a3 = f32x4.add(f32x4.mul(a3, c), d);
    a4 = f32x4.add(f32x4.mul(a4, c), d); a5 = f32x4.add(f32x4.mul(a5, c), d);
    a6 = f32x4.add(f32x4.mul(a6, c), d); a7 = f32x4.add(f32x4.mul(a7, c), d);
    a8 = f32x4.add(f32x4.mul(a8, c), d); a9 = f32x4.add(f32x4.mul(a9, c), d);
    a10 = f32x4.add(f32x4.mul(a10, c), d); a11 = f32x4.add(f32x4.mul(a11, c), d);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))), 0);
}
