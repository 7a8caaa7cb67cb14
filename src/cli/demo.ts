/**
 * `rnnkit demo` (what `npm start` runs): trains a character-level LSTM on the bundled
 * Moby Dick for a few minutes, prints samples at three temperatures, saves the model and
 * says how to go on.
 */
import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { formatDuration } from '../training/duration.js';
import { type BackendFlags, number, useBackend, withBackendOptions } from './common.js';
import { progressDisplay } from './progress.js';
import { RUN_DEFAULTS, trainLanguageModel } from './train-lm.js';

/** The demo's model and training settings: sized to learn visibly in a few minutes on two cores. */
const DEMO = { ...RUN_DEFAULTS, hiddenSize: 256, numLayers: 1, embeddingDim: 64, batch: 32, seqLen: 64, lr: 3e-3 };

interface DemoFlags extends BackendFlags {
  time: number;
  out: string;
}

export function registerDemo(program: Command): void {
  const command = program.command('demo')
    .description('train a character-level LSTM on Moby Dick for a few minutes and sample from it')
    .option('--time <seconds>', 'training time', number(1), 150)
    .option('--out <model>', 'where to save the model', 'moby-dick.safetensors')
    .addHelpText('after', '\nExample:\n  $ rnnkit demo --time 60 --out /tmp/moby.safetensors');
  withBackendOptions(command).action(async (flags: DemoFlags) => {
    await useBackend(flags);
    const data = fileURLToPath(new URL('../../data/moby-dick.txt', import.meta.url));
    const say = (line: string): void => void process.stdout.write(`${line}\n`);
    say(`Training a character-level LSTM (${DEMO.numLayers} × ${DEMO.hiddenSize} units) on Moby Dick ` +
      `for ${formatDuration(flags.time)}…`);
    const display = progressDisplay(false);
    const { model, training, validation } = await trainLanguageModel({
      run: { ...DEMO, data },
      budget: { seconds: flags.time },
      out: flags.out,
      onProgress: (p) => display.update(p),
    }).finally(() => display.stop());
    say(`\n${training.steps} steps, ${training.tokens.toLocaleString('en-US')} characters ` +
      `(${training.epochs.toFixed(2)} passes over the book), ${Math.round(training.tokens / training.seconds).toLocaleString('en-US')} chars/s`);
    if (validation) say(`held-out text: ${validation.bitsPerChar.toFixed(3)} bits per character`);
    for (const temperature of [0.5, 0.8, 1.0]) {
      say(`\n── temperature ${temperature} ${'─'.repeat(50)}`);
      for await (const piece of model.sample({ length: 400, temperature, seed: 7 })) process.stdout.write(piece);
      say('');
    }
    say(`\nModel saved to ${flags.out}. Continue with:`);
    say(`  npx rnnkit sample --model ${flags.out} --prime "Call me" --temperature 0.8`);
    say(`  npx rnnkit eval --model ${flags.out} --data data/moby-dick.txt`);
  });
}
