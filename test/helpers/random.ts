/** Seeded test data, drawn from the library's own generator so that failures reproduce. */
import { Random } from '../../src/random.js';

/** A uniform [0, 1) source seeded with `seed`. */
export function rng(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
}

/** `n` uniform values in [lo, hi), each exactly representable in float32 (so both precisions see the same inputs). */
export function uniform(random: () => number, n: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * random()));
}
