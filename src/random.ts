/**
 * Seeded pseudo-random numbers: initialisation, dropout masks, shuffling and sampling
 * draw from a {@link Random}, so a run with the same seed repeats exactly, and a
 * generator's state can be saved and restored (checkpoints resume mid-stream).
 *
 * The generator is xoshiro128** (Blackman and Vigna): 128 bits of state, period
 * 2¹²⁸ − 1, seeded through splitmix32 so that nearby seeds give unrelated streams.
 */
import { UsageError } from './errors.js';

/** A seeded generator of uniform and normal numbers. */
export class Random {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** @param seed any safe integer; the same seed gives the same stream. */
  constructor(seed: number) {
    this.seed(seed);
  }

  /** Restarts the stream from `seed`. */
  seed(seed: number): void {
    if (!Number.isSafeInteger(seed)) throw new UsageError(`random: seed must be a safe integer, got ${seed}`);
    // splitmix32 over the low and high 32 bits of the seed.
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32) >>> 0, 0x9e3779b9);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform number in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform number in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A standard normal number (Box–Muller). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(u) is finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** The generator's state, for {@link Random.setState}. */
  getState(): [number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  /** Restores a state from {@link Random.getState}. */
  setState(state: readonly number[]): void {
    if (state.length !== 4 || !state.every((v) => Number.isInteger(v)) || state.every((v) => v === 0)) {
      throw new UsageError('random: a state is four integers, not all zero');
    }
    [this.s0, this.s1, this.s2, this.s3] = state.map((v) => v >>> 0) as [number, number, number, number];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

let global = new Random(0);

/** Seeds the generator layers use when no `seed` option is given (as `torch.manual_seed`). */
export function manualSeed(seed: number): void {
  global = new Random(seed);
}

/** The shared default generator. */
export function defaultRandom(): Random {
  return global;
}
