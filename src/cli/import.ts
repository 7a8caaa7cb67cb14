/**
 * `rnnkit import`: a model trained elsewhere into an rnnkit model file — a PyTorch char-LM
 * state dict (`--from pytorch`), or a TensorFlow.js / Keras LayersModel (`--from tfjs
 * model.json`, its weight shards read from beside it) as a language model, tagger or classifier.
 */
import { dirname, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { CharTokenizer } from '../data/tokenizers/char.js';
import { UsageError } from '../errors.js';
import { readFileBytes } from '../io/atomic-file.js';
import { saveModel } from '../io/model-file.js';
import { modelTypeOf } from '../io/model-types.js';
import { readSafetensors } from '../io/safetensors.js';
import { importTfjsLayersModel, type TfjsImportedModel, type TfjsImportKind } from '../io/tfjs/import.js';
import { readModelJson } from '../io/tfjs/topology.js';
import { importPyTorchLanguageModel, type PyTorchModuleNames } from '../io/torch.js';
import { LanguageModel } from '../models/language-model/language-model.js';
import type { Vocabularies } from '../models/sequence-model.js';
import { type BackendFlags, printJson, readText, useBackend, withBackendOptions } from './common.js';

interface ImportFlags extends BackendFlags {
  from: 'pytorch' | 'tfjs';
  weights?: string;
  vocab?: string;
  vocabFrom?: string;
  as?: TfjsImportKind;
  tokens?: string;
  labels?: string;
  out: string;
  embedding?: string;
  rnn?: string;
  decoder?: string;
  json?: boolean;
}

export function registerImport(program: Command): void {
  const command = program
    .command('import')
    .description(
      'import a PyTorch character language model (Embedding → LSTM/GRU/RNN → Linear, saved with safetensors) or a ' +
        'TensorFlow.js / Keras LayersModel (Embedding → SimpleRNN/LSTM/GRU, optionally Bidirectional → Dense)',
    )
    .argument('[model]', 'tfjs: the model.json (its weight files are read from beside it); pytorch: the state dict, as --weights')
    .addOption(new Option('--from <framework>', 'where the model comes from').choices(['pytorch', 'tfjs']).makeOptionMandatory())
    .option('--weights <file>', 'pytorch: the state dict, from safetensors.torch.save_file(model.state_dict(), file)')
    .option('--vocab <file>', "a language model's characters in id order, as a JSON array")
    .option('--vocab-from <text>', 'a text whose sorted distinct characters are the vocabulary (sorted(set(text)))')
    .addOption(
      new Option(
        '--as <kind>',
        'tfjs: the model to build (default: a classifier when the last recurrent layer returns ' +
          'one vector, a language model with --vocab or --vocab-from, else a tagger)',
      ).choices(['language-model', 'sequence-tagger', 'sequence-classifier']),
    )
    .option('--tokens <file>', "tfjs: a tagger's input words in id order, as a JSON array (id 0 stands for unknown words)")
    .option('--labels <file>', "tfjs: the names of a tagger's tags or a classifier's classes in id order, as a JSON array")
    .requiredOption('--out <model>', 'where to save the rnnkit model (.safetensors)')
    .option('--embedding <name>', 'pytorch: name of the nn.Embedding module (default: found by shape)')
    .option('--rnn <name>', 'pytorch: name of the nn.LSTM / nn.GRU / nn.RNN module (default: found by shape)')
    .option('--decoder <name>', 'pytorch: name of the nn.Linear module (default: found by shape)')
    .option('--json', "print one JSON object with the imported model's type and settings")
    .addHelpText(
      'after',
      '\nExamples:\n  $ rnnkit import --from pytorch --weights charlm.safetensors --vocab vocab.json --out charlm.rnnkit.safetensors' +
        '\n  $ rnnkit import --from tfjs web_model/model.json --labels labels.json --out sentiment.safetensors',
    );
  withBackendOptions(command).action(async (file: string | undefined, flags: ImportFlags) => {
    await useBackend(flags);
    const model = flags.from === 'tfjs' ? await importTfjs(file, flags) : await importPyTorch(file, flags);
    await saveModel(model, flags.out);
    const vocabSize = model instanceof LanguageModel ? model.tokenizer.vocabSize : model.embedding.numEmbeddings;
    if (flags.json) {
      printJson({ model: flags.out, modelType: modelTypeOf(model), ...model.settings, vocabSize });
      return;
    }
    const s = model.settings;
    process.stdout.write(
      `imported a ${modelTypeOf(model)} with ${s.numLayers} ${s.cell.toUpperCase()} layer${s.numLayers > 1 ? 's' : ''}` +
        `${s.resetAfter === false ? ' (reset gate before the product)' : ''} (hidden ${s.hiddenSize}, embedding ${s.embeddingDim}, ` +
        `${vocabSize} token ids) to ${flags.out}\n`,
    );
  });
}

async function importPyTorch(file: string | undefined, flags: ImportFlags): Promise<LanguageModel> {
  for (const tfjsOnly of ['as', 'tokens', 'labels'] as const) {
    if (flags[tfjsOnly] !== undefined) throw new UsageError(`--${tfjsOnly} is for --from tfjs`);
  }
  if ((file === undefined) === (flags.weights === undefined))
    throw new UsageError('give the state dict once: --weights <file> or the file itself');
  const vocabulary = await readVocabulary(flags);
  if (vocabulary === undefined) throw new UsageError('give the vocabulary with exactly one of --vocab <json> and --vocab-from <text>');
  const names: Partial<PyTorchModuleNames> = {};
  if (flags.embedding !== undefined) names.embedding = flags.embedding;
  if (flags.rnn !== undefined) names.rnn = flags.rnn;
  if (flags.decoder !== undefined) names.decoder = flags.decoder;
  const dict = readSafetensors(await readFileBytes((flags.weights ?? file)!));
  return importPyTorchLanguageModel(dict, { vocabulary, names });
}

async function importTfjs(file: string | undefined, flags: ImportFlags): Promise<TfjsImportedModel> {
  if (file === undefined) throw new UsageError('--from tfjs needs the model.json: rnnkit import --from tfjs <model.json> --out <model>');
  for (const pytorchOnly of ['weights', 'embedding', 'rnn', 'decoder'] as const) {
    if (flags[pytorchOnly] !== undefined)
      throw new UsageError(`--${pytorchOnly} is for --from pytorch (tfjs reads the weight files its model.json names)`);
  }
  const json = await readText(file);
  // The weight shards, in the manifest's order, from beside the model.json.
  const shards = await Promise.all(readModelJson(json).paths.map((path) => readFileBytes(resolve(dirname(file), path))));
  const vocabulary = await readVocabulary(flags);
  const vocabularies: Vocabularies = {};
  if (flags.tokens !== undefined) vocabularies.tokens = await readStringArray(flags.tokens, 'words');
  if (flags.labels !== undefined) vocabularies.labels = await readStringArray(flags.labels, 'names');
  return importTfjsLayersModel(json, shards, {
    ...(flags.as ? { as: flags.as } : {}),
    ...(vocabulary ? { vocabulary } : {}),
    vocabularies,
  });
}

/** The characters of --vocab or --vocab-from; undefined when neither is given. @throws UsageError when both are. */
async function readVocabulary(flags: ImportFlags): Promise<string[] | undefined> {
  if (flags.vocab !== undefined && flags.vocabFrom !== undefined) {
    throw new UsageError('give the vocabulary with exactly one of --vocab <json> and --vocab-from <text>');
  }
  if (flags.vocabFrom !== undefined) return CharTokenizer.fromText(await readText(flags.vocabFrom)).symbols.slice(1);
  return flags.vocab === undefined ? undefined : readStringArray(flags.vocab, 'characters in id order');
}

/** A JSON array of strings from a file. @throws UsageError naming the file when it is not one. */
async function readStringArray(path: string, what: string): Promise<string[]> {
  const text = await readText(path);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`${path} is not JSON (expected an array of ${what})`);
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new UsageError(`${path} must hold a JSON array of strings (the ${what})`);
  }
  return value;
}
