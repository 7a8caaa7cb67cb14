// Every `rnnkit train` command resumes exactly: a run killed with SIGKILL after a checkpoint
// (written by --checkpoint-every) and continued with --resume ends with the same model file,
// byte for byte, as a run never interrupted. Kills at random moments — in training or while
// a file is written — never leave an unreadable model or checkpoint; a failing write (a full
// disk, here a file size limit) leaves the old files and says so.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { loadModel } from '../../src/io/model-file.js';
import { modelTypeOf } from '../../src/io/model-types.js';
import { Random } from '../../src/random.js';
import { assertFails, killWhenWritten, runCli, runUntilKilled, spawnCli } from '../helpers/cli.js';
import { suiteDir } from '../helpers/temp.js';

const CORPUS = new URL('../../data/moby-dick.txt', import.meta.url);

/** Small data for each command, its options (deterministic: fixed seed, one thread, dropout between two layers) and a step budget. */
const COMMANDS: { task: string; file: string; data: () => string; args: string[]; steps: number }[] = [
  {
    task: 'lm',
    file: 'text.txt',
    data: () => readFileSync(CORPUS, 'utf8').slice(50000, 56000),
    args: ['--hidden', '12', '--embed', '6', '--batch', '4', '--seq-len', '12'],
    steps: 240,
  },
  {
    task: 'classify',
    file: 'texts.csv',
    data: () =>
      `text,label\n${words(7, 40)
        .map((w) => `${w},${w.length % 2 === 0 ? 'even' : 'odd'}`)
        .join('\n')}\n`,
    args: ['--hidden', '6', '--embed', '4', '--batch', '4'],
    steps: 200,
  },
  {
    task: 'tag',
    file: 'tags.conll',
    data: () =>
      words(8, 30)
        .map((w) => [...w].map((c) => `${c} ${c === 'a' ? 'B-A' : 'O'}`).join('\n'))
        .join('\n\n'),
    args: ['--hidden', '6', '--embed', '4', '--batch', '4', '--min-count', '1'],
    steps: 200,
  },
  {
    task: 'forecast',
    file: 'series.csv',
    data: () => `value\n${Array.from({ length: 90 }, (_, t) => (100 + 10 * Math.sin(t / 3)).toFixed(3)).join('\n')}\n`,
    args: ['--hidden', '6', '--batch', '8', '--window', '6'],
    steps: 200,
  },
  {
    task: 'ctc',
    file: 'frames.jsonl',
    data: () =>
      `${words(9, 30)
        .map((w) =>
          JSON.stringify({
            input: [...w].flatMap((c) => [
              [c === 'a' ? 1 : 0, c === 'b' ? 1 : 0, c === 'c' ? 1 : 0],
              [0, 0, 0],
            ]),
            target: w,
          }),
        )
        .join('\n')}\n`,
    args: ['--hidden', '6', '--batch', '4'],
    steps: 200,
  },
  {
    task: 'seq2seq',
    file: 'pairs.tsv',
    data: () =>
      `${words(10, 30)
        .map((w) => `${w}\t${[...w].reverse().join('')}`)
        .join('\n')}\n`,
    args: ['--hidden', '6', '--embed', '4', '--batch', '4'],
    steps: 150,
  },
];

/** `count` words of 1–4 letters from "abc", drawn with `seed`. */
function words(seed: number, count: number): string[] {
  const random = new Random(seed);
  return Array.from({ length: count }, () => Array.from({ length: 1 + random.int(4) }, () => 'abc'[random.int(3)]).join(''));
}

describe('rnnkit train … --resume after a kill', () => {
  const at = suiteDir('rnnkit-cli-resume-', Object.fromEntries(COMMANDS.map((c) => [c.file, c.data])));
  const common = ['--layers', '2', '--dropout', '0.25', '--seed', '3', '--threads', '1', '--quiet'];

  for (const { task, file, args, steps } of COMMANDS) {
    it(`train ${task}: killed after a checkpoint and resumed, it ends with the uninterrupted run's model, byte for byte`, async () => {
      const run = (out: string, ...extra: string[]): string[] => [
        'train',
        task,
        '--data',
        at(file),
        ...args,
        ...common,
        '--out',
        at(out),
        ...extra,
      ];
      const full = runCli(run(`${task}-full.safetensors`, '--steps', String(steps)));
      assert.equal(full.status, 0, full.stderr);

      const checkpoint = at(`${task}-killed.ckpt`);
      await killWhenWritten(
        run(`${task}-resumed.safetensors`, '--steps', String(steps), '--checkpoint-every', '20', '--checkpoint', checkpoint),
        checkpoint,
      );
      assert.ok(!existsSync(at(`${task}-resumed.safetensors`)), 'killed before the end: no model file yet');
      const { trainer } = await loadCheckpoint(checkpoint);
      assert.ok(
        trainer.step % 20 === 0 && trainer.step > 0 && trainer.step < steps,
        `checkpoint at step ${trainer.step}: --checkpoint-every 20`,
      );

      // Resuming takes the run's settings from the checkpoint: only the data, the output and the budget are given.
      const resumed = runCli([
        'train',
        task,
        '--data',
        at(file),
        '--out',
        at(`${task}-resumed.safetensors`),
        '--resume',
        checkpoint,
        '--steps',
        String(steps),
        '--threads',
        '1',
        '--json',
      ]);
      assert.equal(resumed.status, 0, resumed.stderr);
      assert.equal((JSON.parse(resumed.stdout) as { steps: number }).steps, steps);
      assert.ok(
        readFileSync(at(`${task}-resumed.safetensors`)).equals(readFileSync(at(`${task}-full.safetensors`))),
        `train ${task}: the resumed model differs from the uninterrupted one`,
      );
    });
  }

  it('kills at random moments of training and saving leave no unreadable file, and every resume ends where the full run does', async () => {
    const { task, file, args, steps } = COMMANDS[1];
    const out = at('random-kill.safetensors');
    const checkpoint = at('random-kill.ckpt');
    const run = [
      'train',
      task,
      '--data',
      at(file),
      ...args,
      ...common,
      '--out',
      out,
      '--checkpoint',
      checkpoint,
      '--steps',
      String(steps),
      '--checkpoint-every',
      '1',
    ];
    const full = at(`${task}-full.safetensors`);
    const random = new Random(17);
    for (let trial = 0; trial < 4; trial++) {
      // A model file from before is there to be replaced; the kill comes 0–400 ms after the first checkpoint.
      writeFileSync(out, readFileSync(at('tag-full.safetensors')));
      rmSync(checkpoint, { force: true });
      const delay = random.int(400);
      const ended = await runUntilKilled(run, checkpoint, delay);
      assert.ok(ended.signal === 'SIGKILL' || ended.code === 0, ended.stderr);
      // Whatever the moment, the model file is the old one or the new one, whole; the checkpoint is whole.
      assert.ok(['sequence-tagger', 'sequence-classifier'].includes(modelTypeOf(await loadModel(out))));
      const { trainer } = await loadCheckpoint(checkpoint, { type: 'sequence-classifier' });
      assert.ok(trainer.step >= 1 && trainer.step <= steps);
      const resumed = runCli([
        'train',
        task,
        '--data',
        at(file),
        '--out',
        out,
        '--resume',
        checkpoint,
        '--checkpoint',
        checkpoint,
        '--steps',
        String(steps),
        '--threads',
        '1',
        '--quiet',
      ]);
      assert.equal(resumed.status, 0, resumed.stderr);
      assert.ok(readFileSync(out).equals(readFileSync(full)), `trial ${trial} (kill after ${delay} ms): the resumed model differs`);
    }
  });

  it('a write that fails (the disk full: a file size limit) leaves the old model and checkpoint and names the file', async () => {
    const { task, file, args } = COMMANDS[1];
    const out = at('full-disk.safetensors');
    const checkpoint = at('full-disk.ckpt');
    writeFileSync(out, 'the old model');
    writeFileSync(checkpoint, 'the old checkpoint');
    // ulimit -f 8: no file may grow past 8 KiB; node then gets EFBIG from write(2), as on a full disk.
    const ended = await spawnCli(
      [
        'train',
        task,
        '--data',
        at(file),
        ...args,
        '--hidden',
        '32',
        '--out',
        out,
        '--checkpoint',
        checkpoint,
        '--steps',
        '2',
        '--threads',
        '1',
        '--quiet',
      ],
      () => {},
      { ...process.env, TSX_DISABLE_CACHE: '1' },
      'ulimit -f 8;',
    );
    assert.equal(ended.code, 1, ended.stderr);
    assert.match(
      ended.stderr,
      new RegExp(`^rnnkit: error: could not write ${checkpoint.replace(/[.]/g, '\\.')}: file too large \\(EFBIG\\)\\n$`),
    );
    assert.equal(readFileSync(out, 'utf8'), 'the old model');
    assert.equal(readFileSync(checkpoint, 'utf8'), 'the old checkpoint');
    assert.deepEqual(
      readdirSync(at('.')).filter((name) => name.startsWith('.full-disk')),
      [],
      'no temp file is left',
    );
  });

  it("--resume refuses a checkpoint of another command and data other than the run's", () => {
    const checkpoint = at('classify-killed.ckpt');
    assertFails(
      runCli(['train', 'tag', '--data', at('tags.conll'), '--out', at('x.safetensors'), '--resume', checkpoint, '--steps', '1']),
      1,
      /holds a sequence-classifier/,
    );
    const fewer = at('fewer.csv');
    writeFileSync(fewer, readFileSync(at('texts.csv'), 'utf8').split('\n').slice(0, 20).join('\n'));
    assertFails(
      runCli(['train', 'classify', '--data', fewer, '--out', at('x.safetensors'), '--resume', checkpoint, '--steps', '1']),
      1,
      /fewer\.csv gives 18 training examples, the run in .* had 36: resume with the data it was trained on/,
    );
  });
});
