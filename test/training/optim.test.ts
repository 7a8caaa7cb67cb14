import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { NonFiniteError, ShapeError, UsageError } from '../../src/errors.js';
import type { Parameter } from '../../src/layers/parameters.js';
import { Adam, AdamW } from '../../src/training/optim/adam.js';
import type { Optimizer, OptimizerState } from '../../src/training/optim/optimizer.js';
import { RMSprop } from '../../src/training/optim/rmsprop.js';
import { SGD } from '../../src/training/optim/sgd.js';
import { assertClose, assertIdentical } from '../helpers/allclose.js';
import { fixtures, forEachBackend, makeParams, type OptimizerFixture, setGrads } from './fixtures.js';

/** float32 tolerance for values of order 1 after five updates. */
const TOL = { atol: 2e-6, rtol: 1e-5 };

function makeOptimizer(kind: OptimizerFixture['kind'], params: Parameter[], options: Record<string, unknown>, backend: Backend): Optimizer {
  // The fixture's options use rnnkit's names; an unknown one would make the constructor throw.
  switch (kind) {
    case 'SGD':
      return new SGD(params, options as unknown as ConstructorParameters<typeof SGD>[1], backend);
    case 'Adam':
      return new Adam(params, options, backend);
    case 'AdamW':
      return new AdamW(params, options, backend);
    case 'RMSprop':
      return new RMSprop(params, options, backend);
  }
}

function values(params: Parameter[]): Float32Array[] {
  return params.map((p) => Float32Array.from(p.value));
}

describe('optimizer fixtures', () => {
  it('come from PyTorch 1.13 and cover every optimizer configuration of the brief', () => {
    assert.match(fixtures.torch, /^1\.13/);
    assert.equal(fixtures.steps, 5);
    const names = fixtures.optimizers.map((o) => o.name);
    for (const name of [
      'sgd_plain',
      'sgd_momentum_dampening',
      'sgd_nesterov',
      'sgd_weight_decay',
      'adam',
      'adam_weight_decay',
      'adamw',
      'rmsprop_defaults',
      'rmsprop_momentum',
      'rmsprop_centered',
    ]) {
      assert.ok(names.includes(name), `fixture ${name} missing`);
    }
  });
});

forEachBackend((get) => {
  describe('optimizers against PyTorch', () => {
    for (const fx of fixtures.optimizers) {
      it(`${fx.name}: ${fx.kind} ${JSON.stringify(fx.options)}, ${fixtures.steps} steps`, () => {
        const backend = get();
        const params = makeParams(backend);
        const optimizer = makeOptimizer(fx.kind, params, fx.options, backend);
        for (let t = 0; t < fixtures.steps; t++) {
          setGrads(params, fixtures.grads[t]);
          optimizer.step();
          params.forEach((p, i) => assertClose(`${fx.name} step ${t + 1} ${p.name}`, p.value, fx.params[t][i], TOL));
        }
        assert.equal(optimizer.stepCount, fixtures.steps);
        const state = optimizer.stateDict();
        assert.deepEqual(Object.keys(state.buffers).sort(), Object.keys(fx.state).sort(), `${fx.name}: state buffer names`);
        for (const [key, expected] of Object.entries(fx.state)) {
          assertClose(`${fx.name} state ${key}`, state.buffers[key], expected, TOL);
        }
        optimizer.dispose();
      });
    }
  });

  describe('stateDict / loadStateDict', () => {
    for (const fx of fixtures.optimizers) {
      it(`${fx.name}: 3 steps, snapshot, 2 steps equals restore into a fresh optimizer, 2 steps`, () => {
        const backend = get();
        const params = makeParams(backend);
        const first = makeOptimizer(fx.kind, params, fx.options, backend);
        for (let t = 0; t < 3; t++) {
          setGrads(params, fixtures.grads[t]);
          first.step();
        }
        first.lr = first.lr * 0.5; // the snapshot must carry the learning rate too
        const snapshot = first.stateDict();
        const atStep3 = values(params);
        for (let t = 3; t < 5; t++) {
          setGrads(params, fixtures.grads[t]);
          first.step();
        }

        const run = (restore: boolean): Float32Array[] => {
          const copies = makeParams(backend, atStep3);
          const second = makeOptimizer(fx.kind, copies, fx.options, backend);
          if (restore) second.loadStateDict(snapshot);
          for (let t = 3; t < 5; t++) {
            setGrads(copies, fixtures.grads[t]);
            second.step();
          }
          if (restore) assert.equal(second.stepCount, 5);
          return values(copies);
        };
        const resumed = run(true);
        params.forEach((p, i) => assertIdentical(`${fx.name} resumed ${p.name}`, resumed[i], p.value));
        // Without the snapshot the continuation differs, so the comparison above can fail.
        const fresh = run(false);
        assert.ok(
          fresh.some((v, i) => v.some((x, j) => x !== params[i].value[j])),
          `${fx.name}: a fresh optimizer should not reproduce the resumed run`,
        );
      });
    }

    it('returns copies: later steps do not change a snapshot', () => {
      const backend = get();
      const params = makeParams(backend);
      const adam = new Adam(params, { lr: 0.01 }, backend);
      setGrads(params, fixtures.grads[0]);
      adam.step();
      const snapshot = adam.stateDict();
      const before = Float32Array.from(snapshot.buffers['weight.exp_avg']);
      adam.step();
      assertIdentical('weight.exp_avg snapshot', snapshot.buffers['weight.exp_avg'], before);
      assert.deepEqual({ step: snapshot.step, lr: snapshot.lr }, { step: 1, lr: 0.01 });
      assert.ok(snapshot.buffers['weight.exp_avg'] instanceof Float32Array);
      assert.equal(Object.getPrototypeOf(snapshot), Object.prototype);
    });

    it('rejects unknown, missing, misshapen and non-finite buffers and bad step or lr, changing nothing', () => {
      const backend = get();
      const params = makeParams(backend);
      const adam = new Adam(params, { lr: 0.01 }, backend);
      setGrads(params, fixtures.grads[0]);
      adam.step();
      const good = adam.stateDict();
      const withBuffers = (change: (b: Record<string, Float32Array>) => void): OptimizerState => {
        const buffers = { ...good.buffers };
        change(buffers);
        return { ...good, buffers };
      };
      const cases: [string, OptimizerState, new (...args: never[]) => Error, RegExp][] = [
        [
          'unknown key',
          withBuffers((b) => {
            b['weight.momentum_buffer'] = new Float32Array(15);
          }),
          ShapeError,
          /Adam\.loadStateDict: unexpected weight\.momentum_buffer/,
        ],
        [
          'missing key',
          withBuffers((b) => {
            delete b['bias.exp_avg_sq'];
          }),
          ShapeError,
          /Adam\.loadStateDict: missing bias\.exp_avg_sq \(expected weight\.exp_avg, weight\.exp_avg_sq, bias\.exp_avg, bias\.exp_avg_sq\)/,
        ],
        [
          'wrong length',
          withBuffers((b) => {
            b['bias.exp_avg'] = new Float32Array(6);
          }),
          ShapeError,
          /bias\.exp_avg must have 7 elements, got 6/,
        ],
        [
          'not a typed array',
          withBuffers((b) => {
            b['bias.exp_avg'] = [1, 2] as unknown as Float32Array;
          }),
          ShapeError,
          /bias\.exp_avg must be a Float32Array, got \[1, 2\]/,
        ],
        [
          'NaN',
          withBuffers((b) => {
            b['weight.exp_avg_sq'] = new Float32Array(15).fill(NaN);
          }),
          NonFiniteError,
          /weight\.exp_avg_sq holds NaN at index 0/,
        ],
        ['negative step', { ...good, step: -1 }, UsageError, /step must be a non-negative integer, got -1/],
        ['fractional step', { ...good, step: 1.5 }, UsageError, /step must be a non-negative integer, got 1.5/],
        ['bad lr', { ...good, lr: NaN }, UsageError, /Adam\.loadStateDict: lr must be a finite number >= 0, got NaN/],
        ['no buffers', { step: 1, lr: 0.01 } as OptimizerState, UsageError, /buffers must be an object/],
        ['not an object', null as unknown as OptimizerState, UsageError, /expected \{ step, lr, buffers \}/],
      ];
      // Make the live state differ from `good`, then check that failed loads leave it alone.
      adam.step();
      const live = adam.stateDict();
      for (const [label, state, Kind, message] of cases) {
        assert.throws(
          () => adam.loadStateDict(state),
          (e: unknown) => e instanceof Kind && message.test(e.message),
          label,
        );
        const after = adam.stateDict();
        assert.equal(after.step, live.step, `${label}: step unchanged`);
        for (const key of Object.keys(live.buffers)) assertIdentical(`${label}: ${key}`, after.buffers[key], live.buffers[key]);
      }
      // An SGD without momentum has no buffers: loading any is an error naming that.
      const sgd = new SGD(params, { lr: 0.1 }, backend);
      assert.throws(
        () => sgd.loadStateDict({ step: 0, lr: 0.1, buffers: { 'weight.momentum_buffer': new Float32Array(15) } }),
        /SGD\.loadStateDict: unexpected weight\.momentum_buffer \(expected no buffers\)/,
      );
      sgd.loadStateDict({ step: 4, lr: 0.2, buffers: {} });
      assert.deepEqual([sgd.stepCount, sgd.lr], [4, 0.2]);
    });
  });

  describe('optimizer behaviour', () => {
    it('zeroGrad fills every gradient with 0 and step reads the gradients', () => {
      const backend = get();
      const params = makeParams(backend);
      const sgd = new SGD(params, { lr: 0.1 }, backend);
      setGrads(params, fixtures.grads[0]);
      sgd.zeroGrad();
      for (const p of params)
        assert.ok(
          p.grad.every((g) => g === 0),
          `${p.name}.grad zeroed`,
        );
      sgd.step(); // zero gradient, no decay: nothing moves
      params.forEach((p, i) => assertIdentical(p.name, p.value, fixtures.params[i].init));
    });

    it('uses the learning rate set between steps (as a schedule does)', () => {
      const backend = get();
      const params = makeParams(backend);
      const sgd = new SGD(params, { lr: 0.1 }, backend);
      sgd.lr = 0;
      setGrads(params, fixtures.grads[0]);
      sgd.step();
      params.forEach((p, i) => assertIdentical(`${p.name} with lr 0`, p.value, fixtures.params[i].init));
      sgd.lr = 1;
      sgd.step();
      params.forEach((p, i) =>
        assertClose(
          `${p.name} with lr 1`,
          p.value,
          fixtures.params[i].init.map((x, j) => x - fixtures.grads[0][i][j]),
        ),
      );
    });

    it('refuses to step after dispose', () => {
      const backend = get();
      const adam = new Adam(makeParams(backend), {}, backend);
      adam.dispose();
      adam.dispose();
      assert.throws(() => adam.step(), /Adam: the optimizer has been disposed/);
    });
  });
});

describe('optimizer options', () => {
  const backend = createReferenceBackend();
  const params = (): Parameter[] => makeParams(backend);

  it('resolve to PyTorch 1.13 defaults', () => {
    assert.deepEqual({ ...new Adam(params(), {}, backend).options }, { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 });
    assert.deepEqual({ ...new AdamW(params(), {}, backend).options }, { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2 });
    assert.equal(new Adam(params(), {}, backend).lr, 1e-3);
    assert.equal(new AdamW(params(), undefined, backend).lr, 1e-3);
    assert.deepEqual(
      { ...new SGD(params(), { lr: 0.5 }, backend).options },
      { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
    );
    const rmsprop = new RMSprop(params(), {}, backend);
    assert.equal(rmsprop.lr, 1e-2);
    assert.deepEqual({ ...rmsprop.options }, { alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false });
  });

  it('are validated with messages naming the option and the value', () => {
    type Case = [string, () => unknown, RegExp];
    const cases: Case[] = [
      ['SGD without lr', () => new SGD(params(), {} as { lr: number }, backend), /^SGD: lr is required$/],
      ['negative lr', () => new SGD(params(), { lr: -0.1 }, backend), /^SGD: lr must be a finite number >= 0, got -0.1$/],
      ['NaN lr', () => new Adam(params(), { lr: NaN }, backend), /^Adam: lr must be a finite number >= 0, got NaN$/],
      ['infinite lr', () => new RMSprop(params(), { lr: Infinity }, backend), /RMSprop: lr .* got Infinity/],
      [
        'negative momentum',
        () => new SGD(params(), { lr: 0.1, momentum: -0.5 }, backend),
        /^SGD: momentum must be a finite number >= 0, got -0.5$/,
      ],
      ['negative weight decay', () => new SGD(params(), { lr: 0.1, weightDecay: -1 }, backend), /SGD: weightDecay .* got -1/],
      [
        'Nesterov without momentum',
        () => new SGD(params(), { lr: 0.1, nesterov: true }, backend),
        /^SGD: Nesterov momentum requires a momentum > 0 and zero dampening, got momentum 0 and dampening 0$/,
      ],
      [
        'Nesterov with dampening',
        () => new SGD(params(), { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }, backend),
        /got momentum 0.9 and dampening 0.1/,
      ],
      [
        'nesterov not boolean',
        () => new SGD(params(), { lr: 0.1, nesterov: 1 as unknown as boolean }, backend),
        /SGD: nesterov must be true or false, got 1/,
      ],
      ['beta1 = 1', () => new Adam(params(), { betas: [1, 0.999] }, backend), /^Adam: betas\[0\] must be in \[0, 1\), got 1$/],
      ['beta2 < 0', () => new AdamW(params(), { betas: [0.9, -0.1] }, backend), /^AdamW: betas\[1\] must be in \[0, 1\), got -0.1$/],
      [
        'betas not a pair',
        () => new Adam(params(), { betas: [0.9] as unknown as [number, number] }, backend),
        /Adam: betas must be a pair of numbers, got \[0.9\]/,
      ],
      ['eps 0', () => new Adam(params(), { eps: 0 }, backend), /^Adam: eps must be a finite number > 0, got 0$/],
      ['AdamW negative weight decay', () => new AdamW(params(), { weightDecay: -0.01 }, backend), /AdamW: weightDecay .* -0.01/],
      ['alpha > 1', () => new RMSprop(params(), { alpha: 1.5 }, backend), /^RMSprop: alpha must be in \[0, 1\], got 1.5$/],
      ['RMSprop negative momentum', () => new RMSprop(params(), { momentum: -1 }, backend), /RMSprop: momentum .* got -1/],
      ['RMSprop eps negative', () => new RMSprop(params(), { eps: -1e-8 }, backend), /RMSprop: eps must be a finite number > 0/],
      [
        'unknown option',
        () => new Adam(params(), { amsgrad: true } as never, backend),
        /^Adam: unknown option 'amsgrad' \(expected one of lr, betas, eps, weightDecay\)$/,
      ],
      ['misspelt option', () => new SGD(params(), { lr: 0.1, weight_decay: 0.1 } as never, backend), /SGD: unknown option 'weight_decay'/],
      [
        'lr set to a negative value',
        () => {
          new SGD(params(), { lr: 0.1 }, backend).lr = -1;
        },
        /^SGD: lr must be a finite number >= 0, got -1$/,
      ],
    ];
    for (const [label, make, message] of cases) {
      assert.throws(
        make,
        (e: unknown) => e instanceof UsageError && message.test(e.message),
        `${label}: expected UsageError matching ${message}`,
      );
    }
  });

  it('reject empty, duplicate and misshapen parameter lists', () => {
    const [weight, bias] = params();
    assert.throws(
      () => new Adam([], {}, backend),
      (e: unknown) => e instanceof UsageError && /empty parameter list/.test(String(e)),
    );
    assert.throws(
      () => new Adam([weight, bias, { ...weight }], {}, backend),
      (e: unknown) => e instanceof UsageError && /parameter name 'weight' appears more than once/.test(String(e)),
    );
    const bad = { name: 'bad', shape: [2, 3], value: backend.alloc(6), grad: backend.alloc(5) };
    assert.throws(
      () => new SGD([bad], { lr: 1 }, backend),
      (e: unknown) =>
        e instanceof ShapeError && /SGD: parameter bad of shape \[2, 3\] needs 6 values and gradients, got 6 and 5/.test(String(e)),
    );
    assert.throws(() => new SGD([{ name: 'x' } as Parameter], { lr: 1 }, backend), UsageError);
  });

  it('refuse to run without the backend that holds the parameters', () => {
    const missing = undefined as unknown as typeof backend;
    assert.throws(() => new Adam(makeParams(backend), {}, missing), /Adam: pass the backend that holds the parameters/);
  });
});
