/**
 * `rnnkit predict`: predictions of a classifier, tagger, forecaster, CTC or seq2seq model on new
 * input — a file, `--text`, or stdin — one per line, or one JSON object with `--json`.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { loadModel } from '../io/model-file.js';
import { modelTypeOf } from '../io/model-types.js';
import { type BackendFlags, integer, printJson, readText, useBackend, withBackendOptions } from './common.js';
import { TASKS, taskFor } from './tasks/index.js';
import type { TaskFlags } from './tasks/task.js';

interface PredictFlags extends BackendFlags, TaskFlags {
  model: string;
  input?: string;
  text?: string;
  json?: boolean;
}

export function registerPredict(program: Command): void {
  const command = program
    .command('predict')
    .description('predict with a classifier, tagger, forecaster, CTC or seq2seq model (one prediction per input line)')
    .requiredOption('--model <file>', 'model file (.safetensors)')
    .option(
      '--input <file>',
      'the input (default: --text, else stdin): classifier, a text per line; tagger, a sentence of ' +
        'white-space-separated tokens per line; forecaster, a CSV or TSV series; CTC model, JSON Lines {"input": frames}; ' +
        'seq2seq model, a source per line',
    )
    .option('--text <text>', 'the input itself, instead of a file')
    .option('--column <name>', 'forecaster: the column of the series (default: the only column)')
    .option('--beam <n>', 'seq2seq model: beam width (1: greedy)', integer(1), 1)
    .option('--json', 'print one JSON object: { modelType, predictions: [{ line, input?, prediction }] }')
    .addHelpText(
      'after',
      '\nExamples:\n  $ rnnkit predict --model sentiment.safetensors --text "What a fine film"\n' +
        '  $ rnnkit predict --model ner.safetensors --input sentences.txt --json',
    );
  withBackendOptions(command).action(async (flags: PredictFlags) => {
    if (flags.input !== undefined && flags.text !== undefined) throw new UsageError('give the input with --input or --text, not both');
    await useBackend(flags);
    const model = await loadModel(flags.model);
    const type = modelTypeOf(model);
    const task = taskFor(type);
    if (task === undefined) {
      throw new UsageError(
        `predict handles ${TASKS.map((t) => t.modelType).join(', ')} models; ${flags.model} holds a ${type}` +
          (type === 'language-model' ? ' (generate text with rnnkit sample)' : ''),
      );
    }
    const [text, source] =
      flags.text !== undefined
        ? [flags.text, '--text']
        : flags.input !== undefined
          ? [await readText(flags.input), flags.input]
          : [await readStdin(), 'stdin'];
    const predictions = await task.predict(model, text, source, flags);
    if (flags.json)
      printJson({
        modelType: type,
        predictions: predictions.map((p) => ({
          line: p.line,
          ...(p.input === undefined ? {} : { input: p.input }),
          prediction: p.prediction,
        })),
      });
    else for (const p of predictions) process.stdout.write(`${p.text}\n`);
  });
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError('give the input with --input FILE or --text TEXT, or pipe it in');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}
