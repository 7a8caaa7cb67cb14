/** `rnnkit export`: writes a model file as ONNX, for ONNX Runtime and other engines. */
import { type Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { loadModel } from '../io/model-file.js';
import { modelTypeOf } from '../io/model-types.js';
import { exportOnnx } from '../io/onnx/export.js';
import { LanguageModel } from '../models/language-model/language-model.js';
import { SequenceClassifier } from '../models/sequence-classifier.js';
import { SequenceTagger } from '../models/sequence-tagger.js';
import { type BackendFlags, integer, printJson, useBackend, withBackendOptions } from './common.js';

interface ExportFlags extends BackendFlags {
  model: string;
  format: 'onnx';
  out: string;
  opset: number;
  initialStates?: boolean;
  lengths?: boolean;
  json?: boolean;
}

export function registerExport(program: Command): void {
  const command = program.command('export')
    .description('export a language model, sequence tagger or sequence classifier to ONNX ' +
      '(input: token ids [T, B]; outputs: logits and probabilities, and a language model\'s h, c)')
    .requiredOption('--model <file>', 'model file (.safetensors)')
    .addOption(new Option('--format <format>', 'output format').choices(['onnx']).makeOptionMandatory())
    .requiredOption('--out <file>', 'where to write the exported model')
    .option('--opset <n>', 'ONNX operator set version (14–17)', integer(14), 17)
    .option('--initial-states', 'language models: add inputs h0 (and c0) for the initial recurrent states')
    .option('--lengths', 'taggers and classifiers: add the input lengths (int32 [B]) for padded batches')
    .option('--json', 'print one JSON object: { out, bytes, opset }')
    .addHelpText('after', '\nExample:\n  $ rnnkit export --model moby.safetensors --format onnx --out moby.onnx');
  withBackendOptions(command).action(async (flags: ExportFlags) => {
    await useBackend(flags);
    const model = await loadModel(flags.model);
    if (!(model instanceof LanguageModel || model instanceof SequenceTagger || model instanceof SequenceClassifier)) {
      throw new UsageError(`ONNX export supports language models, sequence taggers and sequence classifiers; ${flags.model} holds a ${modelTypeOf(model)}`);
    }
    const bytes = exportOnnx(model, { opset: flags.opset, initialStates: flags.initialStates === true, lengths: flags.lengths === true });
    await writeFileAtomic(flags.out, bytes);
    if (flags.json) printJson({ out: flags.out, bytes: bytes.length, opset: flags.opset });
    else process.stdout.write(`wrote ${flags.out} (${bytes.length.toLocaleString('en-US')} bytes, ONNX opset ${flags.opset})\n`);
  });
}
