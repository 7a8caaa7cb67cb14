/**
 * Model files: one `.safetensors` file holding the parameters (PyTorch names, float32),
 * with the format, its version, the model type, its settings and what it needs to predict
 * from text (tokenizer, tokens, label names) as JSON in `__metadata__`. Python's
 * `safetensors` reads the tensors as they are.
 *
 * Metadata keys: `format` = "rnnkit", `format_version` = "1", `model_type` (see
 * {@link ModelTypes}: "language-model", "sequence-tagger", "sequence-classifier",
 * "sequence-regressor", "ctc-model", "sequence-generator", "seq2seq"), `config` (JSON settings), and
 * by type `tokenizer` (JSON), `tokens` and `labels` (JSON arrays of strings).
 */
import type { Backend } from '../backend/backend.js';
import { FormatError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { readFileBytes, writeFileAtomic } from './atomic-file.js';
import { type Model, modelMetadata, type ModelType, type ModelTypes, rebuildModel } from './model-types.js';
import { readSafetensors, safetensorsMetadata, writeSafetensors } from './safetensors.js';

export type { Model, ModelType, ModelTypes } from './model-types.js';

/** The newest model file format this version reads and the one it writes. */
export const FORMAT_VERSION = 1;

/** Tensors whose names start with this belong to a checkpoint's training state, not to the model. */
export const CHECKPOINT_PREFIX = 'checkpoint.';

/** Options of {@link loadModel} and {@link modelFromBytes}. */
export interface LoadModelOptions<T extends ModelType> {
  /** @default the current backend */
  backend?: Backend;
  /** The type the file must hold; another one is a FormatError. @default any */
  type?: T;
}

/**
 * Serialises a model (plus optional extra tensors and metadata, as checkpoints add).
 * @throws UsageError when `model` is not a model rnnkit saves.
 */
export function modelToBytes(
  model: Model,
  extra: { tensors?: Record<string, Tensor>; metadata?: Record<string, string> } = {},
): Uint8Array {
  return writeSafetensors(
    { ...model.stateDict(), ...extra.tensors },
    {
      format: 'rnnkit',
      format_version: String(FORMAT_VERSION),
      ...modelMetadata(model),
      ...extra.metadata,
    },
  );
}

/**
 * Rebuilds a model from file bytes (a model file or a checkpoint).
 * @throws FormatError when the bytes are not an rnnkit model file of a known version and type
 * (or not of `options.type`).
 */
export async function modelFromBytes<T extends ModelType = ModelType>(
  bytes: Uint8Array,
  options: LoadModelOptions<T> = {},
): Promise<ModelTypes[T]> {
  const tensors = readSafetensors(bytes);
  const meta = safetensorsMetadata(tensors);
  if (meta.format !== 'rnnkit') {
    throw new FormatError(
      'not an rnnkit model file: its metadata lacks format "rnnkit" ' +
        '(a PyTorch state dict can be imported into a model with loadStateDict)',
    );
  }
  const version = Number(meta.format_version);
  if (!Number.isInteger(version) || version < 1) throw new FormatError(`model file: bad format_version '${meta.format_version}'`);
  if (version > FORMAT_VERSION) {
    throw new FormatError(`model file format version ${version} is newer than this rnnkit reads (${FORMAT_VERSION}); upgrade rnnkit`);
  }
  if (options.type !== undefined && meta.model_type !== options.type) {
    throw new FormatError(`model file holds a ${meta.model_type ?? 'model of no type'}, not a ${options.type}`);
  }
  const weights = Object.fromEntries(Object.entries(tensors).filter(([name]) => !name.startsWith(CHECKPOINT_PREFIX)));
  checkSizesAgainstTensors(meta.config, weights);
  const model = await rebuildModel(meta, options.backend);
  try {
    model.loadStateDict(weights);
  } catch (error) {
    throw new FormatError(`model file: its tensors do not fit its config: ${(error as Error).message}`);
  }
  return model as ModelTypes[T];
}

/**
 * Refuses a config whose sizes the file's tensors cannot hold, before any model is built
 * from it: a damaged or hostile file must not make rnnkit allocate more than the file
 * justifies. Every integer setting (hidden size, vocabulary, layers, …) is at most the
 * largest tensor dimension plus one (a CTC model's labels plus its blank) or the number
 * of tensors (layers); the full check of every shape follows in `loadStateDict`.
 * @throws FormatError naming the setting.
 */
function checkSizesAgainstTensors(configText: string | undefined, weights: Record<string, Tensor>): void {
  let config: unknown;
  try {
    config = JSON.parse(configText ?? '');
  } catch {
    return; // rebuildModel reports a config that is not JSON
  }
  if (typeof config !== 'object' || config === null) return;
  const largest = Math.max(0, ...Object.values(weights).flatMap((t) => t.shape));
  const limit = Math.max(largest + 1, Object.keys(weights).length);
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === 'number' && Number.isInteger(value) && value > limit) {
      throw new FormatError(`model file: config ${key} is ${value}, more than its tensors hold (their largest dimension is ${largest})`);
    }
  }
}

/**
 * Saves a model to `path` atomically (a temp file, then a rename): a failed save leaves
 * the previous file intact.
 * @throws UsageError when `model` is not a model rnnkit saves; RnnkitError when the file cannot be written.
 */
export async function saveModel(model: Model, path: string): Promise<void> {
  await writeFileAtomic(path, modelToBytes(model));
}

/**
 * Loads a model saved by {@link saveModel} (or a training checkpoint) from a path or bytes.
 * With `options.type` the result has that type (e.g. `loadModel(path, { type: 'language-model' })`).
 * @throws FormatError on a malformed, truncated or foreign file, or one of another type; RnnkitError when the file cannot be read.
 */
export async function loadModel<T extends ModelType = ModelType>(
  source: string | Uint8Array,
  options: LoadModelOptions<T> = {},
): Promise<ModelTypes[T]> {
  if (typeof source !== 'string') return modelFromBytes(source, options);
  const bytes = await readFileBytes(source);
  try {
    return await modelFromBytes(bytes, options);
  } catch (error) {
    throw error instanceof FormatError ? new FormatError(`${source}: ${error.message}`) : error;
  }
}
