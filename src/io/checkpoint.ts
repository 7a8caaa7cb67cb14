/**
 * Training checkpoints: a model file (see model-file.ts) that also carries the training
 * state — the optimizer's buffers (`checkpoint.optimizer.<param>.<buffer>`), the task's
 * carried state (`checkpoint.state.<name>`), and as JSON metadata (`checkpoint`) the step,
 * data position, generator state, optimizer step and learning rate, and the run's
 * settings. `loadModel` reads a checkpoint as a plain model.
 */
import { FormatError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { TrainerCheckpoint } from '../training/trainer.js';
import { readFileBytes, writeFileAtomic } from './atomic-file.js';
import {
  CHECKPOINT_PREFIX,
  type LoadModelOptions,
  type Model,
  modelFromBytes,
  modelToBytes,
  type ModelType,
  type ModelTypes,
} from './model-file.js';
import { readSafetensors, safetensorsMetadata } from './safetensors.js';

const OPTIMIZER = `${CHECKPOINT_PREFIX}optimizer.`;
const STATE = `${CHECKPOINT_PREFIX}state.`;

/** A checkpoint read back: the model, the loop's state and the settings the run was started with. */
export interface LoadedCheckpoint<S, M extends Model = Model> {
  model: M;
  trainer: TrainerCheckpoint;
  settings: S;
}

/** Writes a checkpoint atomically. `settings` (JSON-serialisable) lets a resumed run reuse its options. */
export async function saveCheckpoint(path: string, model: Model, trainer: TrainerCheckpoint, settings: unknown): Promise<void> {
  const tensors: Record<string, Tensor> = {};
  for (const [key, data] of Object.entries(trainer.optimizer.buffers)) tensors[OPTIMIZER + key] = { shape: [data.length], data };
  for (const [key, t] of Object.entries(trainer.taskState)) tensors[STATE + key] = t;
  const { step, epoch, batch, tokens, smoothedLoss, skipped, random, optimizer } = trainer;
  const metadata = {
    checkpoint: JSON.stringify({
      step,
      epoch,
      batch,
      tokens,
      smoothedLoss,
      skipped,
      random,
      optimizerStep: optimizer.step,
      optimizerLr: optimizer.lr,
      settings,
    }),
  };
  await writeFileAtomic(path, modelToBytes(model, { tensors, metadata }));
}

/**
 * Reads a checkpoint written by {@link saveCheckpoint} (with `options.type`, of that model type).
 * @throws FormatError when the file is not a checkpoint (of that type) or its training state is malformed.
 */
export async function loadCheckpoint<S, T extends ModelType = ModelType>(
  path: string,
  options: LoadModelOptions<T> = {},
): Promise<LoadedCheckpoint<S, ModelTypes[T]>> {
  const bytes = await readFileBytes(path);
  try {
    return await checkpointFromBytes<S, T>(bytes, path, options);
  } catch (error) {
    throw error instanceof FormatError && !error.message.startsWith(path) ? new FormatError(`${path}: ${error.message}`) : error;
  }
}

async function checkpointFromBytes<S, T extends ModelType>(
  bytes: Uint8Array,
  path: string,
  options: LoadModelOptions<T>,
): Promise<LoadedCheckpoint<S, ModelTypes[T]>> {
  const tensors = readSafetensors(bytes);
  const text = safetensorsMetadata(tensors).checkpoint;
  if (text === undefined) throw new FormatError(`${path} is a model file, not a training checkpoint`);
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new FormatError(`${path}: the checkpoint metadata is not valid JSON`);
  }
  const number = (key: string): number => {
    const v = meta[key];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new FormatError(`${path}: checkpoint field '${key}' is missing or not a number`);
    return v;
  };
  const random = meta.random;
  if (!Array.isArray(random) || random.length !== 4 || !random.every((v) => Number.isInteger(v))) {
    throw new FormatError(`${path}: checkpoint field 'random' must be four integers`);
  }
  const buffers: Record<string, Float32Array> = {};
  const taskState: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (name.startsWith(OPTIMIZER)) buffers[name.slice(OPTIMIZER.length)] = t.data;
    else if (name.startsWith(STATE)) taskState[name.slice(STATE.length)] = t;
  }
  const model = await modelFromBytes(bytes, options);
  return {
    model,
    trainer: {
      step: number('step'),
      epoch: number('epoch'),
      batch: number('batch'),
      tokens: number('tokens'),
      smoothedLoss: number('smoothedLoss'),
      skipped: number('skipped'),
      random: random as number[],
      optimizer: { step: number('optimizerStep'), lr: number('optimizerLr'), buffers },
      taskState,
    },
    settings: meta.settings as S,
  };
}
