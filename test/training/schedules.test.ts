import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { UsageError } from '../../src/errors.js';
import { SGD } from '../../src/training/optim/sgd.js';
import {
  ConstantSchedule,
  CosineAnnealing,
  LinearWarmup,
  type LrSchedule,
  SequentialSchedule,
  StepDecay,
  warmupThen,
} from '../../src/training/schedules.js';
import { assertClose } from '../helpers/allclose.js';
import { fixtures, makeParams, type ScheduleKind } from './fixtures.js';

/** PyTorch chains the rates step by step in float64; the closed forms agree to rounding. */
const TOL = { atol: 1e-12, rtol: 1e-9 };

function build(kind: ScheduleKind, options: Record<string, unknown>): LrSchedule {
  switch (kind) {
    case 'constant':
      return new ConstantSchedule(options as never);
    case 'step':
      return new StepDecay(options as never);
    case 'cosine':
      return new CosineAnnealing(options as never);
    case 'linear':
      return new LinearWarmup(options as never);
    case 'sequential': {
      const parts = options['schedules'] as [ScheduleKind, Record<string, unknown>][];
      return new SequentialSchedule(
        parts.map(([k, o]) => build(k, o)),
        options['milestones'] as number[],
      );
    }
  }
}

function lrs(schedule: LrSchedule, steps: number): number[] {
  return Array.from({ length: steps }, (_, t) => schedule.lrAt(t));
}

describe('learning-rate schedules against PyTorch', () => {
  it('fixtures cover every kind', () => {
    const kinds = new Set(fixtures.schedules.map((s) => s.kind));
    for (const kind of ['constant', 'step', 'cosine', 'linear', 'sequential']) assert.ok(kinds.has(kind as ScheduleKind), kind);
  });

  for (const fx of fixtures.schedules) {
    it(`${fx.name}: ${fx.kind} ${JSON.stringify(fx.options)}, steps 0..${fx.lr.length - 1}`, () => {
      assertClose(`${fx.name} lr`, lrs(build(fx.kind, fx.options), fx.lr.length), fx.lr, TOL);
    });
  }

  it('warmupThen(main) is the warm-up + main sequence PyTorch runs', () => {
    const fx = fixtures.schedules.find((s) => s.name === 'warmup_then_cosine')!;
    const schedule = warmupThen(new CosineAnnealing({ lr: 0.1, tMax: 8, etaMin: 0.01 }), { warmupSteps: 3, startFactor: 0.1 });
    assertClose('warmupThen lr', lrs(schedule, fx.lr.length), fx.lr, TOL);
    // Default start factor 1/3, as torch's LinearLR.
    assertClose('default start factor', [warmupThen(new ConstantSchedule({ lr: 0.3 }), { warmupSteps: 5 }).lrAt(0)], [0.1], TOL);
  });

  it('TSDoc examples give the values they state', () => {
    assertClose('StepDecay example', [new StepDecay({ lr: 0.1, stepSize: 1000, gamma: 0.5 }).lrAt(2500)], [0.025], TOL);
    assertClose('CosineAnnealing example', [new CosineAnnealing({ lr: 0.1, tMax: 100 }).lrAt(50)], [0.05], TOL);
    assertClose('LinearWarmup example', [new LinearWarmup({ lr: 0.1, warmupSteps: 4, startFactor: 0.25 }).lrAt(1)], [0.04375], TOL);
  });

  it('allow a warm-up from zero (PyTorch 1.13 yields NaN there)', () => {
    assert.deepEqual(lrs(new LinearWarmup({ lr: 1, warmupSteps: 4, startFactor: 0 }), 6), [0, 0.25, 0.5, 0.75, 1, 1]);
  });
});

describe('LrSchedule.apply', () => {
  it('sets the optimizer lr to lrAt(step) and returns it', () => {
    const backend = createReferenceBackend();
    const sgd = new SGD(makeParams(backend), { lr: 0.1 }, backend);
    const schedule = new StepDecay({ lr: 0.1, stepSize: 2, gamma: 0.5 });
    assert.equal(schedule.apply(sgd, 5), 0.025);
    assert.equal(sgd.lr, 0.025);
    const standIn = { lr: 1 };
    new CosineAnnealing({ lr: 2, tMax: 4 }).apply(standIn, 4);
    assert.equal(standIn.lr, 0);
    assert.equal(schedule.baseLr, 0.1);
  });
});

describe('schedule arguments', () => {
  it('are validated with messages naming the argument and the value', () => {
    const cases: [string, () => unknown, RegExp][] = [
      ['negative lr', () => new ConstantSchedule({ lr: -1 }), /^ConstantSchedule: lr must be a finite number >= 0, got -1$/],
      ['NaN lr', () => new StepDecay({ lr: NaN, stepSize: 2 }), /^StepDecay: lr .* got NaN$/],
      ['stepSize 0', () => new StepDecay({ lr: 0.1, stepSize: 0 }), /^StepDecay: stepSize must be an integer >= 1, got 0$/],
      ['fractional stepSize', () => new StepDecay({ lr: 0.1, stepSize: 2.5 }), /stepSize must be an integer >= 1, got 2.5/],
      ['missing stepSize', () => new StepDecay({ lr: 0.1 } as never), /stepSize must be an integer >= 1, got undefined/],
      ['negative gamma', () => new StepDecay({ lr: 0.1, stepSize: 1, gamma: -0.5 }), /StepDecay: gamma .* got -0.5/],
      ['tMax 0', () => new CosineAnnealing({ lr: 0.1, tMax: 0 }), /^CosineAnnealing: tMax must be a finite number > 0, got 0$/],
      ['negative etaMin', () => new CosineAnnealing({ lr: 0.1, tMax: 5, etaMin: -1 }), /CosineAnnealing: etaMin .* got -1/],
      [
        'startFactor > 1',
        () => new LinearWarmup({ lr: 0.1, startFactor: 1.5 }),
        /^LinearWarmup: startFactor must be in \[0, 1\], got 1.5$/,
      ],
      ['endFactor < 0', () => new LinearWarmup({ lr: 0.1, endFactor: -0.1 }), /LinearWarmup: endFactor must be in \[0, 1\]/],
      ['warmupSteps 0', () => new LinearWarmup({ lr: 0.1, warmupSteps: 0 }), /LinearWarmup: warmupSteps must be an integer >= 1, got 0/],
      [
        'unknown option',
        () => new CosineAnnealing({ lr: 0.1, tMax: 5, T_max: 5 } as never),
        /^CosineAnnealing: unknown option 'T_max' \(expected one of lr, tMax, etaMin\)$/,
      ],
      [
        'milestone count',
        () => new SequentialSchedule([new ConstantSchedule({ lr: 1 }), new ConstantSchedule({ lr: 1 })], []),
        /^SequentialSchedule: expected 1 milestone\(s\) for 2 schedules, got 0$/,
      ],
      [
        'milestones out of order',
        () =>
          new SequentialSchedule(
            [new ConstantSchedule({ lr: 1 }), new ConstantSchedule({ lr: 1 }), new ConstantSchedule({ lr: 1 })],
            [5, 5],
          ),
        /^SequentialSchedule: milestones\[1\] must be an integer >= 6, got 5$/,
      ],
      [
        'milestone 0',
        () => new SequentialSchedule([new ConstantSchedule({ lr: 1 }), new ConstantSchedule({ lr: 1 })], [0]),
        /milestones\[0\] must be an integer >= 1, got 0/,
      ],
      ['no schedules', () => new SequentialSchedule([], []), /schedules must be a non-empty array of schedules/],
      [
        'warmupThen warmupSteps',
        () => warmupThen(new ConstantSchedule({ lr: 1 }), { warmupSteps: -2 }),
        /^warmupThen: warmupSteps must be an integer >= 1, got -2$/,
      ],
      ['negative step', () => new ConstantSchedule({ lr: 1 }).lrAt(-1), /^ConstantSchedule\.lrAt: step must be an integer >= 0, got -1$/],
      ['fractional step', () => new CosineAnnealing({ lr: 1, tMax: 3 }).apply({ lr: 1 }, 0.5), /step must be an integer >= 0, got 0.5/],
    ];
    for (const [label, make, message] of cases) {
      assert.throws(
        make,
        (e: unknown) => e instanceof UsageError && message.test(e.message),
        `${label}: expected UsageError matching ${message}`,
      );
    }
  });
});
