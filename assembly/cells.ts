// Fused per-step gate kernels of the recurrent cells, forward and backward side by side.
// The equations and argument meanings are those of src/cells/{rnn,lstm,gru}.ts, the
// reference implementations these kernels are tested against.
//
// Legend: rows active batch rows, H hidden size; rows of gates are G·H wide (G = 1, 4, 3);
// y / dy are strided (row stride ldy elements) views into the [T, B, dirs·H] output.
// Each row runs four lanes at a time, then the leftover lanes one by one through the
// same code (a lane load fills lane 0 only, a lane store writes lane 0 only).

import { sigmoidV, tanhV } from './simd';

@inline function ld(p: usize, full: bool): v128 {
  return full ? v128.load(p) : v128.load32_zero(p);
}

@inline function st(p: usize, v: v128, full: bool): void {
  if (full) v128.store(p, v);
  else v128.store32_lane(p, v, 0);
}

@inline function f4(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

const ONE = f32x4.splat(1);

// ---- Elman RNN ---------------------------------------------------------------------------

@inline function rnnForwardLanes(relu: bool, full: bool, pre: usize, h: usize, y: usize): void {
  const a = ld(pre, full);
  const v = relu ? f32x4.max(a, f32x4.splat(0)) : tanhV(a);
  st(h, v, full);
  st(y, v, full);
}

export function rnnCellForward(relu: bool, rows: i32, H: i32, pre: usize, h: usize, y: usize, ldy: i32): void {
  for (let b = 0; b < rows; b++) {
    const p = f4(pre, b * H), hb = f4(h, b * H), yb = f4(y, b * ldy);
    let j = 0;
    for (; j + 4 <= H; j += 4) rnnForwardLanes(relu, true, f4(p, j), f4(hb, j), f4(yb, j));
    for (; j < H; j++) rnnForwardLanes(relu, false, f4(p, j), f4(hb, j), f4(yb, j));
  }
}

@inline function rnnBackwardLanes(relu: bool, full: bool, h: usize, dy: usize, dh: usize, da: usize): void {
  const v = ld(h, full);
  // forward: h = act(a); tanh′ = 1 − h², relu′ = [h > 0]
  const slope = relu ? v128.and(ONE, f32x4.gt(v, f32x4.splat(0))) : f32x4.sub(ONE, f32x4.mul(v, v));
  st(da, f32x4.mul(f32x4.add(ld(dy, full), ld(dh, full)), slope), full);
}

export function rnnCellBackward(relu: bool, rows: i32, H: i32, h: usize, dy: usize, ldy: i32,
                                dh: usize, da: usize): void {
  for (let b = 0; b < rows; b++) {
    const hb = f4(h, b * H), yb = f4(dy, b * ldy), db = f4(dh, b * H), ab = f4(da, b * H);
    let j = 0;
    for (; j + 4 <= H; j += 4) rnnBackwardLanes(relu, true, f4(hb, j), f4(yb, j), f4(db, j), f4(ab, j));
    for (; j < H; j++) rnnBackwardLanes(relu, false, f4(hb, j), f4(yb, j), f4(db, j), f4(ab, j));
  }
}

// ---- LSTM (gates i, f, g, o), optionally with peepholes p [3H] = p_i, p_f, p_o ------------------

@inline function lstmForwardLanes(full: bool, peep: bool, gi: usize, hb: usize, p: usize, cPrev: usize, c: usize,
                                  h: usize, y: usize): void {
  const cp = ld(cPrev, full);
  let ai = ld(gi, full), af = ld(gi + hb, full);
  if (peep) {
    // i = σ(a_i + p_i ⊙ c_{t−1}), f = σ(a_f + p_f ⊙ c_{t−1})
    ai = f32x4.add(ai, f32x4.mul(ld(p, full), cp));
    af = f32x4.add(af, f32x4.mul(ld(p + hb, full), cp));
  }
  const i = sigmoidV(ai);
  const f = sigmoidV(af);
  const g = tanhV(ld(gi + 2 * hb, full));
  // c_t = f ⊙ c_{t−1} + i ⊙ g
  const ct = f32x4.add(f32x4.mul(f, cp), f32x4.mul(i, g));
  let ao = ld(gi + 3 * hb, full);
  if (peep) ao = f32x4.add(ao, f32x4.mul(ld(p + 2 * hb, full), ct));  // o = σ(a_o + p_o ⊙ c_t)
  const o = sigmoidV(ao);
  st(gi, i, full);
  st(gi + hb, f, full);
  st(gi + 2 * hb, g, full);
  st(gi + 3 * hb, o, full);
  // h_t = o ⊙ tanh(c_t)
  const ht = f32x4.mul(o, tanhV(ct));
  st(c, ct, full);
  st(h, ht, full);
  st(y, ht, full);
}

@inline function lstmForwardRows(peep: bool, rows: i32, H: i32, u0: i32, u1: i32, gates: usize, p: usize, cPrev: usize,
                                 c: usize, h: usize, y: usize, ldy: i32): void {
  const hb = <usize>H << 2;  // bytes between gate blocks
  for (let b = 0; b < rows; b++) {
    const g0 = f4(gates, 4 * b * H), cp = f4(cPrev, b * H), cb = f4(c, b * H), hr = f4(h, b * H), yb = f4(y, b * ldy);
    let j = u0;
    for (; j + 4 <= u1; j += 4) {
      lstmForwardLanes(true, peep, f4(g0, j), hb, f4(p, j), f4(cp, j), f4(cb, j), f4(hr, j), f4(yb, j));
    }
    for (; j < u1; j++) lstmForwardLanes(false, peep, f4(g0, j), hb, f4(p, j), f4(cp, j), f4(cb, j), f4(hr, j), f4(yb, j));
  }
}

/** The LSTM step's cell kernel; `peepholes` is 0 for none. */
export function lstmCellForward(rows: i32, H: i32, gates: usize, cPrev: usize, c: usize, h: usize,
                                y: usize, ldy: i32, peepholes: usize): void {
  if (peepholes == 0) lstmForwardRows(false, rows, H, 0, H, gates, 0, cPrev, c, h, y, ldy);
  else lstmForwardRows(true, rows, H, 0, H, gates, peepholes, cPrev, c, h, y, ldy);
}

/** lstmCellForward without peepholes on hidden units [u0, u1) of every row (one thread's share of a step). */
export function lstmForwardUnits(rows: i32, H: i32, u0: i32, u1: i32, gates: usize, cPrev: usize, c: usize, h: usize,
                                 y: usize, ldy: i32): void {
  lstmForwardRows(false, rows, H, u0, u1, gates, 0, cPrev, c, h, y, ldy);
}

@inline function lstmBackwardLanes(full: bool, peep: bool, gi: usize, hb: usize, p: usize, cPrev: usize, c: usize,
                                   dy: usize, dh: usize, dc: usize): void {
  const i = ld(gi, full), f = ld(gi + hb, full), g = ld(gi + 2 * hb, full), o = ld(gi + 3 * hb, full);
  const dht = f32x4.add(ld(dy, full), ld(dh, full));
  const tc = tanhV(ld(c, full));
  // h_t = o ⊙ tanh(c_t);  o = σ(a_o [+ p_o ⊙ c_t]): σ′ = s(1 − s)
  const daO = f32x4.mul(f32x4.mul(dht, tc), f32x4.mul(o, f32x4.sub(ONE, o)));
  let dct = f32x4.add(ld(dc, full), f32x4.mul(f32x4.mul(dht, o), f32x4.sub(ONE, f32x4.mul(tc, tc))));
  if (peep) dct = f32x4.add(dct, f32x4.mul(daO, ld(p + 2 * hb, full)));
  // c_t = f ⊙ c_{t−1} + i ⊙ g;  g = tanh(a_g): tanh′ = 1 − g²
  const daI = f32x4.mul(f32x4.mul(dct, g), f32x4.mul(i, f32x4.sub(ONE, i)));
  const daF = f32x4.mul(f32x4.mul(dct, ld(cPrev, full)), f32x4.mul(f, f32x4.sub(ONE, f)));
  const daG = f32x4.mul(f32x4.mul(dct, i), f32x4.sub(ONE, f32x4.mul(g, g)));
  let dcPrev = f32x4.mul(dct, f);
  if (peep) {
    // i, f = σ(a [+ p ⊙ c_{t−1}])
    dcPrev = f32x4.add(dcPrev, f32x4.add(f32x4.mul(daI, ld(p, full)), f32x4.mul(daF, ld(p + hb, full))));
  }
  st(dc, dcPrev, full);
  st(gi, daI, full);
  st(gi + hb, daF, full);
  st(gi + 2 * hb, daG, full);
  st(gi + 3 * hb, daO, full);
}

@inline function lstmBackwardRows(peep: bool, rows: i32, H: i32, u0: i32, u1: i32, gates: usize, p: usize, cPrev: usize,
                                  c: usize, dy: usize, ldy: i32, dh: usize, dc: usize): void {
  const hb = <usize>H << 2;
  for (let b = 0; b < rows; b++) {
    const g0 = f4(gates, 4 * b * H), cp = f4(cPrev, b * H), cb = f4(c, b * H), yb = f4(dy, b * ldy);
    const dhb = f4(dh, b * H), dcb = f4(dc, b * H);
    let j = u0;
    for (; j + 4 <= u1; j += 4) {
      lstmBackwardLanes(true, peep, f4(g0, j), hb, f4(p, j), f4(cp, j), f4(cb, j), f4(yb, j), f4(dhb, j), f4(dcb, j));
    }
    for (; j < u1; j++) {
      lstmBackwardLanes(false, peep, f4(g0, j), hb, f4(p, j), f4(cp, j), f4(cb, j), f4(yb, j), f4(dhb, j), f4(dcb, j));
    }
  }
}

/** The LSTM step's cell backward; `peepholes` is 0 for none. */
export function lstmCellBackward(rows: i32, H: i32, gates: usize, cPrev: usize, c: usize, dy: usize, ldy: i32,
                                 dh: usize, dc: usize, peepholes: usize): void {
  if (peepholes == 0) lstmBackwardRows(false, rows, H, 0, H, gates, 0, cPrev, c, dy, ldy, dh, dc);
  else lstmBackwardRows(true, rows, H, 0, H, gates, peepholes, cPrev, c, dy, ldy, dh, dc);
}

/** lstmCellBackward without peepholes on hidden units [u0, u1) of every row (one thread's share of a step). */
export function lstmBackwardUnits(rows: i32, H: i32, u0: i32, u1: i32, gates: usize, cPrev: usize, c: usize,
                                  dy: usize, ldy: i32, dh: usize, dc: usize): void {
  lstmBackwardRows(false, rows, H, u0, u1, gates, 0, cPrev, c, dy, ldy, dh, dc);
}

// ---- GRU (gates r, z, n), reset gate after the recurrent product --------------------------------

@inline function gruForwardLanes(full: bool, gi: usize, hh: usize, bhh: usize, hb: usize, hPrev: usize,
                                 hn: usize, h: usize, y: usize): void {
  const r = sigmoidV(f32x4.add(ld(gi, full), f32x4.add(ld(hh, full), ld(bhh, full))));
  const z = sigmoidV(f32x4.add(ld(gi + hb, full), f32x4.add(ld(hh + hb, full), ld(bhh + hb, full))));
  const hnv = f32x4.add(ld(hh + 2 * hb, full), ld(bhh + 2 * hb, full));
  // n = tanh(x_n + r ⊙ h_n), with h_n = W_hn h_{t−1} + b_hn kept for backward
  const n = tanhV(f32x4.add(ld(gi + 2 * hb, full), f32x4.mul(r, hnv)));
  st(gi, r, full);
  st(gi + hb, z, full);
  st(gi + 2 * hb, n, full);
  st(hn, hnv, full);
  // h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
  const ht = f32x4.add(f32x4.mul(f32x4.sub(ONE, z), n), f32x4.mul(z, ld(hPrev, full)));
  st(h, ht, full);
  st(y, ht, full);
}

export function gruCellForward(rows: i32, H: i32, gates: usize, hh: usize, bhh: usize, hPrev: usize,
                               hn: usize, h: usize, y: usize, ldy: i32): void {
  const hb = <usize>H << 2;
  for (let b = 0; b < rows; b++) {
    const g0 = f4(gates, 3 * b * H), h0 = f4(hh, 3 * b * H), hp = f4(hPrev, b * H), hnb = f4(hn, b * H);
    const hr = f4(h, b * H), yb = f4(y, b * ldy);
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      gruForwardLanes(true, f4(g0, j), f4(h0, j), f4(bhh, j), hb, f4(hp, j), f4(hnb, j), f4(hr, j), f4(yb, j));
    }
    for (; j < H; j++) {
      gruForwardLanes(false, f4(g0, j), f4(h0, j), f4(bhh, j), hb, f4(hp, j), f4(hnb, j), f4(hr, j), f4(yb, j));
    }
  }
}

@inline function gruBackwardLanes(full: bool, gi: usize, hb: usize, hn: usize, hPrev: usize, dy: usize,
                                  dh: usize, dgh: usize): void {
  const r = ld(gi, full), z = ld(gi + hb, full), n = ld(gi + 2 * hb, full);
  const dht = f32x4.add(ld(dy, full), ld(dh, full));
  // h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
  const dn = f32x4.mul(dht, f32x4.sub(ONE, z));
  const dz = f32x4.mul(dht, f32x4.sub(ld(hPrev, full), n));
  st(dh, f32x4.mul(dht, z), full);
  // n = tanh(x_n + r ⊙ h_n)
  const dan = f32x4.mul(dn, f32x4.sub(ONE, f32x4.mul(n, n)));
  const dr = f32x4.mul(dan, ld(hn, full));
  // r, z = σ(·)
  const dar = f32x4.mul(dr, f32x4.mul(r, f32x4.sub(ONE, r)));
  const daz = f32x4.mul(dz, f32x4.mul(z, f32x4.sub(ONE, z)));
  st(gi, dar, full);
  st(gi + hb, daz, full);
  st(gi + 2 * hb, dan, full);
  st(dgh, dar, full);
  st(dgh + hb, daz, full);
  st(dgh + 2 * hb, f32x4.mul(dan, r), full);
}

export function gruCellBackward(rows: i32, H: i32, gates: usize, hn: usize, hPrev: usize, dy: usize, ldy: i32,
                                dh: usize, dgh: usize): void {
  const hb = <usize>H << 2;
  for (let b = 0; b < rows; b++) {
    const g0 = f4(gates, 3 * b * H), d0 = f4(dgh, 3 * b * H), hnb = f4(hn, b * H), hp = f4(hPrev, b * H);
    const yb = f4(dy, b * ldy), dhb = f4(dh, b * H);
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      gruBackwardLanes(true, f4(g0, j), hb, f4(hnb, j), f4(hp, j), f4(yb, j), f4(dhb, j), f4(d0, j));
    }
    for (; j < H; j++) {
      gruBackwardLanes(false, f4(g0, j), hb, f4(hnb, j), f4(hp, j), f4(yb, j), f4(dhb, j), f4(d0, j));
    }
  }
}

// ---- GRU, reset gate before the recurrent product (Cho et al. 2014): two halves per step --------

@inline function gruGatesLanes(full: bool, gi: usize, hb: usize, hPrev: usize, rh: usize): void {
  // r = σ(a_r), z = σ(a_z);  rh = r ⊙ h_{t−1}
  const r = sigmoidV(ld(gi, full));
  st(gi, r, full);
  st(gi + hb, sigmoidV(ld(gi + hb, full)), full);
  st(rh, f32x4.mul(r, ld(hPrev, full)), full);
}

export function gruGatesForward(rows: i32, H: i32, gates: usize, hPrev: usize, rh: usize): void {
  const hb = <usize>H << 2;
  for (let b = 0; b < rows; b++) {
    const g0 = f4(gates, 3 * b * H), hp = f4(hPrev, b * H), rb = f4(rh, b * H);
    let j = 0;
    for (; j + 4 <= H; j += 4) gruGatesLanes(true, f4(g0, j), hb, f4(hp, j), f4(rb, j));
    for (; j < H; j++) gruGatesLanes(false, f4(g0, j), hb, f4(hp, j), f4(rb, j));
  }
}

@inline function gruCandidateLanes(full: bool, gi: usize, hb: usize, hPrev: usize, h: usize, y: usize): void {
  // n = tanh(a_n);  h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
  const z = ld(gi + hb, full);
  const n = tanhV(ld(gi + 2 * hb, full));
  st(gi + 2 * hb, n, full);
  const ht = f32x4.add(f32x4.mul(f32x4.sub(ONE, z), n), f32x4.mul(z, ld(hPrev, full)));
  st(h, ht, full);
  st(y, ht, full);
}

export function gruCandidateForward(rows: i32, H: i32, gates: usize, hPrev: usize, h: usize, y: usize, ldy: i32): void {
  const hb = <usize>H << 2;
  for (let b = 0; b < rows; b++) {
    const g0 = f4(gates, 3 * b * H), hp = f4(hPrev, b * H), hr = f4(h, b * H), yb = f4(y, b * ldy);
    let j = 0;
    for (; j + 4 <= H; j += 4) gruCandidateLanes(true, f4(g0, j), hb, f4(hp, j), f4(hr, j), f4(yb, j));
    for (; j < H; j++) gruCandidateLanes(false, f4(g0, j), hb, f4(hp, j), f4(hr, j), f4(yb, j));
  }
}

@inline function gruCandidateBackLanes(full: bool, gi: usize, hb: usize, hPrev: usize, dy: usize, dh: usize): void {
  const z = ld(gi + hb, full), n = ld(gi + 2 * hb, full);
  const dht = f32x4.add(ld(dy, full), ld(dh, full));
  // h_t = (1 − z) ⊙ n + z ⊙ h_{t−1};  z = σ(a_z), n = tanh(a_n)
  st(gi + hb, f32x4.mul(f32x4.mul(dht, f32x4.sub(ld(hPrev, full), n)), f32x4.mul(z, f32x4.sub(ONE, z))), full);
  st(gi + 2 * hb, f32x4.mul(f32x4.mul(dht, f32x4.sub(ONE, z)), f32x4.sub(ONE, f32x4.mul(n, n))), full);
  st(dh, f32x4.mul(dht, z), full);
}

export function gruCandidateBackward(rows: i32, H: i32, gates: usize, hPrev: usize, dy: usize, ldy: i32, dh: usize): void {
  const hb = <usize>H << 2;
  for (let b = 0; b < rows; b++) {
    const g0 = f4(gates, 3 * b * H), hp = f4(hPrev, b * H), yb = f4(dy, b * ldy), dhb = f4(dh, b * H);
    let j = 0;
    for (; j + 4 <= H; j += 4) gruCandidateBackLanes(true, f4(g0, j), hb, f4(hp, j), f4(yb, j), f4(dhb, j));
    for (; j < H; j++) gruCandidateBackLanes(false, f4(g0, j), hb, f4(hp, j), f4(yb, j), f4(dhb, j));
  }
}

@inline function gruGatesBackLanes(full: bool, gi: usize, hPrev: usize, drh: usize, dh: usize): void {
  // rh = r ⊙ h_{t−1};  r = σ(a_r)
  const r = ld(gi, full), d = ld(drh, full);
  st(gi, f32x4.mul(f32x4.mul(d, ld(hPrev, full)), f32x4.mul(r, f32x4.sub(ONE, r))), full);
  st(dh, f32x4.add(ld(dh, full), f32x4.mul(d, r)), full);
}

export function gruGatesBackward(rows: i32, H: i32, gates: usize, hPrev: usize, drh: usize, dh: usize): void {
  for (let b = 0; b < rows; b++) {
    const g0 = f4(gates, 3 * b * H), hp = f4(hPrev, b * H), db = f4(drh, b * H), dhb = f4(dh, b * H);
    let j = 0;
    for (; j + 4 <= H; j += 4) gruGatesBackLanes(true, f4(g0, j), f4(hp, j), f4(db, j), f4(dhb, j));
    for (; j < H; j++) gruGatesBackLanes(false, f4(g0, j), f4(hp, j), f4(db, j), f4(dhb, j));
  }
}
