#!/usr/bin/env node
/**
 * The `rnnkit` command. Errors follow one convention: one line on stderr starting
 * `rnnkit: error:`, exit code 2 for usage errors and 1 for anything else, and a
 * stack trace only with `--debug`.
 */
import { Command, CommanderError } from 'commander';
import { UsageError } from '../errors.js';
import { registerDemo } from './demo.js';
import { registerEval } from './eval.js';
import { registerExport } from './export.js';
import { registerImport } from './import.js';
import { registerInfo } from './info.js';
import { registerPlayground } from './playground.js';
import { registerPoem } from './poem.js';
import { registerPredict } from './predict.js';
import { registerSample } from './sample.js';
import { TASKS } from './tasks/index.js';
import { registerTrainLm } from './train-lm.js';

const program = new Command('rnnkit')
  .description('Recurrent neural networks: train, sample, evaluate and export RNN, LSTM and GRU models.')
  .option('--debug', 'print stack traces of errors')
  .exitOverride()
  .configureOutput({ outputError: () => {} });

const trainCommand = program
  .command('train')
  .description(`train a model: lm, ${TASKS.map((t) => t.name).join(', ')} (see: rnnkit train lm --help)`);
registerTrainLm(trainCommand);
for (const task of TASKS) task.register(trainCommand);
registerEval(program);
registerSample(program);
registerPoem(program);
registerPredict(program);
registerExport(program);
registerImport(program);
registerDemo(program);
registerInfo(program);
registerPlayground(program);

function fail(error: unknown): never {
  const debug = process.argv.includes('--debug');
  if (error instanceof CommanderError) {
    // Help and version requests end through here with exit code 0.
    if (error.exitCode === 0) process.exit(0);
    process.stderr.write(`rnnkit: error: ${error.message.replace(/^error: /, '')} (see rnnkit --help)\n`);
    process.exit(2);
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`rnnkit: error: ${message}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  fail(error);
}
