/**
 * Finding the units that track a pattern: the user gives a regular expression over the
 * probe text; every character inside a match counts 1, every other 0; each unit's values
 * over the text are ranked by their Pearson correlation with that indicator (Karpathy,
 * Johnson & Fei-Fei 2015 found quote- and line-length-tracking cells this way).
 *
 * Legend: T characters (time steps), H units; values are [T, H], time-major.
 */

/**
 * 1 for each character inside a match of `pattern` in `tokens` joined, 0 elsewhere: [T].
 * @throws SyntaxError naming the problem when `pattern` is not a valid regular expression.
 */
export function patternIndicator(tokens: readonly string[], pattern: string): Float64Array {
  const regex = new RegExp(pattern, 'gu');
  const text = tokens.join('');
  // Start offset (in UTF-16 units) of each token in the joined text.
  const starts = new Int32Array(tokens.length + 1);
  for (let t = 0; t < tokens.length; t++) starts[t + 1] = starts[t] + tokens[t].length;
  const inside = new Uint8Array(text.length);
  for (const match of text.matchAll(regex)) {
    const from = match.index;
    inside.fill(1, from, from + Math.max(match[0].length, 1));
  }
  return Float64Array.from(tokens, (_, t) => inside[starts[t]]);
}

/** A unit and how strongly it follows a series. */
export interface RankedUnit {
  unit: number;
  /** Pearson correlation with the series, in [−1, 1] (0 for a constant unit). */
  correlation: number;
}

/** Pearson correlation of unit j (column j of `values` [T, H]) with `series` [T], for every j; strongest |r| first. */
export function rankUnitsByCorrelation(values: ArrayLike<number>, H: number, series: ArrayLike<number>): RankedUnit[] {
  const T = series.length;
  let mean = 0;
  for (let t = 0; t < T; t++) mean += series[t];
  mean /= T;
  let seriesSquares = 0;
  for (let t = 0; t < T; t++) seriesSquares += (series[t] - mean) ** 2;
  const ranked: RankedUnit[] = [];
  for (let j = 0; j < H; j++) {
    let unitMean = 0;
    for (let t = 0; t < T; t++) unitMean += values[t * H + j];
    unitMean /= T;
    let cross = 0;
    let squares = 0;
    for (let t = 0; t < T; t++) {
      const d = values[t * H + j] - unitMean;
      cross += d * (series[t] - mean);
      squares += d * d;
    }
    const denominator = Math.sqrt(squares * seriesSquares);
    ranked.push({ unit: j, correlation: denominator > 0 ? cross / denominator : 0 });
  }
  return ranked.sort((a, b) => Math.abs(b.correlation) - Math.abs(a.correlation) || a.unit - b.unit);
}

/** Units ordered by how much their value varies over the text (standard deviation), most first. */
export function unitsByVariation(values: ArrayLike<number>, H: number, T: number): { unit: number; deviation: number }[] {
  return Array.from({ length: H }, (_, j) => {
    let mean = 0;
    for (let t = 0; t < T; t++) mean += values[t * H + j];
    mean /= T;
    let squares = 0;
    for (let t = 0; t < T; t++) squares += (values[t * H + j] - mean) ** 2;
    return { unit: j, deviation: Math.sqrt(squares / T) };
  }).sort((a, b) => b.deviation - a.deviation || a.unit - b.unit);
}
