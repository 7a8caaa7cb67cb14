/** Quality measures of decoded sequences. */
import { ShapeError } from '../errors.js';

/** Levenshtein distance: the fewest insertions, deletions and substitutions that turn `a` into `b`. */
export function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * Error rate of predicted label sequences against references (character or word error
 * rate): total edit distance over total reference length.
 * @throws ShapeError when the lists differ in length or the references are all empty.
 */
export function errorRate<T>(predictions: readonly (readonly T[])[], references: readonly (readonly T[])[]): number {
  if (predictions.length !== references.length) {
    throw new ShapeError(`errorRate: ${predictions.length} predictions for ${references.length} references`);
  }
  const total = references.reduce((n, r) => n + r.length, 0);
  if (total === 0) throw new ShapeError('errorRate: the references are empty');
  return predictions.reduce((n, p, i) => n + editDistance(p, references[i]!), 0) / total;
}
