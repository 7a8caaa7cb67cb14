/**
 * Decoding CTC outputs (Graves et al. 2006, §3.2): from per-frame scores `[T, B, C]` to label sequences.
 * - greedy (best path): the most likely class per frame, repeats merged, blanks removed;
 * - prefix beam search (Hannun et al., 2014): keeps the `beamWidth` most probable label
 *   prefixes, each with its probability split into "ends in blank" and "ends in a label"
 *   so that merged repeats are counted exactly; the result sums over all alignments.
 */
import { ShapeError, UsageError } from '../errors.js';
import { logAdd, logSoftmaxRow } from '../tensor/log-space.js';
import { argmax, assertFloatTensor, type FloatTensor, formatShape } from '../tensor/tensor.js';

/** Options shared by the decoders. */
export interface CtcDecodeOptions {
  /** Class index of the blank. @default 0 */
  blank?: number;
  /** Frames of each item to decode. @default all T */
  lengths?: readonly number[];
}

/** Options of {@link ctcBeamSearch}. */
export interface CtcBeamOptions extends CtcDecodeOptions {
  /** Prefixes kept after each frame. @default 10 */
  beamWidth?: number;
}

/** A decoded label sequence and its log-probability (summed over its alignments for beam search). */
export interface CtcHypothesis {
  labels: number[];
  logProbability: number;
}

/** Best-path decoding: one label list per item. */
export function ctcGreedyDecode(logits: FloatTensor, options: CtcDecodeOptions = {}): number[][] {
  const { B, C, blank, lengths } = checkInput(logits, options, 'ctcGreedyDecode');
  const out: number[][] = [];
  for (let b = 0; b < B; b++) {
    const labels: number[] = [];
    let previous = -1;
    for (let t = 0; t < lengths[b]; t++) {
      const row = (t * B + b) * C;
      const best = argmax(logits.data, row, C);
      if (best !== blank && best !== previous) labels.push(best);
      previous = best;
    }
    out.push(labels);
  }
  return out;
}

/**
 * Prefix beam search: per item, up to `beamWidth` hypotheses, most probable first.
 * Scores are unnormalised (log-softmax is applied per frame).
 */
export function ctcBeamSearch(logits: FloatTensor, options: CtcBeamOptions = {}): CtcHypothesis[][] {
  const { B, C, blank, lengths } = checkInput(logits, options, 'ctcBeamSearch');
  const beamWidth = options.beamWidth ?? 10;
  if (!Number.isInteger(beamWidth) || beamWidth < 1)
    throw new UsageError(`ctcBeamSearch: beamWidth must be a positive integer, got ${beamWidth}`);
  const lp = new Float64Array(C);
  const results: CtcHypothesis[][] = [];
  for (let b = 0; b < B; b++) {
    // Prefix key → [log P(prefix, ends in blank), log P(prefix, ends in a label)].
    let beam = new Map<string, { labels: number[]; blank: number; label: number }>([['', { labels: [], blank: 0, label: -Infinity }]]);
    for (let t = 0; t < lengths[b]; t++) {
      logSoftmaxRow(logits.data, (t * B + b) * C, C, lp);
      const next = new Map<string, { labels: number[]; blank: number; label: number }>();
      const entry = (labels: number[]) => {
        const key = labels.join(',');
        let e = next.get(key);
        if (e === undefined) next.set(key, (e = { labels, blank: -Infinity, label: -Infinity }));
        return e;
      };
      for (const p of beam.values()) {
        const total = logAdd(p.blank, p.label);
        const same = entry(p.labels);
        same.blank = logAdd(same.blank, total + lp[blank]);
        const last = p.labels.at(-1);
        for (let c = 0; c < C; c++) {
          if (c === blank) continue;
          const extended = entry([...p.labels, c]);
          if (c === last) {
            // A repeat extends the prefix only across a blank; without one it merges into the same label.
            extended.label = logAdd(extended.label, p.blank + lp[c]);
            same.label = logAdd(same.label, p.label + lp[c]);
          } else {
            extended.label = logAdd(extended.label, total + lp[c]);
          }
        }
      }
      beam = new Map(
        [...next.entries()].sort((x, y) => logAdd(y[1].blank, y[1].label) - logAdd(x[1].blank, x[1].label)).slice(0, beamWidth),
      );
    }
    results.push(
      [...beam.values()]
        .map((p) => ({ labels: p.labels, logProbability: logAdd(p.blank, p.label) }))
        .sort((x, y) => y.logProbability - x.logProbability),
    );
  }
  return results;
}

function checkInput(logits: FloatTensor, options: CtcDecodeOptions, where: string) {
  assertFloatTensor(logits, `${where}: logits`);
  if (logits.shape.length !== 3) throw new ShapeError(`${where}: logits must be [T, B, C], got ${formatShape(logits.shape)}`);
  const [T, B, C] = logits.shape as [number, number, number];
  const blank = options.blank ?? 0;
  if (!Number.isInteger(blank) || blank < 0 || blank >= C)
    throw new UsageError(`${where}: blank must be a class index in [0, ${C}), got ${blank}`);
  const lengths = options.lengths ?? new Array<number>(B).fill(T);
  if (lengths.length !== B) throw new ShapeError(`${where}: lengths must have ${B} entries, got ${lengths.length}`);
  lengths.forEach((n, b) => {
    if (!Number.isInteger(n) || n < 0 || n > T) throw new ShapeError(`${where}: lengths[${b}] must be an integer in [0, ${T}], got ${n}`);
  });
  return { T, B, C, blank, lengths };
}
