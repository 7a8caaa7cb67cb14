/**
 * Beam search over a step-by-step decoder: keeps the `beamWidth` most likely partial
 * sequences, extends each by every token, and retires every extension by the end token
 * as a finished hypothesis.
 * Finished hypotheses are ranked by log-probability / length^α (length normalisation,
 * α = `lengthPenalty`; 0 ranks by raw log-probability, which favours short outputs).
 *
 * Legend: k beam width, V vocabulary.
 */
import { UsageError } from '../errors.js';

/** Options of {@link beamSearch}. */
export interface BeamSearchOptions {
  /** Hypotheses kept per step. @default 4 */
  beamWidth?: number;
  /** α of the length normalisation. @default 1 */
  lengthPenalty?: number;
  /** Most tokens per hypothesis, the end token included. @default 50 */
  maxLength?: number;
}

/** A decoded sequence. */
export interface Hypothesis<P> {
  /** The tokens, without the begin and end tokens. */
  tokens: number[];
  /** Natural log of the sequence's probability (the end token included when it finished). */
  logProb: number;
  /** logProb / length^α, the ranking score. */
  score: number;
  /** Whether it ended with the end token (else it reached maxLength). */
  finished: boolean;
  /** What the decoder reported at each step of this hypothesis (e.g. attention weights). */
  steps: P[];
}

/** One decoder step over k rows. */
export interface BeamStep<P> {
  /** Log-probabilities [k, V] of the next token per row. */
  logProbs: ArrayLike<number>;
  /** Per row, what to keep for this step (e.g. its attention weights). */
  report: (row: number) => P;
}

/**
 * The decoder seen by the search: `step(tokens, parents)` first moves each row r to the
 * state of row parents[r] of the previous step, then feeds tokens[r] and returns the
 * next-token log-probabilities. It always runs k rows; at the first step all rows hold
 * the begin token and only row 0 is read.
 */
export type BeamDecoder<P> = (tokens: Int32Array, parents: Int32Array) => BeamStep<P> | Promise<BeamStep<P>>;

interface Live<P> {
  tokens: number[];
  logProb: number;
  steps: P[];
}

/** Checks and completes beam options. @throws UsageError naming the option. */
export function resolveBeamOptions(options: BeamSearchOptions = {}): Required<BeamSearchOptions> {
  const { beamWidth = 4, lengthPenalty = 1, maxLength = 50 } = options;
  if (!Number.isInteger(beamWidth) || beamWidth < 1) throw new UsageError(`beamWidth must be an integer ≥ 1, got ${String(beamWidth)}`);
  if (typeof lengthPenalty !== 'number' || !(lengthPenalty >= 0) || !Number.isFinite(lengthPenalty)) {
    throw new UsageError(`lengthPenalty must be a finite number ≥ 0, got ${String(lengthPenalty)}`);
  }
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new UsageError(`maxLength must be an integer ≥ 1, got ${String(maxLength)}`);
  return { beamWidth, lengthPenalty, maxLength };
}

/**
 * Runs the search from `begin` until `beamWidth` hypotheses have ended with `end` that
 * no live hypothesis can beat any more, or `maxLength` steps have run; returns up to `beamWidth` hypotheses, best first
 * (unfinished ones only when too few finished).
 */
export async function beamSearch<P>(
  decoder: BeamDecoder<P>,
  V: number,
  begin: number,
  end: number,
  options: BeamSearchOptions = {},
): Promise<Hypothesis<P>[]> {
  const { beamWidth: k, lengthPenalty, maxLength } = resolveBeamOptions(options);
  const score = (logProb: number, length: number): number => logProb / Math.pow(length, lengthPenalty);
  const finished: Hypothesis<P>[] = [];
  let live: Live<P>[] = [{ tokens: [], logProb: 0, steps: [] }];
  const tokens = new Int32Array(k).fill(begin);
  let parents = new Int32Array(k);
  for (let length = 1; length <= maxLength && live.length > 0; length++) {
    const { logProbs, report } = await decoder(tokens, parents);
    // Every extension: each live row's end extension is a finished hypothesis (however it
    // ranks among this step's candidates, it may still be among the k best at the end);
    // the k best of the others stay live.
    const candidates: { row: number; token: number; logProb: number }[] = [];
    for (let row = 0; row < live.length; row++) {
      for (let v = 0; v < V; v++) {
        const logProb = live[row].logProb + logProbs[row * V + v];
        if (logProb > -Infinity) candidates.push({ row, token: v, logProb });
      }
    }
    candidates.sort((a, b) => b.logProb - a.logProb);
    const next: Live<P>[] = [];
    parents = new Int32Array(k);
    for (const c of candidates) {
      const from = live[c.row];
      if (c.token === end) {
        finished.push({
          tokens: from.tokens,
          logProb: c.logProb,
          score: score(c.logProb, length),
          finished: true,
          steps: [...from.steps, report(c.row)],
        });
      } else if (next.length < k) {
        parents[next.length] = c.row;
        tokens[next.length] = c.token;
        next.push({ tokens: [...from.tokens, c.token], logProb: c.logProb, steps: [...from.steps, report(c.row)] });
      }
    }
    live = next;
    // Stop once k outputs have finished that no live hypothesis can still beat: its
    // log-probability only falls, and its length is at most maxLength.
    if (finished.length >= k && live.length > 0) {
      const kth = finished.map((h) => h.score).sort((x, y) => y - x)[k - 1];
      if (kth >= score(live[0].logProb, maxLength)) break;
    }
  }
  const ranked = finished.sort((a, b) => b.score - a.score);
  if (ranked.length < k) {
    const unfinished = live.map((h) => ({ ...h, score: score(h.logProb, h.tokens.length), finished: false }));
    ranked.push(...unfinished.sort((a, b) => b.score - a.score));
  }
  return ranked.slice(0, k);
}
