// The shared training loop, run on a real (small) language model: exact resume from a
// checkpoint file, non-finite detection (stop naming the step, or skip), budgets,
// progress events and option checks.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { createReferenceBackend } from '../../src/backend/reference/index.js';
import { CharTokenizer } from '../../src/data/tokenizers/char.js';
import { NonFiniteError, UsageError } from '../../src/errors.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/io/checkpoint.js';
import { LanguageModel } from '../../src/models/language-model/language-model.js';
import { SequenceTagger } from '../../src/models/sequence-tagger.js';
import { Random } from '../../src/random.js';
import { clipGradNorm, clipGradValue } from '../../src/training/clip.js';
import { Adam } from '../../src/training/optim/adam.js';
import { StepDecay } from '../../src/training/schedules.js';
import { train, type Progress, type TrainerCheckpoint, type TrainingTask, type TrainOptions } from '../../src/training/trainer.js';

const TEXT =
  'It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of ' +
  'foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was ' +
  'the season of Darkness.\n';
const BATCH = 4;
const STEPS = 8;

describe('train (the shared training loop)', () => {
  let backend: Backend<Float32Array>;
  let dir: string;
  const tokenizer = CharTokenizer.fromText(TEXT);
  const ids = tokenizer.encode(TEXT);

  before(() => {
    backend = createReferenceBackend(Float32Array);
    dir = mkdtempSync(join(tmpdir(), 'rnnkit-trainer-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A 2-layer LSTM with dropout between the layers, so that resume must restore the generator too. */
  const makeModel = () =>
    LanguageModel.create({ tokenizer, cell: 'lstm', embeddingDim: 6, hiddenSize: 10, numLayers: 2, dropout: 0.3, seed: 11, backend });
  const setup = async () => {
    const model = await makeModel();
    const task = model.train().trainingTask(ids, BATCH, STEPS);
    const optimizer = new Adam(await model.parameters(), { lr: 0.01 }, backend);
    return { model, task, optimizer };
  };

  it('a run interrupted at a checkpoint and resumed from its file gives the losses of an uninterrupted run', async () => {
    const { model, task, optimizer } = await setup();
    assert.ok(task.batchesPerEpoch < 12, 'the run must cross an epoch boundary (the carried state is reset there)');
    const losses: number[] = [];
    const paths: string[] = [];
    await train(task, {
      optimizer,
      budget: { steps: 20 },
      clipNorm: 1,
      checkpointEvery: 9,
      onProgress: (p) => losses.push(p.loss),
      onCheckpoint: async (c) => {
        const path = join(dir, `step-${c.step}.ckpt`);
        paths.push(path);
        await saveCheckpoint(path, model, c, { note: 'settings travel too' });
      },
    });
    assert.deepEqual(
      paths.map((p) => p.replace(/.*step-/, '')),
      ['9.ckpt', '18.ckpt', '20.ckpt'],
    );

    const loaded = await loadCheckpoint<{ note: string }, 'language-model'>(paths[0], { backend, type: 'language-model' });
    assert.equal(loaded.settings.note, 'settings travel too');
    assert.equal(loaded.trainer.step, 9);
    const resumedModel = loaded.model;
    const resumedTask = resumedModel.train().trainingTask(ids, BATCH, STEPS);
    const resumedLosses: number[] = [];
    const result = await train(resumedTask, {
      optimizer: new Adam(await resumedModel.parameters(), { lr: 0.01 }, backend),
      budget: { steps: 20 },
      clipNorm: 1,
      resume: loaded.trainer,
      onProgress: (p) => resumedLosses.push(p.loss),
    });
    assert.equal(result.steps, 20);
    assert.deepEqual(resumedLosses, losses.slice(9));
    const a = model.stateDict();
    const b = resumedModel.stateDict();
    for (const name of Object.keys(a)) assert.deepEqual(b[name].data, a[name].data, name);
  });

  it('an aborted run stops after the step in progress and resumes, after sampling in between, to an uninterrupted run', async () => {
    const whole = await setup();
    const losses: number[] = [];
    await train(whole.task, { optimizer: whole.optimizer, budget: { steps: 12 }, clipNorm: 1, onProgress: (p) => losses.push(p.loss) });

    const { model, task, optimizer } = await setup();
    const controller = new AbortController();
    let checkpoint: TrainerCheckpoint | undefined;
    const first = await train(task, {
      optimizer,
      budget: { steps: 12 },
      clipNorm: 1,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.step === 5) controller.abort();
      },
      onCheckpoint: (c) => {
        checkpoint = c;
      },
    });
    assert.deepEqual([first.stoppedBy, first.steps, checkpoint?.step], ['aborted', 5, 5]);
    // Side work re-prepares the engine for other shapes; the resumed run must not notice.
    model.eval();
    await model.generate({ prime: 'it was', length: 10, seed: 3 });
    model.evaluate(ids.subarray(0, 40));
    model.train();
    const rest: number[] = [];
    const second = await train(task, {
      optimizer,
      budget: { steps: 12 },
      clipNorm: 1,
      resume: checkpoint,
      onProgress: (p) => rest.push(p.loss),
    });
    assert.equal(second.stoppedBy, 'steps');
    assert.deepEqual(rest, losses.slice(5));
    const a = whole.model.stateDict();
    const b = model.stateDict();
    for (const name of Object.keys(a)) assert.deepEqual(b[name].data, a[name].data, name);
  });

  it('an already aborted signal stops before the first step', async () => {
    const { task, optimizer } = await setup();
    const result = await train(task, { optimizer, budget: { steps: 3 }, signal: AbortSignal.abort() });
    assert.deepEqual([result.stoppedBy, result.steps], ['aborted', 0]);
  });

  it('a batched task (shuffled, length-bucketed, dropout in its encoder) resumes mid-epoch exactly from a checkpoint file', async () => {
    const random = new Random(3);
    const sentences = Array.from({ length: 23 }, () => {
      const tokens = Array.from({ length: 1 + random.int(6) }, () => random.int(7));
      return { tokens, tags: tokens.map((t) => t % 3) };
    });
    const make = () =>
      SequenceTagger.create({ vocabSize: 7, numTags: 3, embeddingDim: 3, hiddenSize: 4, numLayers: 2, dropout: 0.4, seed: 5, backend });
    const model = make();
    const task = await model.trainingTask(sentences, 4);
    assert.equal(task.batchesPerEpoch, 6);
    const losses: number[] = [];
    const path = join(dir, 'tagger.ckpt');
    await train(task, {
      optimizer: new Adam(await model.parameters(), { lr: 0.01 }, backend),
      budget: { steps: 15 },
      checkpointEvery: 8,
      onProgress: (p) => losses.push(p.loss),
      onCheckpoint: async (c) => {
        if (c.step === 8) await saveCheckpoint(path, model, c, {});
      },
    });
    const loaded = await loadCheckpoint(path, { backend, type: 'sequence-tagger' });
    assert.deepEqual([loaded.trainer.epoch, loaded.trainer.batch], [1, 2], 'the checkpoint is in the middle of the second epoch');
    const resumedLosses: number[] = [];
    await train(await loaded.model.trainingTask(sentences, 4), {
      optimizer: new Adam(await loaded.model.parameters(), { lr: 0.01 }, backend),
      budget: { steps: 15 },
      resume: loaded.trainer,
      onProgress: (p) => resumedLosses.push(p.loss),
    });
    assert.deepEqual(resumedLosses, losses.slice(8));
    const [a, b] = [model.stateDict(), loaded.model.stateDict()];
    for (const name of Object.keys(a)) assert.deepEqual(b[name].data, a[name].data, name);
  });

  /** The task with batch `index` of step `bad` (1-based) spoiled by `spoil`. */
  const spoiled = (task: TrainingTask, bad: number, spoil: (loss: number) => number): TrainingTask => {
    let step = 0;
    return {
      ...task,
      trainBatch: async (index) => {
        // an async task, as models built on the public layers give
        const r = await task.trainBatch(index);
        return ++step === bad ? { ...r, loss: spoil(r.loss) } : r;
      },
    };
  };

  it('stops at a non-finite loss with a NonFiniteError naming the step', async () => {
    const { task, optimizer } = await setup();
    await assert.rejects(
      train(
        spoiled(task, 3, () => NaN),
        { optimizer, budget: { steps: 10 } },
      ),
      (e: Error) => e instanceof NonFiniteError && /step 3 \(epoch 1, batch 3\): the loss is NaN/.test(e.message),
    );
  });

  it('clipValue and a schedule shape every update as a hand-written loop does, and change the weights', async () => {
    const schedule = new StepDecay({ lr: 0.02, stepSize: 2, gamma: 0.5 });
    const run = async (options: Partial<TrainOptions>) => {
      const { model, task, optimizer } = await setup();
      const lrs: number[] = [];
      await train(task, { optimizer, budget: { steps: 5 }, ...options, onProgress: (p) => lrs.push(p.lr) });
      return { weights: model.stateDict(), lrs };
    };
    // The same five steps by hand: the rate of the step, the task's batch, finiteness, value then norm clipping, the update.
    const { model, task, optimizer } = await setup();
    for (let step = 0; step < 5; step++) {
      const batch = step % task.batchesPerEpoch;
      if (batch === 0) task.startEpoch(Math.floor(step / task.batchesPerEpoch));
      optimizer.lr = schedule.lrAt(step);
      optimizer.zeroGrad();
      await task.trainBatch(batch);
      const params = await model.parameters();
      clipGradValue(params, 0.01, backend);
      clipGradNorm(params, 1, {}, backend);
      optimizer.step();
    }
    const looped = await run({ schedule, clipValue: 0.01, clipNorm: 1 });
    assert.deepEqual(
      looped.lrs,
      [0, 1, 2, 3, 4].map((s) => schedule.lrAt(s)),
    );
    assert.deepEqual(looped.lrs, [0.02, 0.02, 0.01, 0.01, 0.005]);
    const expected = model.stateDict();
    for (const name of Object.keys(expected)) assert.deepEqual(looped.weights[name].data, expected[name].data, name);
    // Each option on its own changes the result: neither is ignored.
    const plain = (await run({ clipNorm: 1 })).weights;
    const valueOnly = (await run({ clipValue: 0.01, clipNorm: 1 })).weights;
    const scheduleOnly = (await run({ schedule, clipNorm: 1 })).weights;
    const name = 'decoder.weight';
    assert.notDeepEqual(valueOnly[name].data, plain[name].data, 'clipValue changed nothing');
    assert.notDeepEqual(scheduleOnly[name].data, plain[name].data, 'the schedule changed nothing');
  });

  it('a non-finite gradient stops the run under value clipping too (clipping must not hide it)', async () => {
    for (const clips of [{ clipValue: 0.5 }, { clipValue: 0.5, clipNorm: 1 }] as const) {
      for (const bad of [Infinity, -Infinity, NaN]) {
        const { model, task, optimizer } = await setup();
        const first = (await model.parameters())[0];
        let step = 0;
        const poisoned: TrainingTask = {
          ...task,
          trainBatch: async (i) => {
            const r = await task.trainBatch(i);
            if (++step === 2) first.grad[3] = bad;
            return r;
          },
        };
        await assert.rejects(
          train(poisoned, { optimizer, budget: { steps: 4 }, ...clips }),
          (e: Error) => e instanceof NonFiniteError && /step 2 .*a gradient is not finite/.test(e.message),
          `${JSON.stringify(clips)} ${bad}`,
        );
      }
    }
    // With skipNonFinite the batch is skipped, not clamped into an update.
    const { model, task, optimizer } = await setup();
    const first = (await model.parameters())[0];
    const before = Float32Array.from(first.value);
    const poisoned: TrainingTask = {
      ...task,
      trainBatch: async (i) => {
        const r = await task.trainBatch(i);
        first.grad[3] = Infinity;
        return r;
      },
    };
    const result = await train(poisoned, { optimizer, budget: { steps: 2 }, clipValue: 0.5, skipNonFinite: true });
    assert.equal(result.skipped, 2);
    assert.deepEqual(first.value, before);
  });

  it('stops at a non-finite gradient, with and without clipping', async () => {
    for (const clipNorm of [undefined, 1]) {
      const { model, task, optimizer } = await setup();
      const first = (await model.parameters())[0];
      let step = 0;
      const poisoned: TrainingTask = {
        ...task,
        trainBatch: (i) => {
          const r = task.trainBatch(i);
          if (++step === 2) first.grad[5] = Infinity;
          return r;
        },
      };
      await assert.rejects(
        train(poisoned, { optimizer, budget: { steps: 10 }, clipNorm }),
        (e: Error) => e instanceof NonFiniteError && /step 2 .*gradient/.test(e.message),
        `clipNorm ${clipNorm}`,
      );
    }
  });

  it('with skipNonFinite, skips the bad batch without updating and goes on', async () => {
    const { model, task, optimizer } = await setup();
    const snapshots: Float32Array[] = [];
    const first = (await model.parameters())[0];
    const result = await train(
      spoiled(task, 3, () => Infinity),
      {
        optimizer,
        budget: { steps: 5 },
        skipNonFinite: true,
        onProgress: () => snapshots.push(Float32Array.from(first.value)),
      },
    );
    assert.equal(result.skipped, 1);
    assert.equal(result.steps, 5);
    assert.deepEqual(snapshots[2], snapshots[1], 'the skipped step changed no weight');
    assert.notDeepEqual(snapshots[3], snapshots[2], 'the next step updates again');
    assert.ok(Number.isFinite(result.loss));
  });

  it('ends on the first limit reached: steps, (fractional) epochs or seconds', async () => {
    const { task, optimizer } = await setup();
    const perEpoch = task.batchesPerEpoch;
    const byEpochs = await train(task, { optimizer, budget: { epochs: 1.5, steps: 1000 } });
    assert.equal(byEpochs.stoppedBy, 'epochs');
    assert.equal(byEpochs.steps, Math.ceil(1.5 * perEpoch));
    assert.equal(byEpochs.tokens, byEpochs.steps * BATCH * STEPS);

    // A fake clock: every batch takes one second.
    let ms = 0;
    const timed: TrainingTask = {
      ...task,
      trainBatch: (i) => {
        ms += 1000;
        return task.trainBatch(i);
      },
    };
    const bySeconds = await train(timed, { optimizer, budget: { seconds: 3.5, epochs: 100 }, now: () => ms });
    assert.equal(bySeconds.stoppedBy, 'seconds');
    assert.equal(bySeconds.steps, 4);

    const bySteps = await train(task, { optimizer, budget: { steps: 2, epochs: 100 } });
    assert.equal(bySteps.stoppedBy, 'steps');
    assert.equal(bySteps.steps, 2);
  });

  it('reports progress after every step: counts, a rate, an ETA, a fraction that ends at 1', async () => {
    const { task, optimizer } = await setup();
    let ms = 0;
    const timed: TrainingTask = {
      ...task,
      trainBatch: (i) => {
        ms += 500;
        return task.trainBatch(i);
      },
    };
    const events: Progress[] = [];
    await train(timed, { optimizer, budget: { steps: 6 }, now: () => ms, onProgress: (p) => events.push(p) });
    assert.deepEqual(
      events.map((e) => e.step),
      [1, 2, 3, 4, 5, 6],
    );
    assert.deepEqual(
      events.map((e) => e.fraction),
      [1, 2, 3, 4, 5, 6].map((s) => s / 6),
    );
    assert.equal(events[1].tokensPerSecond, (2 * BATCH * STEPS) / 1);
    assert.ok(Math.abs(events[1].etaSeconds - 2) < 1e-9, `ETA ${events[1].etaSeconds}`); // 4 steps left at 0.5 s each
    assert.equal(events.at(-1)!.etaSeconds, 0);
    assert.ok(Math.abs(events[0].smoothedLoss - events[0].loss) < 1e-12, 'the bias-corrected average of one loss is that loss');
    assert.equal(events[2].lr, 0.01);
  });

  it('rejects a missing or invalid budget and invalid options', async () => {
    const { task, optimizer } = await setup();
    const cases: [Partial<TrainOptions>, RegExp][] = [
      [{ budget: {} }, /give a budget/],
      [{ budget: { steps: 2.5 } }, /steps must be an integer/],
      [{ budget: { seconds: -1 } }, /seconds budget must be a positive number/],
      [{ budget: { epochs: NaN } }, /epochs budget/],
      [{ budget: { steps: 1 }, clipNorm: 0 }, /clipNorm must be a positive number/],
      [{ budget: { steps: 1 }, checkpointEvery: -2 }, /checkpointEvery/],
    ];
    for (const [options, message] of cases) {
      await assert.rejects(
        train(task, { optimizer, budget: { steps: 1 }, ...options }),
        (e: Error) => e instanceof UsageError && message.test(e.message),
        message.source,
      );
    }
  });
});
