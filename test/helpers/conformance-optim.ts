/** Conformance of the optimizer update kernels: three steps each against the float64 reference. */
import { it } from 'node:test';
import type { AdamStep, Backend, RmspropStep, SgdStep } from '../../src/backend/backend.js';
import { assertClose } from './allclose.js';
import { f64, ref64, upload } from './conformance.js';
import { rng, uniform } from './random.js';

const N = 67;
const TOL = { atol: 1e-6, rtol: 1e-5 };

export function optimizerChecks(get: () => Backend<Float32Array>): void {
  for (const decoupled of [false, true]) {
    it(`${decoupled ? 'AdamW' : 'Adam'} update, three steps with weight decay`, () => {
      const b = get();
      const random = rng(decoupled ? 1 : 2);
      const p0 = uniform(random, N);
      const [p, m, v] = [upload(b, p0), b.alloc(N), b.alloc(N)];
      const [rp, rm, rv] = [f64(p0), new Float64Array(N), new Float64Array(N)];
      for (let t = 1; t <= 3; t++) {
        const g = uniform(random, N);
        const step: AdamStep = {
          lr: 0.01,
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          weightDecay: 0.1,
          decoupled,
          biasCorrection1: 1 - 0.9 ** t,
          biasCorrection2: 1 - 0.999 ** t,
        };
        ref64.adamUpdate(N, rp, f64(g), rm, rv, step);
        b.adamUpdate(N, p, upload(b, g), m, v, step);
      }
      assertClose('param', p, rp, TOL);
      assertClose('m', m, rm, TOL);
      assertClose('v', v, rv, TOL);
    });
  }

  for (const [momentum, nesterov, dampening] of [
    [0, false, 0],
    [0.9, false, 0.1],
    [0.9, true, 0],
  ] as const) {
    it(`SGD update, momentum ${momentum}${nesterov ? ' (Nesterov)' : ''}, dampening ${dampening}`, () => {
      const b = get();
      const random = rng(10 + momentum * 10 + (nesterov ? 1 : 0));
      const p0 = uniform(random, N);
      const [p, buf] = [upload(b, p0), b.alloc(N)];
      const [rp, rbuf] = [f64(p0), new Float64Array(N)];
      for (let t = 1; t <= 3; t++) {
        const g = uniform(random, N);
        const step: SgdStep = { lr: 0.1, momentum, dampening, weightDecay: 0.01, nesterov, first: t === 1 };
        ref64.sgdUpdate(N, rp, f64(g), rbuf, step);
        b.sgdUpdate(N, p, upload(b, g), buf, step);
      }
      assertClose('param', p, rp, TOL);
      assertClose('momentum buffer', buf, rbuf, TOL);
    });
  }

  for (const [momentum, centered] of [
    [0, false],
    [0.5, true],
  ] as const) {
    it(`RMSprop update, momentum ${momentum}, centered ${centered}`, () => {
      const b = get();
      const random = rng(20 + (centered ? 1 : 0));
      const p0 = uniform(random, N);
      const [p, sq, buf, ga] = [upload(b, p0), b.alloc(N), b.alloc(N), b.alloc(N)];
      const [rp, rsq, rbuf, rga] = [f64(p0), new Float64Array(N), new Float64Array(N), new Float64Array(N)];
      for (let t = 1; t <= 3; t++) {
        const g = uniform(random, N);
        const step: RmspropStep = { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0.01, momentum, centered };
        ref64.rmspropUpdate(N, rp, f64(g), rsq, rbuf, rga, step);
        b.rmspropUpdate(N, p, upload(b, g), sq, buf, ga, step);
      }
      assertClose('param', p, rp, { atol: 2e-5, rtol: 1e-4 });
      assertClose('square average', sq, rsq, TOL);
    });
  }
}
