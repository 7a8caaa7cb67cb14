/** Quality measures of decoded sequences. */
import { ShapeError } from '../errors.js';

/** Levenshtein distance: the fewest insertions, deletions and substitutions that turn `a` into `b`. */
export function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = current;
  }
  return previous[b.length];
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
  return predictions.reduce((n, p, i) => n + editDistance(p, references[i]), 0) / total;
}

/** Fraction of positions whose predicted label equals the reference. @throws ShapeError on different lengths. */
export function tokenAccuracy<T>(predictions: readonly (readonly T[])[], references: readonly (readonly T[])[]): number {
  let total = 0;
  let correct = 0;
  if (predictions.length !== references.length)
    throw new ShapeError(`tokenAccuracy: ${predictions.length} predictions for ${references.length} references`);
  references.forEach((reference, i) => {
    const prediction = predictions[i];
    if (prediction.length !== reference.length)
      throw new ShapeError(`tokenAccuracy: sequence ${i} has ${prediction.length} predictions for ${reference.length} labels`);
    reference.forEach((label, t) => {
      total++;
      if (prediction[t] === label) correct++;
    });
  });
  if (total === 0) throw new ShapeError('tokenAccuracy: the references are empty');
  return correct / total;
}

/** A labelled span [start, end) of a tag sequence. */
export interface Chunk {
  type: string;
  start: number;
  end: number;
}

/**
 * The chunks of a BIO tag sequence as CoNLL's conlleval reads them: `B-X` starts a chunk
 * of type X, `I-X` continues it (or starts one after `O` or another type), `O` is outside.
 */
export function chunks(tags: readonly string[]): Chunk[] {
  const out: Chunk[] = [];
  let open: Chunk | undefined;
  tags.forEach((tag, i) => {
    const [prefix, type = ''] = tag === 'O' ? ['O'] : [tag.slice(0, 1), tag.slice(2)];
    const continues = prefix === 'I' && open !== undefined && open.type === type;
    if (open !== undefined && !continues) {
      open.end = i;
      out.push(open);
      open = undefined;
    }
    if ((prefix === 'B' || prefix === 'I') && !continues) open = { type, start: i, end: i + 1 };
  });
  if (open !== undefined) {
    open.end = tags.length;
    out.push(open);
  }
  return out;
}

/** Entity-level precision, recall and F1 (CoNLL): a predicted chunk counts when its type and span match exactly. */
export function entityF1(
  predictions: readonly (readonly string[])[],
  references: readonly (readonly string[])[],
): { precision: number; recall: number; f1: number } {
  if (predictions.length !== references.length)
    throw new ShapeError(`entityF1: ${predictions.length} predictions for ${references.length} references`);
  let predicted = 0;
  let gold = 0;
  let matched = 0;
  references.forEach((reference, i) => {
    const key = (c: Chunk): string => `${c.type}|${c.start}|${c.end}`;
    const wanted = new Set(chunks(reference).map(key));
    const found = chunks(predictions[i]);
    predicted += found.length;
    gold += wanted.size;
    matched += found.filter((c) => wanted.has(key(c))).length;
  });
  const precision = predicted === 0 ? 0 : matched / predicted;
  const recall = gold === 0 ? 0 : matched / gold;
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}
