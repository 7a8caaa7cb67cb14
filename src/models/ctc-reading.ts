/**
 * How a CTC model reads a sequence of frames (Graves et al. 2006): the probability of every
 * class at every frame — the lattice CTC sums its alignments over — the best path through
 * it (the likeliest class of each frame) and the labels it collapses to (repeats merged,
 * blanks removed).
 *
 * Legend: T frames, D features per frame, C = labels + 1 classes (class 0 the blank,
 * class k + 1 label k).
 */
import { ctcGreedyDecode } from '../decode/ctc.js';
import { ShapeError } from '../errors.js';
import type { Sequence } from '../data/sequences.js';
import type { CTCModel } from './ctc-model.js';

/** The label of the blank class. */
export const BLANK_LABEL = '␣';

/** What {@link readFrames} returns. */
export interface CtcReading {
  /** The class names: {@link BLANK_LABEL}, then each label's name (or its index). */
  classes: string[];
  /** p(class | frames) at each frame, [T, C]; each frame's row sums to 1. */
  posteriors: Float32Array;
  /** The likeliest class of each frame, [T]. */
  bestPath: number[];
  /** The labels the best path collapses to. */
  labels: number[];
  /** Those labels as text: their names joined (by a space when a name is longer than one character). */
  text: string;
}

/**
 * Runs `model` over one sequence of frames.
 * @throws ShapeError when the frames do not have the model's D features each, or there are none.
 */
export async function readFrames(model: CTCModel, frames: Sequence): Promise<CtcReading> {
  const D = model.settings.inputSize;
  const T = frames.steps;
  if (!Number.isInteger(T) || T < 1 || frames.data.length !== T * D) {
    throw new ShapeError(`CTC frames: expected ${T} frames of ${D} features (${T * D} numbers), got ${frames.data.length}`);
  }
  const logits = await model.logits({ shape: [T, 1, D], data: frames.data }, [T]);
  const C = logits.shape[2];
  const posteriors = new Float32Array(T * C);
  const bestPath: number[] = [];
  for (let t = 0; t < T; t++) {
    let max = -Infinity;
    let best = 0;
    for (let c = 0; c < C; c++) {
      const v = logits.data[t * C + c];
      if (v > max) [max, best] = [v, c];
    }
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(logits.data[t * C + c] - max);
    for (let c = 0; c < C; c++) posteriors[t * C + c] = Math.exp(logits.data[t * C + c] - max) / sum;
    bestPath.push(best);
  }
  const names = model.vocabularies.labels ?? Array.from({ length: C - 1 }, (_, k) => String(k));
  const labels = ctcGreedyDecode({ shape: [T, 1, C], data: logits.data }, { blank: model.blank })[0].map((c) => c - 1);
  const spaced = names.some((n) => [...n].length > 1);
  return { classes: [BLANK_LABEL, ...names], posteriors, bestPath, labels, text: labels.map((k) => names[k]).join(spaced ? ' ' : '') };
}
