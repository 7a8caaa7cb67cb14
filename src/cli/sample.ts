/** `rnnkit sample`: generates text from a language model, streamed as it is drawn. */
import type { Command } from 'commander';
import { loadModel } from '../io/model-file.js';
import { type BackendFlags, integer, number, useBackend, withBackendOptions } from './common.js';

interface SampleFlags extends BackendFlags {
  model: string;
  prime?: string;
  length: number;
  temperature: number;
  topK: number;
  topP: number;
  seed?: number;
}

export function registerSample(program: Command): void {
  const command = program
    .command('sample')
    .description('generate text from a language model')
    .requiredOption('--model <file>', 'model file (.safetensors)')
    .option('--prime <text>', 'text to continue (not repeated in the output)')
    .option('--length <n>', 'tokens to generate', integer(0), 500)
    .option('--temperature <x>', 'below 1: safer, above 1: wilder; 0: always the likeliest token', number(0), 1)
    .option('--top-k <k>', 'draw only from the k likeliest tokens (0: all)', integer(0), 0)
    .option('--top-p <p>', 'draw only from the likeliest tokens that make up probability p', number(0, 1, true), 1)
    .option('--seed <n>', 'seed of the draws (default: varies)', integer(0))
    .addHelpText('after', '\nExample:\n  $ rnnkit sample --model moby.safetensors --prime "Call me" --length 300 --temperature 0.8');
  withBackendOptions(command).action(async (flags: SampleFlags) => {
    await useBackend(flags);
    const model = (await loadModel(flags.model, { type: 'language-model' })).eval();
    const seed = flags.seed ?? Math.floor(Math.random() * 2 ** 31);
    const options = {
      length: flags.length,
      temperature: flags.temperature,
      topK: flags.topK,
      topP: flags.topP,
      seed,
      ...(flags.prime !== undefined ? { prime: flags.prime } : {}),
    };
    if (flags.prime !== undefined) process.stdout.write(flags.prime);
    for await (const piece of model.sample(options)) process.stdout.write(piece);
    process.stdout.write('\n');
  });
}
