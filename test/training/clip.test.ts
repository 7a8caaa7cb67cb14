import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { NonFiniteError, UsageError } from '../../src/errors.js';
import type { Parameter } from '../../src/layers/parameters.js';
import { clipGradNorm, clipGradValue } from '../../src/training/clip.js';
import { assertClose, assertIdentical } from '../helpers/allclose.js';
import { fixtures, forEachBackend, makeParams, setGrads } from './fixtures.js';

const TOL = { atol: 1e-7, rtol: 1e-5 };

/** Parameters holding the gradients `grads` (values are irrelevant to clipping). */
function withGrads(make: () => Parameter[], grads: number[][]): Parameter[] {
  const params = make();
  setGrads(params, grads);
  return params;
}

function assertSameNumber(name: string, actual: number, expected: number): void {
  if (Number.isFinite(expected)) assertClose(name, [actual], [expected], { atol: 0, rtol: 1e-6 });
  else assert.ok(Object.is(actual, expected), `${name}: ${actual}, expected ${expected}`);
}

describe('clipping fixtures', () => {
  it('cover every norm type, no-clip, zero max norm and non-finite gradients', () => {
    const names = fixtures.clipNorm.map((c) => c.name);
    for (const name of ['norm2_clipped', 'norm2_unclipped', 'norm_inf', 'norm_1', 'norm2_infinite_grad', 'norm2_nan_grad']) {
      assert.ok(names.includes(name), name);
    }
    assert.ok(
      fixtures.clipValue.some((c) => c.grads.flat().some(Number.isNaN)),
      'a clipValue case with NaN',
    );
  });
});

forEachBackend((get) => {
  describe('clipGradNorm against torch.nn.utils.clip_grad_norm_', () => {
    for (const fx of fixtures.clipNorm) {
      it(`${fx.name}: maxNorm ${fx.maxNorm}, normType ${fx.normType}`, () => {
        const backend = get();
        const params = withGrads(() => makeParams(backend), fx.grads);
        const total = clipGradNorm(params, fx.maxNorm, { normType: fx.normType }, backend);
        assertSameNumber(`${fx.name} total norm`, total, fx.totalNorm);
        params.forEach((p, i) => assertClose(`${fx.name} clipped ${p.name}.grad`, p.grad, fx.clipped[i], TOL));
      });
    }

    it('leaves gradients untouched when the coefficient is at least 1', () => {
      const backend = get();
      const fx = fixtures.clipNorm.find((c) => c.name === 'norm2_unclipped')!;
      const params = withGrads(() => makeParams(backend), fx.grads);
      clipGradNorm(params, fx.maxNorm, {}, backend);
      params.forEach((p, i) => assertIdentical(`${p.name}.grad`, p.grad, fx.grads[i]));
    });

    it('with errorIfNonfinite throws NonFiniteError and leaves the gradients as they were', () => {
      const backend = get();
      for (const name of ['norm2_infinite_grad', 'norm2_nan_grad', 'norm_inf_nan_grad']) {
        const fx = fixtures.clipNorm.find((c) => c.name === name)!;
        const params = withGrads(() => makeParams(backend), fx.grads);
        assert.throws(
          () => clipGradNorm(params, fx.maxNorm, { normType: fx.normType, errorIfNonfinite: true }, backend),
          (e: unknown) =>
            e instanceof NonFiniteError &&
            /^clipGradNorm: the total norm of order (2|Infinity) of the gradients is (Infinity|NaN)/.test(e.message),
          name,
        );
        params.forEach((p, i) => assertIdentical(`${name} ${p.name}.grad`, p.grad, fx.grads[i]));
      }
      // Finite norms do not throw.
      const fx = fixtures.clipNorm.find((c) => c.name === 'norm2_clipped')!;
      const params = withGrads(() => makeParams(backend), fx.grads);
      assertSameNumber('finite total', clipGradNorm(params, fx.maxNorm, { errorIfNonfinite: true }, backend), fx.totalNorm);
    });
  });

  describe('clipGradValue against torch.nn.utils.clip_grad_value_', () => {
    for (const fx of fixtures.clipValue) {
      it(`${fx.name}: clipValue ${fx.clipValue}`, () => {
        const backend = get();
        const params = withGrads(() => makeParams(backend), fx.grads);
        clipGradValue(params, fx.clipValue, backend);
        params.forEach((p, i) => assertClose(`${fx.name} clipped ${p.name}.grad`, p.grad, fx.clipped[i], { atol: 0, rtol: 0 }));
      });
    }
  });
});

describe('clipping arguments', () => {
  const backend = createReferenceBackend();
  const params = (): Parameter[] => makeParams(backend);

  it('are validated with messages naming the argument and the value', () => {
    const cases: [string, () => unknown, RegExp][] = [
      ['negative maxNorm', () => clipGradNorm(params(), -1, {}, backend), /^clipGradNorm: maxNorm must be a number >= 0, got -1$/],
      ['NaN maxNorm', () => clipGradNorm(params(), NaN, {}, backend), /maxNorm must be a number >= 0, got NaN/],
      [
        'normType 0',
        () => clipGradNorm(params(), 1, { normType: 0 }, backend),
        /^clipGradNorm: normType must be a number > 0 or Infinity, got 0$/,
      ],
      [
        'normType as a string',
        () => clipGradNorm(params(), 1, { normType: 'inf' as unknown as number }, backend),
        /normType must be a number > 0 or Infinity, got "inf"/,
      ],
      [
        'unknown option',
        () => clipGradNorm(params(), 1, { norm_type: 2 } as never, backend),
        /^clipGradNorm: unknown option 'norm_type' \(expected one of normType, errorIfNonfinite\)$/,
      ],
      [
        'errorIfNonfinite not boolean',
        () => clipGradNorm(params(), 1, { errorIfNonfinite: 1 as unknown as boolean }, backend),
        /errorIfNonfinite must be true or false, got 1/,
      ],
      ['params not an array', () => clipGradNorm({} as Parameter[], 1, {}, backend), /clipGradNorm: params must be an array/],
      ['negative clipValue', () => clipGradValue(params(), -0.5, backend), /^clipGradValue: clipValue must be a number >= 0, got -0.5$/],
      ['params without grads', () => clipGradValue([{ name: 'x' } as Parameter], 1, backend), /clipGradValue: params must be/],
    ];
    for (const [label, make, message] of cases) {
      assert.throws(
        make,
        (e: unknown) => e instanceof UsageError && message.test(e.message),
        `${label}: expected UsageError matching ${message}`,
      );
    }
  });

  it('an empty list has norm 0, as in PyTorch', () => {
    assert.equal(clipGradNorm([], 1, {}, backend), 0);
    clipGradValue([], 1, backend);
  });

  it('refuse to run without the backend that holds the gradients', () => {
    const p = makeParams(backend);
    const missing = undefined as unknown as typeof backend;
    assert.throws(() => clipGradNorm(p, 1, {}, missing), /clipGradNorm: pass the backend that holds the gradients/);
    assert.throws(() => clipGradValue(p, 1, missing), /clipGradValue: pass the backend that holds the gradients/);
  });
});
