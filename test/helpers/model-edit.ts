/**
 * Model files with known answers, for tests of the metrics the CLI reports: a trained
 * model's output layer rewritten so that it always predicts what the test says.
 */
import { loadModel, saveModel } from '../../src/io/model-file.js';
import { Random } from '../../src/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';

/** Writes to `out` the model of `path` with the entries of `changes` replaced (each keeps its shape). */
export async function rewriteModel(path: string, out: string, changes: Record<string, (t: Tensor) => Float32Array>): Promise<void> {
  const model = await loadModel(path);
  const dict = model.stateDict();
  for (const [name, change] of Object.entries(changes)) dict[name] = { shape: dict[name].shape, data: change(dict[name]) };
  model.loadStateDict(dict);
  await saveModel(model, out);
}

/** Zeros. */
export const zeros = (t: Tensor): Float32Array => new Float32Array(t.data.length);

/** A bias of 20 at `index`, 0 elsewhere: with zero weights, that output wins everywhere. */
export const favour =
  (index: number) =>
  (t: Tensor): Float32Array =>
    Float32Array.from(t.data, (_, i) => (i === index ? 20 : 0));

/**
 * The records held out by `rnnkit train` with `--val-fraction fraction --seed seed`: ⌊n·fraction⌋
 * of them, drawn by the seeded shuffle the CLI documents, in their original order (and the rest).
 */
export function heldOut<R>(records: readonly R[], fraction: number, seed: number): { train: R[]; validation: R[] } {
  const chosen = new Set(new Random(seed).shuffle(records.map((_, i) => i)).slice(0, Math.floor(records.length * fraction)));
  return { train: records.filter((_, i) => !chosen.has(i)), validation: records.filter((_, i) => chosen.has(i)) };
}
