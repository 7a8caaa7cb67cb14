/**
 * `rnnkit info --model FILE`: what a model file (or checkpoint) holds — its type, format
 * version, settings, vocabularies and number of parameters — checked by loading it.
 */
import type { Tokenizer } from '../data/tokenizers/tokenizer.js';
import { readFileBytes } from '../io/atomic-file.js';
import { loadModel, type ModelType } from '../io/model-file.js';
import { modelTypeOf } from '../io/model-types.js';
import { readSafetensors, safetensorsMetadata } from '../io/safetensors.js';
import { LanguageModel } from '../models/language-model/language-model.js';

/** A tokenizer's kind and size. */
interface TokenizerReport {
  kind: 'char' | 'word';
  vocabSize: number;
}

/** The description of a model file. */
export interface ModelFileReport {
  file: string;
  modelType: ModelType;
  formatVersion: number;
  settings: object;
  /** Trainable numbers. */
  parameters: number;
  tokenizer: TokenizerReport | null;
  /** A seq2seq model's target tokenizer. */
  outputTokenizer: TokenizerReport | null;
  /** Size of a tagger's token list. */
  tokens: number | null;
  /** Names of the outputs (classes, tags, CTC labels). */
  labels: readonly string[] | null;
  /** The training step of a checkpoint. */
  checkpointStep: number | null;
}

/** Reads and checks the model file at `path`. @throws FormatError or RnnkitError as loadModel does. */
export async function describeModelFile(path: string): Promise<ModelFileReport> {
  const model = await loadModel(path);
  const meta = safetensorsMetadata(readSafetensors(await readFileBytes(path)));
  const vocabularies = model instanceof LanguageModel ? { tokenizer: model.tokenizer } : model.vocabularies;
  const checkpoint = meta.checkpoint === undefined ? undefined : (JSON.parse(meta.checkpoint) as { step?: unknown });
  return {
    file: path,
    modelType: modelTypeOf(model),
    formatVersion: Number(meta.format_version),
    settings: model.settings,
    parameters: (await model.parameters()).reduce((n, p) => n + p.value.length, 0),
    tokenizer: reportOf(vocabularies.tokenizer),
    outputTokenizer: reportOf('outputTokenizer' in vocabularies ? vocabularies.outputTokenizer : undefined),
    tokens: 'tokens' in vocabularies && vocabularies.tokens ? vocabularies.tokens.length : null,
    labels: 'labels' in vocabularies && vocabularies.labels ? vocabularies.labels : null,
    checkpointStep: typeof checkpoint?.step === 'number' ? checkpoint.step : null,
  };
}

/** The report as lines for people. */
export function printModelReport(r: ModelFileReport): void {
  const shown = 20;
  const lines = [
    `${r.file}: ${r.modelType} (model file format ${r.formatVersion})` +
      (r.checkpointStep === null ? '' : `, a checkpoint at step ${r.checkpointStep}`),
    `settings: ${Object.entries(r.settings)
      .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
      .join(', ')}`,
    `parameters: ${r.parameters.toLocaleString('en-US')}`,
    ...(r.tokenizer ? [`tokenizer: ${r.tokenizer.kind}, ${r.tokenizer.vocabSize.toLocaleString('en-US')} ids`] : []),
    ...(r.outputTokenizer
      ? [`output tokenizer: ${r.outputTokenizer.kind}, ${r.outputTokenizer.vocabSize.toLocaleString('en-US')} ids`]
      : []),
    ...(r.tokens !== null ? [`tokens: ${r.tokens.toLocaleString('en-US')} (id 0 for unknown ones)`] : []),
    ...(r.labels
      ? [
          `labels (${r.labels.length}): ${r.labels
            .slice(0, shown)
            .map((l) => JSON.stringify(l))
            .join(' ')}` + `${r.labels.length > shown ? ' …' : ''}`,
        ]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function reportOf(tokenizer: Tokenizer | undefined): TokenizerReport | null {
  return tokenizer === undefined ? null : { kind: tokenizer.kind, vocabSize: tokenizer.vocabSize };
}
