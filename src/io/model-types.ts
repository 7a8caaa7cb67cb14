/**
 * The kinds of model a model file holds. For each `model_type`: how a model's settings
 * (`config`) and vocabularies become metadata, and how a model is rebuilt from them with
 * fresh weights (model-file.ts then loads its tensors). A new model type is one entry in
 * {@link ModelTypes} and one in {@link CODECS}.
 *
 * Metadata of the sequence models besides `config`: `tokenizer` and `output_tokenizer`
 * (a tokenizer's JSON), `tokens` and `labels` (JSON arrays of strings), each present when
 * the model carries it (see `Vocabularies`).
 */
import type { Backend } from '../backend/backend.js';
import { tokenizerFromJSON } from '../data/tokenizers/from-json.js';
import { FormatError, UsageError } from '../errors.js';
import { CTCModel, type CTCModelOptions } from '../models/ctc-model.js';
import { LanguageModel, resolveSettings } from '../models/language-model/language-model.js';
import { SequenceClassifier, type SequenceClassifierOptions } from '../models/sequence-classifier.js';
import { SequenceGenerator, type SequenceGeneratorOptions } from '../models/sequence-generator.js';
import { Seq2Seq, type Seq2SeqOptions } from '../models/seq2seq/seq2seq.js';
import type { Vocabularies } from '../models/sequence-model.js';
import { SequenceRegressor, type SequenceRegressorOptions } from '../models/sequence-regressor.js';
import { SequenceTagger, type SequenceTaggerOptions } from '../models/sequence-tagger.js';

/** The model classes by their `model_type` in model files. */
export interface ModelTypes {
  'language-model': LanguageModel;
  'sequence-tagger': SequenceTagger;
  'sequence-classifier': SequenceClassifier;
  'sequence-regressor': SequenceRegressor;
  'ctc-model': CTCModel;
  'sequence-generator': SequenceGenerator;
  seq2seq: Seq2Seq;
}

/** A `model_type`. */
export type ModelType = keyof ModelTypes;

/** Any model a model file holds. */
export type Model = ModelTypes[ModelType];

/** A file's metadata entries. */
type Metadata = Record<string, string>;

/** How one model type is saved and rebuilt. */
interface ModelCodec<M extends Model> {
  /** Whether `model` is of this type. */
  holds(model: Model): model is M;
  /** The metadata entries of `model` besides format, version and type: `config` and what it needs to predict. */
  metadata(model: M): Metadata;
  /**
   * A model of this type with fresh weights, from its `config` and the file's metadata.
   * @throws FormatError on malformed metadata, UsageError (or ShapeError) on settings the model rejects.
   */
  rebuild(config: Record<string, unknown>, metadata: Metadata, backend: Backend | undefined): Promise<M> | M;
}

/** The codec of each model type. */
const CODECS: { [T in ModelType]: ModelCodec<ModelTypes[T]> } = {
  'language-model': {
    holds: (m): m is LanguageModel => m instanceof LanguageModel,
    metadata: (m) => ({ config: JSON.stringify(m.settings), tokenizer: JSON.stringify(m.tokenizer.toJSON()) }),
    rebuild: (config, metadata, backend) =>
      LanguageModel.create({
        tokenizer: tokenizerFromJSON(metadataJson(metadata, 'tokenizer')),
        ...resolveSettings(config),
        ...(backend ? { backend } : {}),
      }),
  },
  'sequence-tagger': composed(
    (m): m is SequenceTagger => m instanceof SequenceTagger,
    (o: SequenceTaggerOptions) => SequenceTagger.create(o),
  ),
  'sequence-classifier': composed(
    (m): m is SequenceClassifier => m instanceof SequenceClassifier,
    (o: SequenceClassifierOptions) => SequenceClassifier.create(o),
  ),
  'sequence-regressor': composed(
    (m): m is SequenceRegressor => m instanceof SequenceRegressor,
    (o: SequenceRegressorOptions) => SequenceRegressor.create(o),
  ),
  'ctc-model': composed(
    (m): m is CTCModel => m instanceof CTCModel,
    (o: CTCModelOptions) => CTCModel.create(o),
  ),
  'sequence-generator': composed(
    (m): m is SequenceGenerator => m instanceof SequenceGenerator,
    (o: SequenceGeneratorOptions) => SequenceGenerator.create(o),
  ),
  seq2seq: composed(
    (m): m is Seq2Seq => m instanceof Seq2Seq,
    (o: Seq2SeqOptions) => Seq2Seq.create(o),
  ),
};

/** Every model type, in {@link ModelTypes} order. */
export const MODEL_TYPES = Object.keys(CODECS) as ModelType[];

/** The codec of a sequence model: `config` is its settings; its vocabularies are `tokenizer`, `tokens` and `labels`. */
function composed<M extends Model & { vocabularies: Readonly<Vocabularies> }, O>(
  holds: (model: Model) => model is M,
  create: (options: O) => M | Promise<M>,
): ModelCodec<M> {
  return {
    holds,
    metadata: (m) => {
      const { tokenizer, tokens, labels, outputTokenizer } = m.vocabularies;
      return {
        config: JSON.stringify(m.settings),
        ...(tokenizer ? { tokenizer: JSON.stringify(tokenizer.toJSON()) } : {}),
        ...(outputTokenizer ? { output_tokenizer: JSON.stringify(outputTokenizer.toJSON()) } : {}),
        ...(tokens ? { tokens: JSON.stringify(tokens) } : {}),
        ...(labels ? { labels: JSON.stringify(labels) } : {}),
      };
    },
    rebuild: (config, metadata, backend) => {
      const vocabularies: Vocabularies = {};
      if (metadata.tokenizer !== undefined) vocabularies.tokenizer = tokenizerFromJSON(metadataJson(metadata, 'tokenizer'));
      if (metadata.output_tokenizer !== undefined)
        vocabularies.outputTokenizer = tokenizerFromJSON(metadataJson(metadata, 'output_tokenizer'));
      for (const key of ['tokens', 'labels'] as const) if (metadata[key] !== undefined) vocabularies[key] = stringList(metadata, key);
      // The option values are checked by `create` and, after it, against the rebuilt model's settings.
      return create({ ...config, vocabularies, ...(backend ? { backend } : {}) } as unknown as O);
    },
  };
}

/** The `model_type` of a model. @throws UsageError when it is not a model rnnkit saves. */
export function modelTypeOf(model: Model): ModelType {
  const type = MODEL_TYPES.find((t) => CODECS[t].holds(model));
  if (type === undefined) throw new UsageError(`not a model rnnkit can save (expected one of: ${MODEL_TYPES.join(', ')})`);
  return type;
}

/** The metadata entries of `model` besides format and version: `model_type`, `config` and its vocabularies. */
export function modelMetadata(model: Model): Metadata {
  const type = modelTypeOf(model);
  return { model_type: type, ...(CODECS[type] as ModelCodec<Model>).metadata(model) };
}

/**
 * A model with fresh weights from a file's metadata: its type's rebuild, then a check that
 * `config` names exactly the model's settings with the values it took.
 * @throws FormatError naming the problem.
 */
export async function rebuildModel(metadata: Metadata, backend: Backend | undefined): Promise<Model> {
  const type = metadata.model_type;
  if (type === undefined || !(MODEL_TYPES as string[]).includes(type)) {
    throw new FormatError(`model file: unknown model_type '${String(type)}' (this rnnkit reads ${MODEL_TYPES.join(', ')})`);
  }
  const config = metadataJson(metadata, 'config');
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new FormatError("model file: metadata 'config' must be a JSON object");
  let model: Model;
  try {
    model = await (CODECS[type as ModelType] as ModelCodec<Model>).rebuild(config as Record<string, unknown>, metadata, backend);
  } catch (error) {
    if (error instanceof FormatError) throw error;
    throw new FormatError(`model file: invalid config: ${(error as Error).message}`);
  }
  const settings = model.settings as object as Record<string, unknown>;
  for (const key of new Set([...Object.keys(config), ...Object.keys(settings)])) {
    if (!(key in config)) throw new FormatError(`model file: config lacks '${key}'`);
    if (!(key in settings)) throw new FormatError(`model file: config has an unknown field '${key}' for a ${type}`);
    const [given, taken] = [JSON.stringify((config as Record<string, unknown>)[key]), JSON.stringify(settings[key])];
    if (given !== taken) throw new FormatError(`model file: invalid config: ${key} is ${given}, which the ${type} takes as ${taken}`);
  }
  return model;
}

/** Parses the JSON of a metadata entry. @throws FormatError when it is missing or not JSON. */
export function metadataJson(metadata: Metadata, key: string): unknown {
  const text = metadata[key];
  if (text === undefined) throw new FormatError(`model file: metadata lacks '${key}'`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FormatError(`model file: metadata '${key}' is not valid JSON`);
  }
}

function stringList(metadata: Metadata, key: string): string[] {
  const value = metadataJson(metadata, key);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new FormatError(`model file: metadata '${key}' must be a JSON array of strings`);
  }
  return value;
}
