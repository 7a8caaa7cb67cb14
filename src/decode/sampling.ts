/**
 * Drawing the next token from a model's scores (sampling novel sequences, as in Graves 2013):
 * temperature, top-k and nucleus (top-p) filtering, from a seeded generator.
 *
 * Legend: V vocabulary size. `logits` are unnormalised scores of the V tokens.
 */
import { UsageError } from '../errors.js';
import { argmax } from '../tensor/tensor.js';
import type { Random } from '../random.js';

/** How to pick tokens. */
export interface SamplingOptions {
  /**
   * Divides the logits before the softmax: below 1 sharpens the distribution, above 1
   * flattens it; 0 picks the most likely token every time (greedy).
   * @default 1
   */
  temperature?: number;
  /** Keep only the k most likely tokens (0: all). @default 0 */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (1: all). @default 1 */
  topP?: number;
}

/** Validated sampling settings. */
export interface Sampling {
  temperature: number;
  topK: number;
  topP: number;
  /** Ids never drawn (their probability is set to 0 before the other filters), e.g. a tokenizer's placeholders. */
  exclude: readonly number[];
}

/**
 * Checks and completes sampling options; `exclude` lists ids never to draw.
 * @throws UsageError naming the option and its allowed range.
 */
export function resolveSampling(options: SamplingOptions = {}, exclude: readonly number[] = []): Sampling {
  const temperature = options.temperature ?? 1;
  const topK = options.topK ?? 0;
  const topP = options.topP ?? 1;
  if (typeof temperature !== 'number' || !(temperature >= 0) || !Number.isFinite(temperature)) {
    throw new UsageError(`temperature must be a finite number ≥ 0, got ${String(options.temperature)}`);
  }
  if (!Number.isInteger(topK) || topK < 0) throw new UsageError(`topK must be an integer ≥ 0, got ${String(options.topK)}`);
  if (typeof topP !== 'number' || !(topP > 0 && topP <= 1)) throw new UsageError(`topP must be in (0, 1], got ${String(options.topP)}`);
  return { temperature, topK, topP, exclude };
}

/**
 * The sampling distribution over V tokens after exclusion, temperature, top-k and top-p,
 * written into `probs` (zeros for filtered tokens; sums to 1). Greedy (temperature 0)
 * puts all the mass on the first most likely token that is not excluded.
 * @throws UsageError when every token is excluded.
 */
export function samplingDistribution(logits: ArrayLike<number>, s: Sampling, probs: Float64Array): void {
  const V = logits.length;
  const allowed = new Uint8Array(V).fill(1);
  for (const id of s.exclude) if (id >= 0 && id < V) allowed[id] = 0;
  const best = argmax(logits, 0, V, allowed);
  if (best < 0) throw new UsageError(`sampling: all ${V} tokens are excluded`);
  if (s.temperature === 0) {
    probs.fill(0);
    probs[best] = 1;
    return;
  }
  const max = logits[best];
  let sum = 0;
  for (let i = 0; i < V; i++) {
    const e = allowed[i] ? Math.exp((logits[i] - max) / s.temperature) : 0;
    probs[i] = e;
    sum += e;
  }
  for (let i = 0; i < V; i++) probs[i] /= sum;
  if ((s.topK === 0 || s.topK >= V) && s.topP >= 1) return;
  // Rank tokens by probability; keep the top k, then the smallest prefix reaching p.
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => probs[b] - probs[a] || a - b);
  const k = s.topK === 0 ? V : Math.min(s.topK, V);
  let kept = 0;
  let mass = 0;
  while (kept < k && (kept === 0 || mass < s.topP - 1e-12)) mass += probs[order[kept++]]; // (rounding slack)
  for (let r = kept; r < V; r++) probs[order[r]] = 0;
  for (let r = 0; r < kept; r++) probs[order[r]] /= mass;
}

/** Draws an index from a distribution that sums to 1. */
export function drawFrom(probs: ArrayLike<number>, random: Random): number {
  const u = random.next();
  let acc = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (p <= 0) continue;
    acc += p;
    last = i;
    if (u < acc) return i;
  }
  return last; // rounding left u just above the total
}
