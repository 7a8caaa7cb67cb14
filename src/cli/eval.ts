/** `rnnkit eval`: bits per character and perplexity of a language model on a text file. */
import type { Command } from 'commander';
import { loadModel } from '../io/model-file.js';
import { type BackendFlags, integer, printJson, useBackend, withBackendOptions } from './common.js';
import { readText } from './train-lm.js';

interface EvalFlags extends BackendFlags {
  model: string;
  data: string;
  batch: number;
  seqLen: number;
  json?: boolean;
}

export function registerEval(program: Command): void {
  const command = program.command('eval')
    .description("measure a language model's bits per character and perplexity on a text")
    .requiredOption('--model <file>', 'model file (.safetensors)')
    .requiredOption('--data <file>', 'UTF-8 text to evaluate on')
    .option('--batch <n>', 'parallel streams', integer(1), 32)
    .option('--seq-len <n>', 'time steps per window (the state carries across windows)', integer(1), 64)
    .option('--json', 'print one JSON object: { bitsPerChar, perplexity, tokens, loss }')
    .addHelpText('after', '\nExample:\n  $ rnnkit eval --model moby.safetensors --data data/moby-dick.txt --json');
  withBackendOptions(command).action(async (flags: EvalFlags) => {
    await useBackend(flags);
    const model = await loadModel(flags.model, { type: 'language-model' });
    const text = await readText(flags.data);
    const r = model.eval().evaluate(text, { batch: flags.batch, steps: flags.seqLen });
    if (flags.json) printJson({ bitsPerChar: r.bitsPerChar, perplexity: r.perplexity, tokens: r.tokens, loss: r.loss });
    else {
      process.stdout.write(`${r.bitsPerChar.toFixed(4)} bits/char, perplexity ${r.perplexity.toFixed(3)}, ` +
        `loss ${r.loss.toFixed(4)} nats/token over ${r.tokens.toLocaleString('en-US')} tokens\n`);
    }
  });
}
