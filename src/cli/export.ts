/**
 * `rnnkit export`: writes a model file as ONNX, for ONNX Runtime and other engines. A
 * generator or seq2seq model becomes two files, its encoder and its one-step decoder.
 */
import { type Command, Option } from 'commander';
import { writeFileAtomic } from '../io/atomic-file.js';
import { loadModel } from '../io/model-file.js';
import { exportOnnx, exportOnnxParts } from '../io/onnx/export.js';
import { SequenceGenerator } from '../models/sequence-generator.js';
import { Seq2Seq } from '../models/seq2seq/seq2seq.js';
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

/** Where the encoder and decoder graphs of `out` go: `x.onnx` → `x.encoder.onnx`, `x.decoder.onnx`. */
function partPaths(out: string): { encoder: string; decoder: string } {
  const base = out.endsWith('.onnx') ? out.slice(0, -'.onnx'.length) : out;
  return { encoder: `${base}.encoder.onnx`, decoder: `${base}.decoder.onnx` };
}

export function registerExport(program: Command): void {
  const command = program
    .command('export')
    .description(
      'export a model file to ONNX: language models, taggers, classifiers, regressors and CTC models as one graph; ' +
        'generators and seq2seq models as an encoder graph and a one-step decoder graph (OUT.encoder.onnx, OUT.decoder.onnx)',
    )
    .requiredOption('--model <file>', 'model file (.safetensors)')
    .addOption(new Option('--format <format>', 'output format').choices(['onnx']).makeOptionMandatory())
    .requiredOption('--out <file>', 'where to write the exported model (two-graph models: the stem of both files)')
    .option('--opset <n>', 'ONNX operator set version (14–17)', integer(14), 17)
    .option('--initial-states', 'language models: add inputs h0 (and c0) for the initial recurrent states')
    .option('--lengths', 'taggers, classifiers, regressors and CTC models: add the input lengths (int32 [B]) for padded batches')
    .option('--json', 'print one JSON object: { out, bytes, opset } (two-graph models: { encoder, decoder, bytes, opset })')
    .addHelpText(
      'after',
      '\nExamples:\n  $ rnnkit export --model moby.safetensors --format onnx --out moby.onnx' +
        '\n  $ rnnkit export --model g2p.safetensors --format onnx --out g2p.onnx   # g2p.encoder.onnx, g2p.decoder.onnx',
    );
  withBackendOptions(command).action(async (flags: ExportFlags) => {
    await useBackend(flags);
    const model = await loadModel(flags.model);
    if (model instanceof SequenceGenerator || model instanceof Seq2Seq) {
      const parts = exportOnnxParts(model, { opset: flags.opset });
      const paths = partPaths(flags.out);
      await writeFileAtomic(paths.encoder, parts.encoder);
      await writeFileAtomic(paths.decoder, parts.decoder);
      const bytes = parts.encoder.length + parts.decoder.length;
      if (flags.json) printJson({ ...paths, bytes, opset: flags.opset });
      else
        process.stdout.write(
          `wrote ${paths.encoder} and ${paths.decoder} (${bytes.toLocaleString('en-US')} bytes, ONNX opset ${flags.opset})\n`,
        );
      return;
    }
    const bytes = exportOnnx(model, { opset: flags.opset, initialStates: flags.initialStates === true, lengths: flags.lengths === true });
    await writeFileAtomic(flags.out, bytes);
    if (flags.json) printJson({ out: flags.out, bytes: bytes.length, opset: flags.opset });
    else process.stdout.write(`wrote ${flags.out} (${bytes.length.toLocaleString('en-US')} bytes, ONNX opset ${flags.opset})\n`);
  });
}
