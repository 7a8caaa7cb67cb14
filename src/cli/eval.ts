/**
 * `rnnkit eval`: a model's quality on a labelled data file — a language model's bits per
 * character and perplexity on a text, a classifier's accuracy, a tagger's token accuracy
 * and entity F1, a forecaster's mean absolute error, a CTC model's character error rate —
 * read in the format its `train` command reads.
 */
import type { Command } from 'commander';
import { FormatError, NonFiniteError, UsageError } from '../errors.js';
import { loadModel } from '../io/model-file.js';
import { modelTypeOf } from '../io/model-types.js';
import { type Evaluation, LanguageModel } from '../models/language-model/language-model.js';
import { type BackendFlags, integer, printJson, readText, useBackend, withBackendOptions } from './common.js';
import { TASKS, taskFor } from './tasks/index.js';
import type { TaskFlags } from './tasks/task.js';

interface EvalFlags extends BackendFlags, TaskFlags {
  model: string;
  data: string;
  batch: number;
  seqLen: number;
  json?: boolean;
}

export function registerEval(program: Command): void {
  const command = program
    .command('eval')
    .description("measure a model's quality on a data file in the format its train command reads")
    .requiredOption('--model <file>', 'model file (.safetensors)')
    .requiredOption(
      '--data <file>',
      'labelled data: UTF-8 text (language model), CSV/TSV (classifier, forecaster), ' + 'CoNLL (tagger) or JSON Lines (CTC model)',
    )
    .option('--batch <n>', 'language model: parallel streams', integer(1), 32)
    .option('--seq-len <n>', 'language model: time steps per window (the state carries across windows)', integer(1), 64)
    .option('--column <name>', 'forecaster: the column of the series (default: the only column)')
    .option(
      '--json',
      "print one JSON object: a language model's { bitsPerChar, perplexity, tokens, loss }, or the model type and its metrics",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ rnnkit eval --model moby.safetensors --data data/moby-dick.txt --json\n' +
        '  $ rnnkit eval --model ner.safetensors --data test.conll',
    );
  withBackendOptions(command).action(async (flags: EvalFlags) => {
    await useBackend(flags);
    const model = await loadModel(flags.model);
    if (model instanceof LanguageModel) {
      const text = await readText(flags.data);
      if (model.tokenizer.encode(text).length < 2)
        throw new FormatError(`${flags.data}: need at least 2 tokens to evaluate a language model`);
      const r = finiteEvaluation(model.eval().evaluate(text, { batch: flags.batch, steps: flags.seqLen }), flags.data);
      if (flags.json) printJson({ bitsPerChar: r.bitsPerChar, perplexity: r.perplexity, tokens: r.tokens, loss: r.loss });
      else {
        process.stdout.write(
          `${r.bitsPerChar.toFixed(4)} bits/char, perplexity ${r.perplexity.toFixed(3)}, ` +
            `loss ${r.loss.toFixed(4)} nats/token over ${r.tokens.toLocaleString('en-US')} tokens\n`,
        );
      }
      return;
    }
    const type = modelTypeOf(model);
    const task = taskFor(type);
    if (task === undefined) {
      throw new UsageError(
        `eval handles language-model, ${TASKS.map((t) => t.modelType).join(', ')} models; ${flags.model} holds a ${type}`,
      );
    }
    const quality = await task.evaluate(model, flags.data, flags);
    if (flags.json) printJson({ modelType: type, ...quality.metrics });
    else process.stdout.write(`${quality.text}\n`);
  });
}

/**
 * `evaluation` when every figure is a finite number (JSON has no infinity: it would print null).
 * @throws NonFiniteError naming `source` when the loss is not finite or e^loss overflows.
 */
export function finiteEvaluation(evaluation: Evaluation, source: string): Evaluation {
  const { loss, bitsPerChar, perplexity } = evaluation;
  if (!Number.isFinite(loss) || !Number.isFinite(bitsPerChar)) {
    throw new NonFiniteError(
      `${source}: the model's loss is ${loss} (it gives some token probability 0); no bits per character or perplexity`,
    );
  }
  if (!Number.isFinite(perplexity)) {
    throw new NonFiniteError(
      `${source}: the perplexity e^${loss.toFixed(2)} overflows a double (loss ${loss.toFixed(4)} nats per token, ` +
        `${bitsPerChar.toFixed(4)} bits per character)`,
    );
  }
  return evaluation;
}
