/**
 * Model files: one `.safetensors` file holding the parameters (PyTorch names, float32),
 * with the format, its version, the model type, its settings and its tokenizer as JSON
 * in `__metadata__`. Python's `safetensors` reads the tensors as they are.
 *
 * Metadata keys: `format` = "rnnkit", `format_version` = "1", `model_type`
 * (e.g. "language-model"), `config` (JSON settings) and `tokenizer` (JSON).
 */
import type { Backend } from '../backend/backend.js';
import { tokenizerFromJSON } from '../data/tokenizers/tokenizer.js';
import { FormatError } from '../errors.js';
import { LanguageModel, resolveSettings } from '../models/language-model/language-model.js';
import type { Tensor } from '../tensor/tensor.js';
import { readFileBytes, writeFileAtomic } from './atomic-file.js';
import { readSafetensors, safetensorsMetadata, writeSafetensors } from './safetensors.js';

/** The newest model file format this version reads and the one it writes. */
export const FORMAT_VERSION = 1;

/** Tensors whose names start with this belong to a checkpoint's training state, not to the model. */
export const CHECKPOINT_PREFIX = 'checkpoint.';

/** A model with what it takes to save it. */
export type Model = LanguageModel;

/** Serialises a model (plus optional extra tensors and metadata, as checkpoints add). */
export function modelToBytes(model: Model, extra: { tensors?: Record<string, Tensor>; metadata?: Record<string, string> } = {}): Uint8Array {
  return writeSafetensors({ ...model.stateDict(), ...extra.tensors }, {
    format: 'rnnkit',
    format_version: String(FORMAT_VERSION),
    model_type: 'language-model',
    config: JSON.stringify(model.settings),
    tokenizer: JSON.stringify(model.tokenizer.toJSON()),
    ...extra.metadata,
  });
}

/**
 * Rebuilds a model from file bytes (a model file or a checkpoint).
 * @throws FormatError when the bytes are not an rnnkit model file of a known version and type.
 */
export async function modelFromBytes(bytes: Uint8Array, options: { backend?: Backend } = {}): Promise<Model> {
  const tensors = readSafetensors(bytes);
  const meta = safetensorsMetadata(tensors);
  if (meta.format !== 'rnnkit') {
    throw new FormatError('not an rnnkit model file: its metadata lacks format "rnnkit" ' +
      '(a PyTorch state dict can be imported into a model with loadStateDict)');
  }
  const version = Number(meta.format_version);
  if (!Number.isInteger(version) || version < 1) throw new FormatError(`model file: bad format_version '${meta.format_version}'`);
  if (version > FORMAT_VERSION) {
    throw new FormatError(`model file format version ${version} is newer than this rnnkit reads (${FORMAT_VERSION}); upgrade rnnkit`);
  }
  if (meta.model_type !== 'language-model') throw new FormatError(`model file: unknown model_type '${meta.model_type}'`);
  const config = parseJson(meta.config, 'config') as Record<string, unknown>;
  const tokenizer = tokenizerFromJSON(parseJson(meta.tokenizer, 'tokenizer'));
  let settings;
  try {
    settings = resolveSettings(config);
  } catch (error) {
    throw new FormatError(`model file: invalid config: ${(error as Error).message}`);
  }
  const model = await LanguageModel.create({ tokenizer, ...settings, ...(options.backend ? { backend: options.backend } : {}) });
  const weights = Object.fromEntries(Object.entries(tensors).filter(([name]) => !name.startsWith(CHECKPOINT_PREFIX)));
  try {
    model.loadStateDict(weights);
  } catch (error) {
    throw new FormatError(`model file: its tensors do not fit its config: ${(error as Error).message}`);
  }
  return model;
}

/**
 * Saves a model to `path` atomically (a temp file, then a rename): a failed save leaves
 * the previous file intact.
 */
export async function saveModel(model: Model, path: string): Promise<void> {
  await writeFileAtomic(path, modelToBytes(model));
}

/**
 * Loads a model saved by {@link saveModel} (or a training checkpoint) from a path or bytes.
 * @throws FormatError on a malformed, truncated or foreign file; RnnkitError when the file cannot be read.
 */
export async function loadModel(source: string | Uint8Array, options: { backend?: Backend } = {}): Promise<Model> {
  if (typeof source !== 'string') return modelFromBytes(source, options);
  const bytes = await readFileBytes(source);
  try {
    return await modelFromBytes(bytes, options);
  } catch (error) {
    throw error instanceof FormatError ? new FormatError(`${source}: ${error.message}`) : error;
  }
}

function parseJson(text: string | undefined, key: string): unknown {
  if (text === undefined) throw new FormatError(`model file: metadata lacks '${key}'`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FormatError(`model file: metadata '${key}' is not valid JSON`);
  }
}
