/**
 * `rnnkit poem`: writes poems with a character model trained on poems one per line (as
 * `rnnkit demo --corpus tang` trains one), from a first character or line, or as an
 * acrostic (藏头诗), and scores their form: how many are regular quatrains.
 */
import type { Command } from 'commander';
import { loadModel } from '../io/model-file.js';
import type { LanguageModel } from '../models/language-model/language-model.js';
import { type PoemOptions, samplePoems } from '../poetry/compose.js';
import { formScore } from '../poetry/form.js';
import { type BackendFlags, integer, number, printJson, useBackend, withBackendOptions } from './common.js';

/** What {@link writePoems} sampled. */
export interface WrittenPoems {
  poems: string[];
  /** Fraction of `poems` that are regular quatrains, see {@link formScore}. */
  formScore: number;
}

/** One line on the form score of `poems`, e.g. `form: 87 of 100 poems are regular quatrains (87 %) …`. */
export function formLine({ poems, formScore: score }: WrittenPoems): string {
  const regular = Math.round(score * poems.length);
  return (
    `form: ${regular} of ${poems.length} poems are regular quatrains (${(100 * score).toFixed(0)} %: ` +
    'four lines of 5 or of 7 characters, closed by ，。，。)'
  );
}

/** Samples `count` poems and their form score. */
export function writePoems(model: LanguageModel, count: number, options: PoemOptions): WrittenPoems {
  const poems = samplePoems(model, count, options);
  return { poems, formScore: formScore(poems) };
}

/** The poem options of the flags `--start`, `--acrostic`, `--temperature`, `--top-p`, `--seed`. */
export function poemOptionsOf(flags: {
  start?: string;
  acrostic?: string;
  temperature: number;
  topP?: number;
  seed?: number;
}): PoemOptions {
  return {
    temperature: flags.temperature,
    ...(flags.topP !== undefined ? { topP: flags.topP } : {}),
    ...(flags.start !== undefined ? { start: flags.start } : {}),
    ...(flags.acrostic !== undefined ? { acrostic: flags.acrostic } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
  };
}

interface PoemFlags extends BackendFlags {
  model: string;
  start?: string;
  acrostic?: string;
  count: number;
  temperature: number;
  topP: number;
  seed?: number;
  json?: boolean;
}

export function registerPoem(program: Command): void {
  const command = program
    .command('poem')
    .description('write poems with a character model trained on poems one per line (rnnkit demo --corpus tang)')
    .requiredOption('--model <file>', 'model file (.safetensors)')
    .option('--start <text>', 'the first character or the first line of each poem')
    .option('--acrostic <characters>', 'an acrostic (藏头诗): each line begins with the next of these characters')
    .option('--count <n>', 'poems to write', integer(1), 5)
    .option('--temperature <x>', 'below 1: safer, above 1: wilder; 0: always the likeliest character', number(0), 0.8)
    .option('--top-p <p>', 'draw only from the likeliest characters that make up probability p', number(0, 1, true), 1)
    .option('--seed <n>', 'seed of the draws (default: varies)', integer(0))
    .option('--json', 'print one JSON object: { poems, formScore }')
    .addHelpText(
      'after',
      '\nExamples:\n  $ rnnkit poem --model tang-poems.safetensors --acrostic 春夏秋冬' +
        '\n  $ rnnkit poem --model tang-poems.safetensors --start 白日依山尽 --count 3 --seed 7',
    );
  withBackendOptions(command).action(async (flags: PoemFlags) => {
    await useBackend(flags);
    const model = (await loadModel(flags.model, { type: 'language-model' })).eval();
    const seed = flags.seed ?? Math.floor(Math.random() * 2 ** 31);
    const written = writePoems(model, flags.count, poemOptionsOf({ ...flags, seed }));
    if (flags.json) {
      printJson(written);
      return;
    }
    for (const poem of written.poems) process.stdout.write(`${poem}\n`);
    process.stdout.write(`${formLine(written)}\n`);
  });
}
