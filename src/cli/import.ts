/** `rnnkit import --from pytorch`: turns a PyTorch char-LM state dict into an rnnkit model file. */
import { type Command, Option } from 'commander';
import { CharTokenizer } from '../data/tokenizers/char.js';
import { UsageError } from '../errors.js';
import { readFileBytes } from '../io/atomic-file.js';
import { saveModel } from '../io/model-file.js';
import { readSafetensors } from '../io/safetensors.js';
import { importPyTorchLanguageModel, type PyTorchModuleNames } from '../io/torch.js';
import { type BackendFlags, printJson, readText, useBackend, withBackendOptions } from './common.js';

interface ImportFlags extends BackendFlags {
  from: 'pytorch';
  weights: string;
  vocab?: string;
  vocabFrom?: string;
  out: string;
  embedding?: string;
  rnn?: string;
  decoder?: string;
  json?: boolean;
}

export function registerImport(program: Command): void {
  const command = program.command('import')
    .description('import a PyTorch character language model (Embedding → LSTM/GRU/RNN → Linear) saved with safetensors')
    .addOption(new Option('--from <framework>', 'where the weights come from').choices(['pytorch']).makeOptionMandatory())
    .requiredOption('--weights <file>', 'the state dict, from safetensors.torch.save_file(model.state_dict(), file)')
    .option('--vocab <file>', "JSON array of the model's characters in id order")
    .option('--vocab-from <text>', 'a text whose sorted distinct characters are the vocabulary (sorted(set(text)))')
    .requiredOption('--out <model>', 'where to save the rnnkit model (.safetensors)')
    .option('--embedding <name>', 'name of the nn.Embedding module (default: found by shape)')
    .option('--rnn <name>', 'name of the nn.LSTM / nn.GRU / nn.RNN module (default: found by shape)')
    .option('--decoder <name>', 'name of the nn.Linear module (default: found by shape)')
    .option('--json', 'print one JSON object with the imported settings')
    .addHelpText('after', '\nExample:\n  $ rnnkit import --from pytorch --weights charlm.safetensors --vocab vocab.json --out charlm.rnnkit.safetensors');
  withBackendOptions(command).action(async (flags: ImportFlags) => {
    await useBackend(flags);
    const vocabulary = await readVocabulary(flags);
    const names: Partial<PyTorchModuleNames> = {};
    if (flags.embedding !== undefined) names.embedding = flags.embedding;
    if (flags.rnn !== undefined) names.rnn = flags.rnn;
    if (flags.decoder !== undefined) names.decoder = flags.decoder;
    const dict = readSafetensors(await readFileBytes(flags.weights));
    const model = await importPyTorchLanguageModel(dict, { vocabulary, names });
    await saveModel(model, flags.out);
    if (flags.json) printJson({ model: flags.out, ...model.settings, vocabSize: model.tokenizer.vocabSize });
    else {
      const s = model.settings;
      process.stdout.write(`imported a ${s.numLayers}-layer ${s.cell.toUpperCase()} language model (hidden ${s.hiddenSize}, ` +
        `embedding ${s.embeddingDim}, ${vocabulary.length} characters) to ${flags.out}\n`);
    }
  });
}

async function readVocabulary(flags: ImportFlags): Promise<string[]> {
  if ((flags.vocab === undefined) === (flags.vocabFrom === undefined)) {
    throw new UsageError('give the vocabulary with exactly one of --vocab <json> and --vocab-from <text>');
  }
  if (flags.vocabFrom !== undefined) return CharTokenizer.fromText(await readText(flags.vocabFrom)).symbols.slice(1);
  const text = await readText(flags.vocab!);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`${flags.vocab} is not JSON (expected an array of characters)`);
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new UsageError(`${flags.vocab} must hold a JSON array of strings (the characters in id order)`);
  }
  return value;
}
