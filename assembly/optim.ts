// Optimizer updates (torch.optim.Adam / AdamW / SGD / RMSprop), four parameters at a
// time with the reference's formulas (src/backend/reference/optim.ts); the leftover
// lanes go through the same code one lane at a time.

@inline function ld(p: usize, full: bool): v128 {
  return full ? v128.load(p) : v128.load32_zero(p);
}

@inline function st(p: usize, v: v128, full: bool): void {
  if (full) v128.store(p, v);
  else v128.store32_lane(p, v, 0);
}

@inline function adamLanes(full: bool, p: usize, g: usize, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32,
                           eps: f32, wd: f32, decoupled: bool, stepSize: f32, sqrtBc2: f32): void {
  let param = ld(p, full);
  let grad = ld(g, full);
  if (decoupled) param = f32x4.mul(param, f32x4.splat(1 - lr * wd));
  else grad = f32x4.add(grad, f32x4.mul(f32x4.splat(wd), param));
  const mv = f32x4.add(f32x4.mul(f32x4.splat(beta1), ld(m, full)), f32x4.mul(f32x4.splat(1 - beta1), grad));
  const vv = f32x4.add(f32x4.mul(f32x4.splat(beta2), ld(v, full)),
                       f32x4.mul(f32x4.splat(1 - beta2), f32x4.mul(grad, grad)));
  st(m, mv, full);
  st(v, vv, full);
  const denom = f32x4.add(f32x4.div(f32x4.sqrt(vv), f32x4.splat(sqrtBc2)), f32x4.splat(eps));
  st(p, f32x4.sub(param, f32x4.div(f32x4.mul(f32x4.splat(stepSize), mv), denom)), full);
}

export function adamUpdate(n: i32, param: usize, grad: usize, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32,
                           eps: f32, weightDecay: f32, decoupled: bool, biasCorrection1: f32,
                           biasCorrection2: f32): void {
  const stepSize = lr / biasCorrection1;
  const sqrtBc2 = Mathf.sqrt(biasCorrection2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    adamLanes(true, param + o, grad + o, m + o, v + o, lr, beta1, beta2, eps, weightDecay, decoupled, stepSize, sqrtBc2);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    adamLanes(false, param + o, grad + o, m + o, v + o, lr, beta1, beta2, eps, weightDecay, decoupled, stepSize, sqrtBc2);
  }
}

@inline function sgdLanes(full: bool, p: usize, g: usize, b: usize, lr: f32, momentum: f32, dampening: f32,
                          wd: f32, nesterov: bool, first: bool): void {
  const param = ld(p, full);
  let grad = f32x4.add(ld(g, full), f32x4.mul(f32x4.splat(wd), param));
  if (momentum != 0) {
    const buf = first
      ? grad
      : f32x4.add(f32x4.mul(f32x4.splat(momentum), ld(b, full)), f32x4.mul(f32x4.splat(1 - dampening), grad));
    st(b, buf, full);
    grad = nesterov ? f32x4.add(grad, f32x4.mul(f32x4.splat(momentum), buf)) : buf;
  }
  st(p, f32x4.sub(param, f32x4.mul(f32x4.splat(lr), grad)), full);
}

export function sgdUpdate(n: i32, param: usize, grad: usize, buf: usize, lr: f32, momentum: f32, dampening: f32,
                          weightDecay: f32, nesterov: bool, first: bool): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    sgdLanes(true, param + o, grad + o, buf + o, lr, momentum, dampening, weightDecay, nesterov, first);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    sgdLanes(false, param + o, grad + o, buf + o, lr, momentum, dampening, weightDecay, nesterov, first);
  }
}

@inline function rmspropLanes(full: bool, p: usize, g: usize, sq: usize, b: usize, ga: usize, lr: f32, alpha: f32,
                              eps: f32, wd: f32, momentum: f32, centered: bool): void {
  const param = ld(p, full);
  const grad = f32x4.add(ld(g, full), f32x4.mul(f32x4.splat(wd), param));
  const a = f32x4.splat(alpha), a1 = f32x4.splat(1 - alpha);
  const sqv = f32x4.add(f32x4.mul(a, ld(sq, full)), f32x4.mul(a1, f32x4.mul(grad, grad)));
  st(sq, sqv, full);
  let avg: v128;
  if (centered) {
    const gav = f32x4.add(f32x4.mul(a, ld(ga, full)), f32x4.mul(a1, grad));
    st(ga, gav, full);
    avg = f32x4.add(f32x4.sqrt(f32x4.sub(sqv, f32x4.mul(gav, gav))), f32x4.splat(eps));
  } else {
    avg = f32x4.add(f32x4.sqrt(sqv), f32x4.splat(eps));
  }
  if (momentum > 0) {
    const buf = f32x4.add(f32x4.mul(f32x4.splat(momentum), ld(b, full)), f32x4.div(grad, avg));
    st(b, buf, full);
    st(p, f32x4.sub(param, f32x4.mul(f32x4.splat(lr), buf)), full);
  } else {
    st(p, f32x4.sub(param, f32x4.div(f32x4.mul(f32x4.splat(lr), grad), avg)), full);
  }
}

export function rmspropUpdate(n: i32, param: usize, grad: usize, sq: usize, buf: usize, gAvg: usize, lr: f32,
                              alpha: f32, eps: f32, weightDecay: f32, momentum: f32, centered: bool): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    rmspropLanes(true, param + o, grad + o, sq + o, buf + o, gAvg + o, lr, alpha, eps, weightDecay, momentum, centered);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    rmspropLanes(false, param + o, grad + o, sq + o, buf + o, gAvg + o, lr, alpha, eps, weightDecay, momentum, centered);
  }
}
